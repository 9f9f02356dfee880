/**
 * The proposal kinds built so far. Adding one: add its name here, write its
 * definition beside this file, and register it in kinds/index.ts.
 * (A fork is not a proposal but a founding event, `body-forked`; a confederal proposal
 * is a referral, `referral-opened`, decided by the member bodies' verdicts.)
 */
export const PROPOSAL_KINDS = ["policy", "bylaws", "membership", "recall", "delegation", "join", "leave", "ratification", "adopt", "confederal"] as const;

/** A kind of proposal. */
export type ProposalKind = (typeof PROPOSAL_KINDS)[number];

/** Kinds whose decision rule is fixed by the domain, whatever the bylaws say. */
export const FIXED_RULE_KINDS: ReadonlySet<ProposalKind> = new Set<ProposalKind>(["recall"]);

/** True when `value` names a known kind. */
export function isProposalKind(value: unknown): value is ProposalKind {
  return typeof value === "string" && (PROPOSAL_KINDS as readonly string[]).includes(value);
}
