import type { BodyKind, Bylaws } from "./bylaws.ts";
import type { ReferralBody, Verdict } from "./confederation.ts";
import type { Mandate } from "./mandates.ts";
import type { RatificationRule } from "./ratification.ts";
import type { ProposalKind } from "./kinds/names.ts";
import type { ProposalStatus } from "./proposal/state.ts";
import type { DecisionRule, VoteChoice } from "./rules/types.ts";
import type { ProposalTerms } from "./terms.ts";
import type { Duration, Instant } from "./time.ts";

/**
 * The record. A body's record is one ordered, append-only list of these events; the
 * state of the body and of each of its proposals is whatever replaying it gives.
 * Events hold only inputs (who did what, when); outcomes (tallies, passing, tabling,
 * effects) are always recomputed, never trusted from the record.
 */
interface Base {
  /** When it happened, as decided by the body's instance (ISO 8601 with offset). */
  readonly at: Instant;
  /** The body whose record this is. */
  readonly body: string;
}

interface OfProposal extends Base {
  readonly proposal: string;
}

/** A body is created with its first bylaws and first members. */
export interface BodyFounded extends Base {
  readonly type: "body-founded";
  readonly actor: string;
  readonly kind: BodyKind;
  readonly name: string;
  readonly bylaws: Bylaws;
  readonly members: readonly string[];
}

/** Someone joins a body whose admission is `open`. */
export interface MemberJoined extends Base {
  readonly type: "member-joined";
  readonly actor: string;
}

/** A member leaves (always allowed). */
export interface MemberLeft extends Base {
  readonly type: "member-left";
  readonly actor: string;
}

/** A member writes a proposal; it is not yet before the body. */
export interface ProposalDrafted extends OfProposal {
  readonly type: "proposal-drafted";
  readonly actor: string;
  readonly kind: ProposalKind;
  readonly title: string;
  readonly text: string;
  readonly payload?: unknown;
  /** A stronger rule than the bylaws require, if the author asks for one. */
  readonly rule?: DecisionRule;
  /** Longer periods than the bylaws' defaults, if the author asks for them. */
  readonly deliberationPeriod?: Duration;
  readonly votingPeriod?: Duration;
}

/** Another member seconds a draft (needed when the bylaws ask for seconds). */
export interface ProposalSeconded extends OfProposal {
  readonly type: "proposal-seconded";
  readonly actor: string;
}

/** The author puts the draft before the body; its terms are frozen and deliberation starts. */
export interface ProposalTabled extends OfProposal {
  readonly type: "proposal-tabled";
  readonly actor: string;
  readonly terms: ProposalTerms;
}

/** Voting opens and the roll is frozen. `actor` is absent when opened by the deadline. */
export interface VotingOpened extends OfProposal {
  readonly type: "voting-opened";
  readonly actor?: string;
  readonly roll: readonly string[];
}

/** A ballot in a round (`main`, `temperature-1`, `temperature-2`, `final`, `amendment:<id>`, `contention`). */
export interface VoteCast extends OfProposal {
  readonly type: "vote-cast";
  readonly actor: string;
  readonly round: string;
  readonly choice: VoteChoice;
  readonly reason?: string;
}

/** A stage's deadline has passed; what follows is derived from the record. */
export interface StageEnded extends OfProposal {
  readonly type: "stage-ended";
  readonly stage: ProposalStatus;
}

/** Graduated consensus: someone who voted against qualifies the objection. */
export interface ObjectionRecorded extends OfProposal {
  readonly type: "objection-recorded";
  readonly actor: string;
  readonly dealBreaker: boolean;
  readonly category: string;
  readonly text: string;
}

/** Graduated consensus: an objector's ballot for the advocate of their category. */
export interface AdvocateVoteCast extends OfProposal {
  readonly type: "advocate-vote-cast";
  readonly actor: string;
  readonly category: string;
  readonly candidate: string;
}

