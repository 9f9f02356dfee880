import { describeRule, formatFraction, type ChoiceCounts, type DecisionRule, type RatificationRule } from "../../governance/index.ts";

// How the story words rules, counts and verdicts in its lines.

export function ruleText(rule: DecisionRule): string {
  return rule.kind === "supermajority" ? `supermajority ${formatFraction(rule.fraction)}` : describeRule(rule);
}

export function ratificationRuleText(rule: RatificationRule): string {
  switch (rule.kind) {
    case "unanimity":
      return "unanimity of bodies";
    case "majority":
      return "majority of bodies";
    case "supermajority":
      return `${formatFraction(rule.fraction)} of bodies`;
    case "double-majority":
      return `double majority (${formatFraction(rule.bodies)} of bodies and ${formatFraction(rule.people)} of the people they hold)`;
    case "weighted":
      return `weighted (${formatFraction(rule.fraction)} of the people they hold)`;
  }
}

export function countsText(c: ChoiceCounts | null): string {
  if (!c) return "no counts";
  const extra = [c.abstain ? `${c.abstain} abstaining` : "", c.block ? `${c.block} blocking` : ""].filter(Boolean).join(", ");
  return `${c.agree}–${c.disagree}${extra ? ` (${extra})` : ""}`;
}

/** The verdict a body sends up for the outcome of its ratification. */
export const verdictOf = (outcome: string | null) => (outcome === "passed" ? "ratify" : outcome === "rejected" ? "reject" : "abstain");
