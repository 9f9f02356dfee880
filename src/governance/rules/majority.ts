import { formatFraction, meets, percent, type Fraction } from "../fraction.ts";
import type { ChoiceCounts, ThresholdResult } from "./types.ts";

/** Simple majority: more agree than disagree; abstentions are not counted. */
export function simpleMajorityMet(c: ChoiceCounts): ThresholdResult {
  const of = `${c.agree} agree to ${c.disagree} disagree`;
  return c.agree > c.disagree ? { met: true, why: `majority: ${of}` } : { met: false, why: `no majority: ${of}` };
}

/**
 * Supermajority: agree / (agree + disagree) >= fraction; abstentions are not counted.
 * At least one member must agree, so a round of abstentions never passes.
 */
export function supermajorityMet(c: ChoiceCounts, f: Fraction): ThresholdResult {
  const decisive = c.agree + c.disagree;
  const share = `${percent(c.agree, decisive)} agree (${c.agree} of ${decisive})`;
  if (c.agree > 0 && meets(c.agree, decisive, f)) {
    return { met: true, why: `${share}, at least ${formatFraction(f)}` };
  }
  return { met: false, why: `${share}, below ${formatFraction(f)}` };
}
