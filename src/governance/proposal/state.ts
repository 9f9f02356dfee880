import type { ProposalKind } from "../kinds/names.ts";
import type { Effect } from "../kinds/types.ts";
import type { Quorum } from "../quorum.ts";
import type { RefusalCode } from "../result.ts";
import type { AmendmentOutcome, Tier } from "../rules/graduated-consensus.ts";
import type { ChoiceCounts, DecisionRule, RoundRule, VoteChoice } from "../rules/types.ts";
import type { Tally } from "../tally.ts";
import type { ProposalTerms } from "../terms.ts";
import type { Duration, Instant } from "../time.ts";

/**
 * Where a proposal stands.
 *
 * `draft → deliberation → voting → passed | rejected | withdrawn`, then `implementing →
 * done` for decisions that mandate work. Graduated consensus adds `objections`,
 * `grievances`, `amendment-voting` (between its votes) and `contention` (after passing);
 * `tabled` means set aside because support fell below half during contention.
 */
export type ProposalStatus =
  | "draft"
  | "deliberation"
  | "voting"
  | "objections"
  | "grievances"
  | "amendment-voting"
  | "contention"
  | "passed"
  | "rejected"
  | "withdrawn"
  | "tabled"
  | "implementing"
  | "done";

/** Statuses after which nothing more can happen to a proposal. */
export const FINAL_STATUSES: ReadonlySet<ProposalStatus> = new Set<ProposalStatus>(["passed", "rejected", "withdrawn", "tabled", "done"]);

/** Statuses that end when their deadline passes (by a `stage-ended` event). */
export const TIMED_STAGES: ReadonlySet<ProposalStatus> = new Set<ProposalStatus>(["voting", "objections", "grievances", "amendment-voting", "contention"]);

/** Statuses in which the author may still withdraw. */
export const WITHDRAWABLE: ReadonlySet<ProposalStatus> = new Set<ProposalStatus>(["draft", "deliberation", "voting", "objections", "grievances", "amendment-voting"]);

/** The kinds of voting round. */
export type RoundKind = "main" | "temperature-1" | "temperature-2" | "final" | "amendment" | "contention";

/** A member's current ballot in a round. */
export interface Ballot {
  readonly voter: string;
  readonly choice: VoteChoice;
  readonly reason: string | null;
  readonly at: Instant;
}

/** One round of voting. Treat as immutable outside the reducer. */
export interface Round {
  readonly id: string;
  readonly kind: RoundKind;
  readonly rule: RoundRule;
  /** Null where no quorum applies (the contention round). */
  readonly quorum: Quorum | null;
  readonly openedAt: Instant;
  readonly closesAt: Instant;
  closedAt: Instant | null;
  /** The last ballot of each voter. */
  ballots: Map<string, Ballot>;
  /** Live counts of `ballots`. */
  counts: ChoiceCounts;
  /** The tally, once closed. */
  result: Tally | null;
  /** For amendment rounds, the amendment's id. */
  readonly amendment: string | null;
}

/** A qualified objection (graduated consensus). */
export interface Objection {
  readonly member: string;
  readonly dealBreaker: boolean;
  /** Normalised category key (trimmed, single-spaced, lower case). */
  readonly category: string;
  /** The category as the objector wrote it. */
  readonly label: string;
  readonly text: string;
  readonly at: Instant;
}

/** A friendly amendment (graduated consensus). */
export interface Amendment {
  readonly id: string;
  readonly tier: Tier;
  readonly category: string;
  readonly author: string;
  readonly text: string;
  /** Present when the amendment replaces the proposal's payload. */
  readonly payload?: unknown;
  readonly proposedAt: Instant;
  round: string | null;
  outcome: AmendmentOutcome | null;
}

/** The graduated-consensus part of a proposal's state. */
export interface GraduatedState {
  /** The tier of grievances being handled, if any. */
  tier: Tier | null;
  /** Who voted against in the first temperature check, and so may object. */
  eligibleObjectors: Set<string>;
  /** Each objector's last qualified objection. */
  objections: Map<string, Objection>;
  /** Advocate ballots: `${tier}|${category}` → voter → candidate. */
  advocateBallots: Map<string, Map<string, string>>;
  /** Shared grievances: `${tier}|${category}` → member → shares? */
  agreements: Map<string, Map<string, boolean>>;
  /** Amendments in the order offered. */
  amendments: Map<string, Amendment>;
  /** The round whose ballots carried the proposal into contention. */
  decidingRound: string | null;
}

