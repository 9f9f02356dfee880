import { compareFractions, fraction, isUnitFraction, type Fraction } from "../fraction.ts";
import type { DecisionRule } from "./types.ts";

/**
 * Where a rule sits in the strength order: first the least share of decisive votes it
 * ever passes with, then, at an equal share, the extra protections it adds.
 *
 *   simple majority (> 1/2) < supermajority f (1/2 < f) < graduated consensus (2/3 plus
 *   a contention period) < ... < supermajority 1/1 < consensus (unanimity plus block)
 *
 * Graduated consensus never passes below 2/3 (its early passes need 90 %), so it is at
 * least as strong as a 2/3 supermajority, and weaker than any higher fraction.
 */
export function ruleStrength(rule: DecisionRule): { readonly bar: Fraction; readonly rank: number } {
  switch (rule.kind) {
    case "simple-majority":
      return { bar: fraction(1, 2), rank: 1 };
    case "supermajority":
      return { bar: rule.fraction, rank: 0 };
    case "graduated-consensus":
      return { bar: fraction(2, 3), rank: 2 };
    case "consensus":
      return { bar: fraction(1, 1), rank: 3 };
  }
}

/** Sign of strength(a) − strength(b). */
export function compareRules(a: DecisionRule, b: DecisionRule): number {
  const sa = ruleStrength(a);
  const sb = ruleStrength(b);
  return compareFractions(sa.bar, sb.bar) || Math.sign(sa.rank - sb.rank);
}

/** True when `rule` is at least as strong as `required`. */
export function isAtLeastAsStrong(rule: DecisionRule, required: DecisionRule): boolean {
  return compareRules(rule, required) >= 0;
}

/** True for a well-formed rule; a supermajority needs 1/2 < fraction <= 1. */
export function isDecisionRule(value: unknown): value is DecisionRule {
  if (typeof value !== "object" || value === null) return false;
  const r = value as Record<string, unknown>;
  switch (r.kind) {
    case "consensus":
    case "simple-majority":
    case "graduated-consensus":
      return true;
    case "supermajority":
      return isUnitFraction(r.fraction) && compareFractions(r.fraction, fraction(1, 2)) > 0;
    default:
      return false;
  }
}

/** A short human name, e.g. "supermajority (2/3)". */
export function describeRule(rule: DecisionRule): string {
  return rule.kind === "supermajority" ? `supermajority (${rule.fraction.num}/${rule.fraction.den})` : rule.kind.replace("-", " ");
}
