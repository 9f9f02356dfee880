import { resolveEffect, type BodyState } from "../body.ts";
import type { Effect } from "../kinds/types.ts";
import type { ProposalEvent } from "../events.ts";
import { checkProposalEvent } from "../proposal/check.ts";
import { applyProposalEvent } from "../proposal/replay.ts";
import { TIMED_STAGES, type ProposalState } from "../proposal/state.ts";
import type { CommandResult } from "../result.ts";
import { requireMs, type Instant } from "../time.ts";
import { assertNow } from "./emit.ts";
import { implementationElection } from "./implementation.ts";

/** When the proposal will next move on its own (deadline), or null if it will not. */
export function nextDeadline(state: ProposalState): Instant | null {
  if (state.status === "deliberation") return state.deliberationEndsAt;
  return TIMED_STAGES.has(state.status) ? state.stageEndsAt : null;
}

function due(state: ProposalState, now: Instant, body: BodyState | undefined): ProposalEvent | null {
  const base = { at: now, body: state.body, proposal: state.id };
  if (state.status === "deliberation" && state.deliberationEndsAt !== null) {
    if (body === undefined || requireMs(now) < requireMs(state.deliberationEndsAt)) return null;
    return { ...base, type: "voting-opened", roll: [...body.members].sort() };
  }
  if (TIMED_STAGES.has(state.status) && state.stageEndsAt !== null && requireMs(now) > requireMs(state.stageEndsAt)) {
    return { ...base, type: "stage-ended", stage: state.status };
  }
  return null;
}

/**
 * Deadline-driven transitions: opens voting when deliberation is over (given the body,
 * whose members become the roll), and ends every stage whose deadline has passed
 * (closing and counting votes, moving through the graduated-consensus stages, ending
 * contention). When it carries a delegation of implementation delegates (given the
 * body), the decision it implements gets them in the same step
 * (`implementation-delegates-elected` with `by`). Returns no events when nothing is
 * due. Call it on a timer and when reading a proposal.
 */
export function advance(state: ProposalState, now: Instant, body?: BodyState): CommandResult {
  assertNow(now);
  const events: ProposalEvent[] = [];
  const effects: Effect[] = [];
  let current = state;
  // Each step starts a stage ending after `now`, so this stops; the bound guards bugs.
  for (let step = 0; step < 16; step++) {
    const event = due(current, now, body);
    if (event === null) return { ok: true, events, effects };
    const problem = checkProposalEvent(current, event, { body });
    if (problem !== null) return events.length > 0 ? { ok: true, events, effects } : { ok: false, reason: problem };
    const next = applyProposalEvent(current, event, { body });
    if (next === null) throw new Error("invariant: a checked event keeps the proposal");
    events.push(event);
    if (next.effect !== null && current.effect === null) {
      effects.push(body ? resolveEffect(body, next.effect, now) : next.effect);
      // Carrying an implementation delegation elects the delegates on the decision it implements.
      const carried = body === undefined ? null : { ...body, proposals: new Map(body.proposals).set(next.id, next) };
      const election = carried === null ? null : implementationElection(carried, next.effect, now);
      if (election !== null) events.push(election);
    }
    current = next;
  }
  throw new Error("invariant: advance did not settle");
}