/** Graduated consensus: a member says whether they share a grievance. */
export interface GrievanceAgreementRecorded extends OfProposal {
  readonly type: "grievance-agreement-recorded";
  readonly actor: string;
  readonly category: string;
  readonly shares: boolean;
}

/** Graduated consensus: an objector offers a friendly amendment. */
export interface AmendmentProposed extends OfProposal {
  readonly type: "amendment-proposed";
  readonly actor: string;
  readonly amendment: string;
  readonly category: string;
  readonly text: string;
  /** For structured kinds (e.g. bylaws): the payload the proposal takes if accepted. */
  readonly payload?: unknown;
}

/** The author withdraws the proposal before it is decided. */
export interface ProposalWithdrawn extends OfProposal {
  readonly type: "proposal-withdrawn";
  readonly actor: string;
  readonly reason?: string;
}

/**
 * The body's choice of delegates to implement a carried decision, under its text. It is
 * recorded on the decision implemented, in the same step as the `delegation` proposal
 * (role `implementation-delegate`, `implements` naming the decision) that elected them
 * is carried: then `actor` is the body and `by` names that delegation, whose delegates
 * and mandate these must be. Records from before elections by the body have no `by`:
 * there a member recorded them (`actor`), and they replay as they always did.
 */
export interface ImplementationDelegatesElected extends OfProposal {
  readonly type: "implementation-delegates-elected";
  readonly actor: string;
  readonly delegates: readonly string[];
  readonly mandate: string;
  /** The carried `delegation` proposal that elected them (absent only in older records). */
  readonly by?: string;
  /** Older records only: a decision named by whoever recorded them; never written now. */
  readonly decision?: string;
}

/** An implementation delegate reports the work done. */
export interface ImplementationCompleted extends OfProposal {
  readonly type: "implementation-completed";
  readonly actor: string;
  readonly report?: string;
}

/** A body is founded from another's bylaws (a fork), linked to its origin. */
export interface BodyForked extends Base {
  readonly type: "body-forked";
  readonly actor: string;
  readonly kind: BodyKind;
  readonly name: string;
  /** The bylaws copied from the origin. */
  readonly bylaws: Bylaws;
  readonly members: readonly string[];
  /** The body forked from. */
  readonly origin: string;
  /** The origin's bylaws version copied, if known. */
  readonly originBylawsVersion?: number;
}

/** Confederation: a body that asked to join (Join) is admitted under `open` admission. */
export interface MemberBodyAdmitted extends Base {
  readonly type: "member-body-admitted";
  /** The member body. */
  readonly actor: string;
  /**
   * Under `by-decision` admission: the referral (with `admit` naming this body) that the
   * member bodies ratified. Absent under `open` admission.
   */
  readonly referral?: string;
}

/** Confederation: a member body leaves (Leave); effective at once, always allowed. */
export interface MemberBodyLeft extends Base {
  readonly type: "member-body-left";
  readonly actor: string;
}

/**
 * Confederation: a confederal proposal is tabled and referred to every member body
 * (`kind: "confederal"`), or (nested) a referral from a higher confederation is referred
 * down to this one's members (`kind: "ratification"`, with `parent`).
 */
