import type { BodyState } from "../body.ts";
import type { ProposalKind } from "../kinds/names.ts";
import { termsFor } from "../terms.ts";
import type { ProposalState } from "../proposal/state.ts";
import type { CommandResult } from "../result.ts";
import type { DecisionRule } from "../rules/types.ts";
import type { Duration, Instant } from "../time.ts";
import { assertNow, emit } from "./emit.ts";

/** What a member writes when drafting a proposal. */
export interface DraftInput {
  /** A new id, chosen by the caller (e.g. the proposal object's URI). */
  readonly proposal: string;
  readonly actor: string;
  readonly kind: ProposalKind;
  readonly title: string;
  readonly text: string;
  readonly payload?: unknown;
  /** A stronger rule than the bylaws require; a weaker one is refused (`rule-too-weak`). */
  readonly rule?: DecisionRule;
  /** Longer periods than the bylaws' defaults; shorter ones are refused. */
  readonly deliberationPeriod?: Duration;
  readonly votingPeriod?: Duration;
}

/** Drafts a proposal. Only members may; its kind's payload and requested rule are checked now. */
export function draftProposal(body: BodyState, input: DraftInput, now: Instant): CommandResult {
  assertNow(now);
  return emit(
    null,
    [
      {
        type: "proposal-drafted",
        at: now,
        body: body.id,
        proposal: input.proposal,
        actor: input.actor,
        kind: input.kind,
        title: input.title,
        text: input.text,
        ...("payload" in input ? { payload: input.payload } : {}),
        ...(input.rule !== undefined ? { rule: input.rule } : {}),
        ...(input.deliberationPeriod !== undefined ? { deliberationPeriod: input.deliberationPeriod } : {}),
        ...(input.votingPeriod !== undefined ? { votingPeriod: input.votingPeriod } : {}),
      },
    ],
    body,
  );
}

/** Seconds a draft (when the bylaws ask for seconds before tabling). */
export function secondProposal(state: ProposalState, input: { readonly actor: string; readonly body: BodyState }, now: Instant): CommandResult {
  assertNow(now);
  return emit(state, [{ type: "proposal-seconded", at: now, body: state.body, proposal: state.id, actor: input.actor }], input.body);
}

/**
 * Tables a draft: puts it before the body and starts deliberation. Its terms (rule,
 * quorum, ballot, periods) are frozen from the bylaws in force now.
 */
export function tableProposal(state: ProposalState, input: { readonly actor: string; readonly body: BodyState }, now: Instant): CommandResult {
  assertNow(now);
  const terms = termsFor(input.body.bylaws, input.body.bylawsVersion, { ...state.requested, kind: state.kind });
  if (!terms.ok) return { ok: false, reason: terms.reason };
  return emit(state, [{ type: "proposal-tabled", at: now, body: state.body, proposal: state.id, actor: input.actor, terms: terms.terms }], input.body);
}

/**
 * Opens voting once deliberation has run its course, freezing the roll: the body's
 * members at this moment. Any member may open it; `advance` opens it too.
 */
export function openVoting(state: ProposalState, input: { readonly actor?: string; readonly body: BodyState }, now: Instant): CommandResult {
  assertNow(now);
  return emit(
    state,
    [
      {
        type: "voting-opened",
        at: now,
        body: state.body,
        proposal: state.id,
        ...(input.actor !== undefined ? { actor: input.actor } : {}),
        roll: [...input.body.members].sort(),
      },
    ],
    input.body,
  );
}

/** The author withdraws the proposal, at any stage before it is decided. */
export function withdraw(state: ProposalState, input: { readonly actor: string; readonly reason?: string }, now: Instant): CommandResult {
  assertNow(now);
  return emit(state, [
    {
      type: "proposal-withdrawn",
      at: now,
      body: state.body,
      proposal: state.id,
      actor: input.actor,
      ...(input.reason !== undefined ? { reason: input.reason } : {}),
    },
  ]);
}
