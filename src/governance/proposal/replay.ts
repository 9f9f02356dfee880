import { isProposalEvent, type GovernanceEvent, type ProposalEvent } from "../events.ts";
import type { Refusal } from "../result.ts";
import { checkProposalEvent, type ReplayContext } from "./check.ts";
import { applyInPlace, draftState } from "./reduce.ts";
import type { IgnoredEvent, ProposalState } from "./state.ts";

/** The record of an event the reducer ignored. */
export function ignoredEntry(event: GovernanceEvent, why: Refusal): IgnoredEvent {
  return {
    at: event.at,
    type: String(event.type),
    actor: "actor" in event && typeof event.actor === "string" ? event.actor : null,
    code: why.code,
    message: why.message,
  };
}

/**
 * Mutating step used by replays that own their state: applies a valid event, records an
 * invalid one in `ignored`. Returns the (possibly new) state.
 */
export function stepInPlace(state: ProposalState | null, event: ProposalEvent, ctx: ReplayContext = {}): ProposalState | null {
  const problem = checkProposalEvent(state, event, ctx);
  if (problem !== null) {
    state?.ignored.push(ignoredEntry(event, problem));
    return state;
  }
  if (event.type === "proposal-drafted") return draftState(event);
  if (state === null) throw new Error("invariant: checked events other than drafts have a state");
  applyInPlace(state, event);
  return state;
}

/**
 * The reducer: the state after one more event, leaving `state` untouched. An invalid
 * event changes nothing but is listed in `ignored`; events about other proposals and
 * body events are passed over.
 */
export function applyProposalEvent(state: ProposalState | null, event: GovernanceEvent, ctx: ReplayContext = {}): ProposalState | null {
  if (!isProposalEvent(event)) return state;
  if (state !== null && event.proposal !== state.id) return state;
  return stepInPlace(state === null ? null : structuredClone(state), event, ctx);
}

/**
 * Replays a proposal from the record: deterministic, O(events). Takes the events of
 * proposal `proposal`, or of the first proposal drafted in `events` if not given.
 * Returns null if it was never (validly) drafted. Without `body`, checks that need the
 * body's membership and bylaws are skipped (see bodyState for a full check).
 */
export function replayProposal(events: Iterable<GovernanceEvent>, options: { readonly proposal?: string; readonly body?: ReplayContext["body"] } = {}): ProposalState | null {
  let id = options.proposal;
  let state: ProposalState | null = null;
  const ctx: ReplayContext = { body: options.body };
  for (const event of events) {
    if (!isProposalEvent(event)) continue;
    if (id === undefined) {
      if (event.type !== "proposal-drafted") continue;
      id = event.proposal;
    }
    if (event.proposal !== id) continue;
    state = stepInPlace(state, event, ctx);
  }
  return state;
}
