import { bylawsKind } from "./bylaws.ts";
import { membershipKind } from "./membership.ts";
import type { ProposalKind } from "./names.ts";
import { policyKind } from "./policy.ts";
import { recallKind } from "./recall.ts";
import type { KindDefinition } from "./types.ts";

/** The registry of proposal kinds. */
export const KINDS: Readonly<Record<ProposalKind, KindDefinition>> = {
  policy: policyKind,
  bylaws: bylawsKind,
  membership: membershipKind,
  recall: recallKind,
};

/** The definition of a kind. */
export function kindDefinition(kind: ProposalKind): KindDefinition {
  return KINDS[kind];
}
