import type { BodyState } from "../body.ts";
import type { ImplementationDelegatesElected } from "../events.ts";
import { implementationMandateText } from "../kinds/delegation.ts";
import type { Effect } from "../kinds/types.ts";
import { checkProposalEvent } from "../proposal/check.ts";
import type { ProposalState } from "../proposal/state.ts";
import type { CommandResult } from "../result.ts";
import type { Instant } from "../time.ts";
import { assertNow, emit } from "./emit.ts";

/**
 * Implementation delegates are elected by the body: a `delegation` proposal with role
 * `implementation-delegate` and `implements` naming the carried decision. When it is
 * carried (its effect, `mandates-granted` with `implements`, given here), the decision
 * it implements gets its delegates and mandate: this is that event, recorded by the body
 * on the decision's stream with `by` naming the delegation. A later election replaces
 * the delegates. Null when the effect elects nobody for a decision.
 *
 * `body` must be the body with the delegation already carried: the event is checked
 * against it exactly as replay will; if the decision can no longer take delegates (it
 * was done, or recalled, meanwhile), nothing is recorded on it.
 */
export function implementationElection(body: BodyState, effect: Effect, at: Instant): ImplementationDelegatesElected | null {
  if (effect.type !== "mandates-granted" || effect.implements === undefined) return null;
  const first = effect.mandates[0];
  if (first === undefined) return null;
  const event: ImplementationDelegatesElected = {
    type: "implementation-delegates-elected",
    at,
    body: body.id,
    proposal: effect.implements,
    actor: body.id,
    delegates: effect.mandates.map((m) => m.delegate),
    mandate: implementationMandateText(first),
    by: effect.proposal,
  };
  const decision = body.proposals.get(effect.implements) ?? null;
  return checkProposalEvent(decision, event, { body }) === null ? event : null;
}

/**
 * An implementation delegate reports the work done; the proposal is `done`. Given the
 * body, a delegate the body elected must hold their mandate from that election still
 * (not recalled, not ended).
 */
export function completeImplementation(state: ProposalState, input: { readonly actor: string; readonly report?: string; readonly body?: BodyState }, now: Instant): CommandResult {
  assertNow(now);
  return emit(
    state,
    [
      {
        type: "implementation-completed",
        at: now,
        body: state.body,
        proposal: state.id,
        actor: input.actor,
        ...(input.report !== undefined ? { report: input.report } : {}),
      },
    ],
    input.body,
  );
}
