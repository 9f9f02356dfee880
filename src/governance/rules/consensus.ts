import type { ChoiceCounts, ThresholdResult } from "./types.ts";

/**
 * Consensus: unanimous approval of those voting. Standing aside (abstain) is allowed;
 * a single block stops the proposal; a plain "disagree" also stops it, because approval
 * is then not unanimous (it differs from a block only in what it says on the record).
 * At least one member must agree.
 */
export function consensusMet(c: ChoiceCounts): ThresholdResult {
  if (c.block > 0) return { met: false, why: `blocked by ${c.block}` };
  if (c.disagree > 0) return { met: false, why: `not unanimous: ${c.disagree} disagree` };
  if (c.agree === 0) return { met: false, why: "nobody agreed" };
  return { met: true, why: `unanimous: ${c.agree} agree, ${c.abstain} stand aside` };
}