/** The outcome of the deciding vote. */
export interface Decision {
  readonly outcome: "passed" | "rejected";
  readonly reason: "threshold-met" | "no-quorum" | "below-threshold";
  readonly round: string;
  readonly at: Instant;
  /** The tally's human-readable reason. */
  readonly explanation: string;
}

/** An event the reducer found invalid and left without effect. */
export interface IgnoredEvent {
  readonly at: unknown;
  readonly type: string;
  readonly actor: string | null;
  readonly code: RefusalCode;
  readonly message: string;
}

/** Everything known about one proposal, derived from the record. Treat as immutable. */
export interface ProposalState {
  readonly id: string;
  readonly body: string;
  readonly kind: ProposalKind;
  readonly title: string;
  readonly text: string;
  readonly payload: unknown;
  readonly author: string;
  readonly draftedAt: Instant;
  /** What the author asked for, beyond the bylaws' defaults. */
  readonly requested: {
    readonly rule?: DecisionRule;
    readonly deliberationPeriod?: Duration;
    readonly votingPeriod?: Duration;
  };
  status: ProposalStatus;
  /** Status changes in order, starting with `draft`. */
  stages: { status: ProposalStatus; at: Instant }[];
  seconds: string[];
  terms: ProposalTerms | null;
  tabledAt: Instant | null;
  deliberationEndsAt: Instant | null;
  /** The roll frozen when voting opened. */
  roll: Set<string> | null;
  votingOpenedAt: Instant | null;
  rounds: Map<string, Round>;
  /** Ids of the rounds open now. */
  openRounds: string[];
  /** When the current timed stage ends. */
  stageEndsAt: Instant | null;
  graduated: GraduatedState | null;
  decision: Decision | null;
  /** What carrying the proposal means, once it is carried. */
  effect: Effect | null;
  effectiveAt: Instant | null;
  implementation: { delegates: string[]; mandate: string; decision: string | null; electedAt: Instant } | null;
  withdrawal: { at: Instant; reason: string | null } | null;
  /** When a final status was reached. */
  endedAt: Instant | null;
  /** Time of the last applied event; later events may not be earlier. */
  lastAt: Instant;
  ignored: IgnoredEvent[];
}

/** Normalises a grievance category so "Cost ", "cost" and "COST" are one category. */
export function categoryKey(category: string): string {
  return category.trim().replace(/\s+/g, " ").toLowerCase();
}

/** Key of a category within a tier. */
export function tierCategory(tier: Tier, category: string): string {
  return `${tier}|${category}`;
}

/** Distinct categories of a tier, each with its first label and its objectors. */
export function categoriesOf(g: GraduatedState, tier: Tier): Map<string, { label: string; objectors: string[] }> {
  const out = new Map<string, { label: string; objectors: string[] }>();
  for (const o of g.objections.values()) {
    if (o.dealBreaker !== (tier === "deal-breaker")) continue;
    const entry = out.get(o.category) ?? { label: o.label, objectors: [] };
    entry.objectors.push(o.member);
    out.set(o.category, entry);
  }
  return out;
}

/**
 * The advocates of a category: the candidates with most votes from its objectors.
 * A tie makes co-advocates (no arbitrary tie-break); no votes, no advocate.
 */
export function advocatesOf(g: GraduatedState, tier: Tier, category: string): string[] {
  const ballots = g.advocateBallots.get(tierCategory(tier, category));
  if (ballots === undefined) return [];
  const stillObjecting = new Set(categoriesOf(g, tier).get(category)?.objectors ?? []);
  const votes = new Map<string, number>();
  for (const [voter, candidate] of ballots) {
    if (stillObjecting.has(voter)) votes.set(candidate, (votes.get(candidate) ?? 0) + 1);
  }
  const most = Math.max(0, ...votes.values());
  return most === 0
    ? []
    : [...votes]
        .filter(([, n]) => n === most)
        .map(([c]) => c)
        .sort();
}

/** The payload as amended: the last accepted amendment that carries one wins. */
export function amendedPayload(state: ProposalState): unknown {
  let payload = state.payload;
  for (const a of state.graduated?.amendments.values() ?? []) {
    if (a.outcome === "accepted" && "payload" in a) payload = a.payload;
  }
  return payload;
}

/** Texts of accepted amendments, in the order offered. */
export function acceptedAmendments(state: ProposalState): string[] {
  return [...(state.graduated?.amendments.values() ?? [])].filter((a) => a.outcome === "accepted").map((a) => a.text);
}
