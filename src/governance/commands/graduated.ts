import type { ProposalState } from "../proposal/state.ts";
import { refuse, type CommandResult } from "../result.ts";
import type { Instant } from "../time.ts";
import { assertNow, emit } from "./emit.ts";

/**
 * Graduated consensus: someone who voted against in the first temperature check
 * qualifies the objection as a deal-breaker or not, with a category. May be changed
 * until the objection period ends.
 */
export function object(
  state: ProposalState,
  input: { readonly actor: string; readonly dealBreaker: boolean; readonly category: string; readonly text?: string },
  now: Instant,
): CommandResult {
  assertNow(now);
  return emit(state, [
    {
      type: "objection-recorded",
      at: now,
      body: state.body,
      proposal: state.id,
      actor: input.actor,
      dealBreaker: input.dealBreaker,
      category: input.category,
      text: input.text ?? "",
    },
  ]);
}

/**
 * Graduated consensus: an objector of a category (in the tier being heard) votes for
 * its advocate, who may be anyone on the roll. Most votes wins; a tie makes co-advocates.
 */
export function electAdvocate(state: ProposalState, input: { readonly actor: string; readonly category: string; readonly candidate: string }, now: Instant): CommandResult {
  assertNow(now);
  return emit(state, [
    {
      type: "advocate-vote-cast",
      at: now,
      body: state.body,
      proposal: state.id,
      actor: input.actor,
      category: input.category,
      candidate: input.candidate,
    },
  ]);
}

/** Graduated consensus: anyone on the roll records whether they share a grievance. */
export function recordGrievanceAgreement(
  state: ProposalState,
  input: { readonly actor: string; readonly category: string; readonly shares: boolean },
  now: Instant,
): CommandResult {
  assertNow(now);
  return emit(state, [
    {
      type: "grievance-agreement-recorded",
      at: now,
      body: state.body,
      proposal: state.id,
      actor: input.actor,
      category: input.category,
      shares: input.shares,
    },
  ]);
}

/**
 * Graduated consensus: an objector of the tier being heard offers a friendly
 * amendment (in their own category unless another of the tier is named). For
 * structured kinds it may carry the payload the proposal takes if it is accepted.
 */
export function proposeAmendment(
  state: ProposalState,
  input: {
    readonly actor: string;
    readonly amendment: string;
    readonly text: string;
    readonly category?: string;
    readonly payload?: unknown;
  },
  now: Instant,
): CommandResult {
  assertNow(now);
  const category = input.category ?? state.graduated?.objections.get(input.actor)?.category;
  if (category === undefined) return refuse("not-an-objector", `${input.actor} has no objection`);
  return emit(state, [
    {
      type: "amendment-proposed",
      at: now,
      body: state.body,
      proposal: state.id,
      actor: input.actor,
      amendment: input.amendment,
      category,
      text: input.text,
      ...("payload" in input ? { payload: input.payload } : {}),
    },
  ]);
}
