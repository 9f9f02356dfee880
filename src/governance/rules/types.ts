import type { Fraction } from "../fraction.ts";

/**
 * A ballot option. `abstain` is "stand aside" under consensus; `block` exists only
 * under consensus.
 */
export type VoteChoice = "agree" | "disagree" | "abstain" | "block";

/** Every vote choice, in display order. */
export const VOTE_CHOICES: readonly VoteChoice[] = ["agree", "disagree", "abstain", "block"];

/** The rule a body uses to decide a proposal (see docs/governance.md). */
export type DecisionRule =
  | { readonly kind: "consensus" }
  | { readonly kind: "simple-majority" }
  | { readonly kind: "supermajority"; readonly fraction: Fraction }
  | { readonly kind: "graduated-consensus" };

/**
 * The rule of one round of voting. Graduated consensus is a procedure of several
 * rounds, each with a plain threshold rule.
 */
export type RoundRule = Exclude<DecisionRule, { kind: "graduated-consensus" }>;

/** Counts of counted ballots per option. */
export interface ChoiceCounts {
  agree: number;
  disagree: number;
  abstain: number;
  block: number;
}

/** Whether a round's threshold is met, and why (without quorum: that is checked apart). */
export interface ThresholdResult {
  readonly met: boolean;
  readonly why: string;
}

/** The options a ballot may carry under a round rule. */
export function choicesFor(rule: RoundRule): readonly VoteChoice[] {
  return rule.kind === "consensus" ? VOTE_CHOICES : ["agree", "disagree", "abstain"];
}
