import { adoptKind } from "./adopt.ts";
import { bylawsKind } from "./bylaws.ts";
import { confederalKind } from "./confederal.ts";
import { delegationKind } from "./delegation.ts";
import { joinKind } from "./join.ts";
import { leaveKind } from "./leave.ts";
import { membershipKind } from "./membership.ts";
import type { ProposalKind } from "./names.ts";
import { policyKind } from "./policy.ts";
import { ratificationKind } from "./ratification.ts";
import { recallKind } from "./recall.ts";
import type { KindDefinition } from "./types.ts";

/** The registry of proposal kinds. */
export const KINDS: Readonly<Record<ProposalKind, KindDefinition>> = {
  policy: policyKind,
  bylaws: bylawsKind,
  membership: membershipKind,
  recall: recallKind,
  delegation: delegationKind,
  join: joinKind,
  leave: leaveKind,
  ratification: ratificationKind,
  adopt: adoptKind,
  confederal: confederalKind,
};

/** The definition of a kind. */
export function kindDefinition(kind: ProposalKind): KindDefinition {
  return KINDS[kind];
}
