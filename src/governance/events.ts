import type { BodyKind, Bylaws } from "./bylaws.ts";
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

/** The body's choice of delegates to implement a carried decision, under its text. */
export interface ImplementationDelegatesElected extends OfProposal {
  readonly type: "implementation-delegates-elected";
  readonly actor: string;
  readonly delegates: readonly string[];
  readonly mandate: string;
  /** The decision (e.g. a delegation proposal) that chose them, once that kind exists. */
  readonly decision?: string;
}

/** An implementation delegate reports the work done. */
export interface ImplementationCompleted extends OfProposal {
  readonly type: "implementation-completed";
  readonly actor: string;
  readonly report?: string;
}

/** Events about the body itself. */
export type BodyEvent = BodyFounded | MemberJoined | MemberLeft;

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
] as const satisfies readonly GovernanceEvent["type"][];

/** True for events about a proposal. */
export function isProposalEvent(event: GovernanceEvent): event is ProposalEvent {
  return "proposal" in event;
}
