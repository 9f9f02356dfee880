import type { VerdictCounts } from "../governance/confederation.ts";
import { formatFraction } from "../governance/fraction.ts";
import type { RatificationRule } from "../governance/ratification.ts";
import type { ChoiceCounts } from "../governance/rules/types.ts";

// How counts, rules and lists read in a check's detail.

/** Above this many lines, the lists in a detail are shortened. */
const LIST_MAX = 6;

export function describeChoiceCounts(c: ChoiceCounts): string {
  return `agree ${c.agree}, disagree ${c.disagree}, abstain ${c.abstain}, block ${c.block}`;
}

export function describeVerdictCounts(c: VerdictCounts): string {
  return `ratify ${c.ratify}, reject ${c.reject}, abstain ${c.abstain}`;
}

export function describeList(items: readonly string[]): string {
  if (items.length <= LIST_MAX) return `[${items.join(", ")}]`;
  return `[${items.slice(0, LIST_MAX).join(", ")}, … (${items.length} in all)]`;
}

export function describeRatificationRule(rule: RatificationRule): string {
  switch (rule.kind) {
    case "supermajority":
    case "weighted":
      return `${rule.kind} (${formatFraction(rule.fraction)})`;
    case "double-majority":
      return `double majority (${formatFraction(rule.bodies)} of bodies, ${formatFraction(rule.people)} of people)`;
    default:
      return rule.kind;
  }
}
