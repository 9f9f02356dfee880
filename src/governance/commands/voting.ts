import type { ProposalState } from "../proposal/state.ts";
import { refuse, type CommandResult } from "../result.ts";
import type { VoteChoice } from "../rules/types.ts";
import type { Instant } from "../time.ts";
import { assertNow, emit } from "./emit.ts";

/** A ballot. */
export interface VoteInput {
  readonly actor: string;
  readonly choice: VoteChoice;
  readonly reason?: string;
  /** The round; defaults to the vote open now (not needed except for amendments). */
  readonly round?: string;
}

/**
 * Casts or changes a vote. Only members on the roll, only until the round's deadline,
 * only with an option the rule allows; the last vote of each member counts. During
 * contention, those who voted may change their vote.
 */
export function castVote(state: ProposalState, input: VoteInput, now: Instant): CommandResult {
  assertNow(now);
  let round = input.round;
  if (round === undefined) {
    if (state.status === "amendment-voting") return refuse("wrong-stage", "amendments are voted on one by one: name the amendment");
    if (state.status === "voting" || state.status === "contention") round = state.openRounds[0];
    if (round === undefined) {
      return state.rounds.size > 0
        ? refuse("deadline-passed", "voting on this proposal has closed")
        : refuse("wrong-stage", `voting has not opened (the proposal is in ${state.status})`);
    }
  }
  return emit(state, [
    {
      type: "vote-cast",
      at: now,
      body: state.body,
      proposal: state.id,
      actor: input.actor,
      round,
      choice: input.choice,
      ...(input.reason !== undefined ? { reason: input.reason } : {}),
    },
  ]);
}

/** Votes on a friendly amendment (graduated consensus); simple majority of those voting decides it. */
export function voteOnAmendment(
  state: ProposalState,
  input: { readonly actor: string; readonly amendment: string; readonly choice: VoteChoice; readonly reason?: string },
  now: Instant,
): CommandResult {
  const amendment = state.graduated?.amendments.get(input.amendment);
  if (amendment === undefined) return refuse("unknown-round", `no amendment ${input.amendment}`);
  if (amendment.round === null) return refuse("wrong-stage", "voting on this amendment has not opened");
  const { amendment: _id, ...vote } = input;
  return castVote(state, { ...vote, round: amendment.round }, now);
}