export interface ReferralOpened extends Base {
  readonly type: "referral-opened";
  /** A member body, or a delegate acting under `viaMandate`. */
  readonly actor: string;
  readonly referral: string;
  readonly kind: "confederal" | "ratification";
  readonly title: string;
  readonly text: string;
  /** A topic tag, checked against a delegate's mandate `covers`. */
  readonly topic?: string;
  /** The mandate a delegate acts under (signature checked by the adapter). */
  readonly viaMandate?: Mandate;
  /** The frozen list of member bodies with their member counts. */
  readonly bodies: readonly ReferralBody[];
  /** The confederation's ratification rule, frozen (must be its bylaws'). */
  readonly rule: RatificationRule;
  /** Verdicts are received until this instant, inclusive. */
  readonly deadline: Instant;
  /** Nested: the higher confederation's referral this one answers. */
  readonly parent?: { readonly confederation: string; readonly referral: string };
  /**
   * Admission by decision: the body that asked to join (Join). The confederation refers
   * the question to its members itself (`actor` is the confederation); if ratified, the
   * body is admitted (`member-body-admitted` naming this referral).
   */
  readonly admit?: string;
  /**
   * The confederation's own decision (e.g. to join a higher confederation, or leave it):
   * a confederation's members are bodies, so it decides by referring the question to
   * them; if ratified, the kind's effect is carried as if a proposal had passed.
   */
  readonly decides?: { readonly kind: ProposalKind; readonly payload: unknown };
}

/** Confederation: a member body's verdict on a referral. `actor` is the verdict's body. */
export interface VerdictReceived extends Base {
  readonly type: "verdict-received";
  readonly actor: string;
  readonly referral: string;
  readonly verdict: Verdict;
}

/** Confederation: a referral's deadline has passed; its tally is recomputed from the record. */
export interface ReferralClosed extends Base {
  readonly type: "referral-closed";
  readonly referral: string;
}

/**
 * Confederation: a member body revoked one of its delegates' mandates (a signed
 * revocation, checked by the adapter); from `revokedAt` on the delegate cannot act here.
 */
export interface MandateRevocationReceived extends Base {
  readonly type: "mandate-revocation-received";
  /** The member body that gave and revoked the mandate. */
  readonly actor: string;
  readonly mandate: string;
  readonly delegate: string;
  readonly revokedAt: Instant;
  readonly revokedBy: string;
}

/**
 * A confederation refused this body's Join (its Reject arrived, or its member bodies did
 * not ratify the admission): the body is not a member there, whatever its `join` said.
 */
export interface JoinRefused extends Base {
  readonly type: "join-refused";
  /** The confederation that refused. */
  readonly actor: string;
  /** The Join activity it refused. */
  readonly join: string;
  /** The reason it gave, as received. */
  readonly reason: string;
}

/** Events about the body itself. */
export type BodyEvent =
  | BodyFounded
  | MemberJoined
  | MemberLeft
  | BodyForked
  | MemberBodyAdmitted
  | MemberBodyLeft
  | JoinRefused
  | ReferralOpened
  | VerdictReceived
  | ReferralClosed
  | MandateRevocationReceived;

/** Events about one proposal. */
export type ProposalEvent =
  | ProposalDrafted
  | ProposalSeconded
  | ProposalTabled
  | VotingOpened
  | VoteCast
  | StageEnded
  | ObjectionRecorded
  | AdvocateVoteCast
  | GrievanceAgreementRecorded
  | AmendmentProposed
  | ProposalWithdrawn
  | ImplementationDelegatesElected
  | ImplementationCompleted;

/** Everything that can be in a body's record. */
export type GovernanceEvent = BodyEvent | ProposalEvent;

/** Every event type, for adapters that map them to activities. */
export const EVENT_TYPES = [
  "body-founded",
  "member-joined",
  "member-left",
  "proposal-drafted",
  "proposal-seconded",
  "proposal-tabled",
  "voting-opened",
  "vote-cast",
  "stage-ended",
  "objection-recorded",
  "advocate-vote-cast",
  "grievance-agreement-recorded",
  "amendment-proposed",
  "proposal-withdrawn",
  "implementation-delegates-elected",
  "implementation-completed",
  "body-forked",
  "member-body-admitted",
  "member-body-left",
  "join-refused",
  "referral-opened",
  "verdict-received",
  "referral-closed",
  "mandate-revocation-received",
] as const satisfies readonly GovernanceEvent["type"][];

/** True for events about a proposal. */
export function isProposalEvent(event: GovernanceEvent): event is ProposalEvent {
  return "proposal" in event;
}
