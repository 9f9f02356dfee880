import type { BodyState } from "../body.ts";
import type { ProposalState } from "../proposal/state.ts";
import type { CommandResult } from "../result.ts";
import type { Instant } from "../time.ts";
import { assertNow, emit } from "./emit.ts";

/**
 * Records the delegates the body elected to implement a carried decision, under the
 * strict mandate of its text. (The delegation kind that will elect them is not built
 * yet; `decision` will then name it.) A later election replaces the delegates.
 */
export function electImplementationDelegates(
  state: ProposalState,
  input: {
    readonly actor: string;
    readonly delegates: readonly string[];
    readonly mandate: string;
    readonly decision?: string;
    readonly body?: BodyState;
  },
  now: Instant,
): CommandResult {
  assertNow(now);
  return emit(
    state,
    [
      {
        type: "implementation-delegates-elected",
        at: now,
        body: state.body,
        proposal: state.id,
        actor: input.actor,
        delegates: [...input.delegates],
        mandate: input.mandate,
        ...(input.decision !== undefined ? { decision: input.decision } : {}),
      },
    ],
    input.body,
  );
}

/** An implementation delegate reports the work done; the proposal is `done`. */
export function completeImplementation(state: ProposalState, input: { readonly actor: string; readonly report?: string }, now: Instant): CommandResult {
  assertNow(now);
  return emit(state, [
    {
      type: "implementation-completed",
      at: now,
      body: state.body,
      proposal: state.id,
      actor: input.actor,
      ...(input.report !== undefined ? { report: input.report } : {}),
    },
  ]);
}
