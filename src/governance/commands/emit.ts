import { resolveEffect, type BodyState } from "../body.ts";
import type { ProposalEvent } from "../events.ts";
import type { Effect } from "../kinds/types.ts";
import { checkProposalEvent } from "../proposal/check.ts";
import { applyProposalEvent } from "../proposal/replay.ts";
import type { ProposalState } from "../proposal/state.ts";
import type { CommandResult } from "../result.ts";
import { requireMs, type Instant } from "../time.ts";

/** A caller's clock must give valid instants: a bad `now` is a bug, not a refusal. */
export function assertNow(now: Instant): void {
  requireMs(now);
}

/**
 * Checks each event against the state the previous ones lead to, exactly as replay
 * will, and reports the effects they make binding.
 */
export function emit(state: ProposalState | null, events: readonly ProposalEvent[], body?: BodyState): CommandResult {
  let current = state;
  const effects: Effect[] = [];
  for (const [i, event] of events.entries()) {
    const problem = checkProposalEvent(current, event, { body });
    if (problem !== null) return { ok: false, reason: problem };
    // Only a stage's end can carry a proposal; skip the copy otherwise (votes stay O(1)).
    if (event.type === "stage-ended" || i < events.length - 1) {
      const next = applyProposalEvent(current, event, { body });
      if (next?.effect != null && current?.effect == null) effects.push(body ? resolveEffect(body, next.effect, event.at) : next.effect);
      current = next;
    }
  }
  return { ok: true, events, effects };
}
