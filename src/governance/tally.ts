import { formatFraction, type Fraction } from "./fraction.ts";
import { requiredTurnout, type Quorum } from "./quorum.ts";
import { consensusMet } from "./rules/consensus.ts";
import { temperatureRule } from "./rules/graduated-consensus.ts";
import { simpleMajorityMet, supermajorityMet } from "./rules/majority.ts";
import { choicesFor, type ChoiceCounts, type DecisionRule, type RoundRule, type ThresholdResult, type VoteChoice } from "./rules/types.ts";
import { instantMs, type Instant } from "./time.ts";

/** One ballot as the tally sees it. Later ballots of the same voter replace earlier ones. */
export interface VoteRecord {
  readonly voter: string;
  readonly choice: VoteChoice;
  /** When it was cast; needed only if a deadline is given. */
  readonly at?: Instant;
}

/** Options of {@link tally}. */
export interface TallyOptions {
  /** Ballots cast after this instant are ignored (a ballot without `at` is kept). */
  readonly deadline?: Instant;
}

/** `no-quorum` wins over the threshold: without quorum nothing passes. */
export type TallyOutcome = "passed" | "failed" | "no-quorum";

/** The full, explainable result of counting one round. */
export interface Tally {
  readonly rule: RoundRule;
  readonly counts: ChoiceCounts;
  readonly rollSize: number;
  /** Roll members with a counted ballot, abstentions and blocks included. */
  readonly turnout: number;
  readonly quorum: { readonly required: number; readonly met: boolean };
  readonly threshold: { readonly fraction: Fraction | null; readonly description: string };
  readonly passed: boolean;
  readonly outcome: TallyOutcome;
  /** One human-readable sentence. */
  readonly reason: string;
  /** Ballots that did not count, by cause. */
  readonly ignored: {
    readonly notOnRoll: number;
    readonly late: number;
    readonly invalidChoice: number;
    readonly superseded: number;
  };
}

/** The rule a single round is counted by; graduated consensus counts as its temperature check. */
export function roundRuleOf(rule: DecisionRule): RoundRule {
  return rule.kind === "graduated-consensus" ? temperatureRule : rule;
}

/** Human description of a round rule's threshold. */
export function describeThreshold(rule: RoundRule): { fraction: Fraction | null; description: string } {
  switch (rule.kind) {
    case "consensus":
      return { fraction: null, description: "unanimous agreement of those voting, no block (standing aside allowed)" };
    case "simple-majority":
      return { fraction: null, description: "more agree than disagree (abstentions not counted)" };
    case "supermajority":
      return {
        fraction: rule.fraction,
        description: `agree at least ${formatFraction(rule.fraction)} of agree + disagree (abstentions not counted)`,
      };
  }
}

/** Whether the counts meet a round rule's threshold (quorum aside). */
export function thresholdMet(rule: RoundRule, counts: ChoiceCounts): ThresholdResult {
  switch (rule.kind) {
    case "consensus":
      return consensusMet(counts);
    case "simple-majority":
      return simpleMajorityMet(counts);
    case "supermajority":
      return supermajorityMet(counts, rule.fraction);
  }
}

/**
 * Counts one round. Pure and O(n) in the number of ballots. Only ballots by voters on
 * the roll, with a choice the rule allows and (given a deadline) cast no later than the
 * deadline count; of those, each voter's last one counts.
 */
export function tally(rule: DecisionRule, roll: ReadonlySet<string> | Iterable<string>, votes: Iterable<VoteRecord>, quorum: Quorum | number, options: TallyOptions = {}): Tally {
  const roundRule = roundRuleOf(rule);
  const eligible = roll instanceof Set ? (roll as ReadonlySet<string>) : new Set(roll);
  const allowed = new Set(choicesFor(roundRule));
  const deadline = options.deadline === undefined ? null : instantMs(options.deadline);
  if (options.deadline !== undefined && deadline === null) {
    throw new RangeError(`bad deadline: ${options.deadline}`);
  }
  const isLate = deadline === null ? null : lateness(deadline);

  const last = new Map<string, VoteChoice>();
  let notOnRoll = 0;
  let late = 0;
  let invalidChoice = 0;
  let kept = 0;
  for (const vote of votes) {
    if (!eligible.has(vote.voter)) {
      notOnRoll++;
    } else if (!allowed.has(vote.choice)) {
      invalidChoice++;
    } else if (isLate !== null && vote.at !== undefined && isLate(vote.at)) {
      late++;
    } else {
      kept++;
      last.set(vote.voter, vote.choice);
    }
  }

  const counts: ChoiceCounts = { agree: 0, disagree: 0, abstain: 0, block: 0 };
  for (const choice of last.values()) counts[choice]++;

  const turnout = last.size;
  const required = requiredTurnout(quorum, eligible.size);
  const quorumMet = turnout >= required;
  const threshold = thresholdMet(roundRule, counts);
  const passed = quorumMet && threshold.met;
  const outcome: TallyOutcome = !quorumMet ? "no-quorum" : passed ? "passed" : "failed";
  const turnoutText = `turnout ${turnout} of ${eligible.size}, quorum ${required}`;
  const reason = outcome === "no-quorum" ? `No quorum: ${turnoutText}.` : `${passed ? "Passed" : "Failed"}: ${threshold.why}; ${turnoutText}.`;

  return {
    rule: roundRule,
    counts,
    rollSize: eligible.size,
    turnout,
    quorum: { required, met: quorumMet },
    threshold: describeThreshold(roundRule),
    passed,
    outcome,
    reason,
    ignored: { notOnRoll, late, invalidChoice, superseded: kept - turnout },
  };
}

const CANONICAL = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/**
 * A test for "after the deadline". Instants in the canonical UTC form (what this core
 * writes) compare as strings, which keeps a 10,000-ballot tally in a few milliseconds;
 * any other form is parsed. An unparsable instant counts as late.
 */
function lateness(deadline: number): (at: Instant) => boolean {
  const canonical = new Date(deadline).toISOString();
  return (at) => (CANONICAL.test(at) ? at > canonical : !((instantMs(at) ?? Infinity) <= deadline));
}
