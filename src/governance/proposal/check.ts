import type { BodyState } from "../body.ts";
import { sameData } from "../canonical.ts";
import type {
  AdvocateVoteCast,
  AmendmentProposed,
  GrievanceAgreementRecorded,
  ImplementationCompleted,
  ImplementationDelegatesElected,
  ObjectionRecorded,
  ProposalDrafted,
  ProposalEvent,
  ProposalSeconded,
  ProposalTabled,
  ProposalWithdrawn,
  StageEnded,
  VoteCast,
  VotingOpened,
} from "../events.ts";
import { implementationMandateText } from "../kinds/delegation.ts";
import { kindDefinition } from "../kinds/index.ts";
import { mandateId, mandateStatus } from "../mandates.ts";
import { isProposalKind } from "../kinds/names.ts";
import { refusal, type Refusal } from "../result.ts";
import { isDecisionRule } from "../rules/strength.ts";
import { choicesFor } from "../rules/types.ts";
import { isWellFormedTerms, termsFor } from "../terms.ts";
import { durationMs, instantMs, requireMs } from "../time.ts";
import { categoriesOf, categoryKey, FINAL_STATUSES, TIMED_STAGES, WITHDRAWABLE, type ProposalState } from "./state.ts";

/** What the reducer may check events against besides the proposal itself. */
export interface ReplayContext {
  /** The body just before the event; absent when a proposal is replayed on its own. */
  readonly body?: BodyState | undefined;
}

const text = (v: unknown): v is string => typeof v === "string" && v.trim() !== "";

/**
 * Why `event` may not be applied to `state`, or null if it may. The same check guards
 * commands (so they refuse) and replay (so an invalid event in the record is ignored):
 * a decision recomputed from the record never counts anything a command would refuse.
 */
export function checkProposalEvent(state: ProposalState | null, event: ProposalEvent, ctx: ReplayContext = {}): Refusal | null {
  const at = instantMs(event.at);
  if (at === null) return refusal("invalid-input", "`at` must be an ISO 8601 instant with offset");
  if (ctx.body !== undefined && event.body !== ctx.body.id) return refusal("wrong-body", `this is the record of ${ctx.body.id}`);
  if (event.type === "proposal-drafted") return checkDrafted(state, event, ctx);
  if (state === null) return refusal("unknown-proposal", `no proposal ${event.proposal} has been drafted`);
  if (event.body !== state.body || event.proposal !== state.id) return refusal("wrong-body", "event is about another proposal");
  if (at < requireMs(state.lastAt)) return refusal("out-of-order", "event is earlier than the last one recorded");
  // A vote on a closed round says so (deadline-passed), whatever became of the proposal.
  if (FINAL_STATUSES.has(state.status) && event.type !== "vote-cast") {
    return refusal("wrong-stage", `the proposal is ${state.status}`);
  }
  switch (event.type) {
    case "proposal-seconded":
      return checkSeconded(state, event, ctx);
    case "proposal-tabled":
      return checkTabled(state, event, ctx);
    case "voting-opened":
      return checkVotingOpened(state, event, ctx);
    case "vote-cast":
      return checkVote(state, event);
    case "stage-ended":
      return checkStageEnded(state, event);
    case "objection-recorded":
      return checkObjection(state, event);
    case "advocate-vote-cast":
      return checkAdvocateVote(state, event);
    case "grievance-agreement-recorded":
      return checkAgreement(state, event);
    case "amendment-proposed":
      return checkAmendment(state, event, ctx);
    case "proposal-withdrawn":
      return checkWithdrawn(state, event);
    case "implementation-delegates-elected":
      return checkDelegates(state, event, ctx);
    case "implementation-completed":
      return checkCompleted(state, event, ctx);
    default:
      return refusal("invalid-input", `unknown event type ${String((event as { type?: unknown }).type)}`);
  }
}

function member(ctx: ReplayContext, actor: string): Refusal | null {
  if (ctx.body !== undefined && !ctx.body.members.has(actor)) return refusal("not-member", `${actor} is not a member of ${ctx.body.id}`);
  return null;
}

/**
 * A `ratification` is the one proposal a body authors itself: its confederation referred
 * the question, and every member body must decide it (no seconds needed).
 */
function referredByBody(ctx: ReplayContext, actor: string, kind: string): boolean {
  return kind === "ratification" && ctx.body !== undefined && actor === ctx.body.id;
}

/**
 * Asking to join: in a body that admits by decision, a person who is not a member may put
 * forward the membership proposal that would admit them, and only that one.
 */
function askingToJoin(ctx: ReplayContext, actor: string, kind: string, payload: unknown): boolean {
  const member = (payload as { member?: unknown } | null | undefined)?.member;
  return kind === "membership" && member === actor && ctx.body !== undefined && ctx.body.bylaws.admission === "by-decision" && !ctx.body.members.has(actor);
}

function onRoll(state: ProposalState, actor: string): Refusal | null {
  return state.roll?.has(actor) ? null : refusal("not-on-roll", `${actor} is not on this proposal's roll`);
}

function inStage(state: ProposalState, stage: ProposalState["status"], at: string): Refusal | null {
  if (state.status !== stage) return refusal("wrong-stage", `the proposal is in ${state.status}, not ${stage}`);
  if (state.stageEndsAt !== null && requireMs(at) > requireMs(state.stageEndsAt)) {
    return refusal("deadline-passed", `the ${stage} stage ended at ${state.stageEndsAt}`);
  }
  return null;
}

function checkDrafted(existing: ProposalState | null, e: ProposalDrafted, ctx: ReplayContext): Refusal | null {
  if (existing !== null || ctx.body?.proposals.has(e.proposal)) return refusal("duplicate-id", `proposal ${e.proposal} already exists`);
  if (!text(e.proposal)) return refusal("invalid-input", "a proposal needs an id");
  if (!text(e.actor)) return refusal("invalid-input", "a proposal needs an author");
  if (!isProposalKind(e.kind)) return refusal("unknown-kind", `unknown proposal kind ${String(e.kind)}`);
  if (!text(e.title) || typeof e.text !== "string") return refusal("invalid-input", "a proposal needs a title and a text");
  if (e.rule !== undefined && !isDecisionRule(e.rule)) return refusal("invalid-input", "the requested rule is not a valid rule");
  for (const period of [e.deliberationPeriod, e.votingPeriod]) {
    if (period !== undefined && durationMs(period) === null) return refusal("invalid-input", "periods must be ISO 8601 durations");
  }
  // A referral from a confederation is put before the body by the body itself; a request to join, by the one asking.
  const notMember = referredByBody(ctx, e.actor, e.kind) || askingToJoin(ctx, e.actor, e.kind, e.payload) ? null : member(ctx, e.actor);
  if (notMember) return notMember;
  const payloadProblem = kindDefinition(e.kind).validatePayload(e.payload, ctx.body);
  if (payloadProblem) return payloadProblem;
  if (ctx.body === undefined) {
    const fixed = kindDefinition(e.kind).fixedRule;
    if (fixed !== undefined && e.rule !== undefined && !sameData(fixed, e.rule)) {
      return refusal("rule-fixed-by-kind", `a ${e.kind} has a fixed rule`);
    }
    return null;
  }
  const terms = termsFor(ctx.body.bylaws, ctx.body.bylawsVersion, e);
  return terms.ok ? null : terms.reason;
}

function checkSeconded(state: ProposalState, e: ProposalSeconded, ctx: ReplayContext): Refusal | null {
  if (state.status !== "draft") return refusal("wrong-stage", "only a draft can be seconded");
  if (!text(e.actor)) return refusal("invalid-input", "who seconds?");
  if (e.actor === state.author) return refusal("invalid-input", "the author cannot second their own proposal");
  if (state.seconds.includes(e.actor)) return refusal("already-seconded", `${e.actor} already seconded it`);
  return member(ctx, e.actor);
}

function checkTabled(state: ProposalState, e: ProposalTabled, ctx: ReplayContext): Refusal | null {
  if (state.status !== "draft") return refusal("wrong-stage", "only a draft can be tabled");
  if (e.actor !== state.author) return refusal("not-author", "only the author can table the proposal");
  if (!isWellFormedTerms(e.terms)) return refusal("invalid-input", "malformed terms");
  const body = ctx.body;
  if (body === undefined) {
    // Without the bylaws at hand, at least the kind's fixed rule and the author's requests must hold.
    const rule = kindDefinition(state.kind).fixedRule ?? state.requested.rule;
    const { deliberationPeriod, votingPeriod } = state.requested;
    if (
      (rule !== undefined && !sameData(rule, e.terms.rule)) ||
      (deliberationPeriod !== undefined && deliberationPeriod !== e.terms.deliberationPeriod) ||
      (votingPeriod !== undefined && votingPeriod !== e.terms.votingPeriod)
    ) {
      return refusal("terms-mismatch", "the terms differ from what the kind and the author require");
    }
    return null;
  }
  const byBody = referredByBody(ctx, e.actor, state.kind);
  const notMember = byBody || askingToJoin(ctx, e.actor, state.kind, state.payload) ? null : member(ctx, e.actor);
  if (notMember) return notMember;
  if (body.bylaws.tabling.who === "seconded" && !byBody) {
    const seconds = state.seconds.filter((s) => body.members.has(s)).length;
    if (seconds < body.bylaws.tabling.seconds) {
      return refusal("needs-seconds", `${body.bylaws.tabling.seconds} seconds needed, ${seconds} given`);
    }
  }
  const expected = termsFor(body.bylaws, body.bylawsVersion, { ...state.requested, kind: state.kind });
  if (!expected.ok) return expected.reason;
  return sameData(expected.terms, e.terms) ? null : refusal("terms-mismatch", "the terms differ from the body's current bylaws");
}

/** Why voting cannot open now, said for the stage the proposal is in. */
function votingNotOpenable(status: ProposalState["status"]): string {
  if (status === "voting") return "voting is already open on this proposal";
  if (status === "draft") return "voting opens only at the end of deliberation, and the proposal is still a draft";
  if (status === "deliberation") return "voting opens only at the end of deliberation";
  return `voting has already taken place (the proposal is ${status})`;
}

function checkVotingOpened(state: ProposalState, e: VotingOpened, ctx: ReplayContext): Refusal | null {
  if (state.status !== "deliberation" || state.deliberationEndsAt === null) {
    return refusal("wrong-stage", votingNotOpenable(state.status));
  }
  if (requireMs(e.at) < requireMs(state.deliberationEndsAt)) {
    return refusal("too-early", `deliberation runs until ${state.deliberationEndsAt}`);
  }
  if (e.actor !== undefined) {
    const notMember = member(ctx, e.actor);
    if (notMember) return notMember;
  }
  if (!Array.isArray(e.roll) || !e.roll.every(text) || new Set(e.roll).size !== e.roll.length) {
    return refusal("invalid-input", "the roll must be a list of distinct member ids");
  }
  if (ctx.body !== undefined) {
    const members = ctx.body.members;
    if (e.roll.length !== members.size || !e.roll.every((m) => members.has(m))) {
      return refusal("roll-mismatch", "the roll is not the body's membership at this moment");
    }
  }
  return null;
}

function checkVote(state: ProposalState, e: VoteCast): Refusal | null {
  const round = state.rounds.get(e.round);
  if (round === undefined) return refusal("unknown-round", `no round ${e.round}`);
  if (round.closedAt !== null) return refusal("deadline-passed", `round ${e.round} closed at ${round.closedAt}`);
  if (requireMs(e.at) > requireMs(round.closesAt)) return refusal("deadline-passed", `round ${e.round} closed at ${round.closesAt}`);
  const notOnRoll = onRoll(state, e.actor);
  if (notOnRoll) return notOnRoll;
  if (!choicesFor(round.rule).includes(e.choice)) return refusal("invalid-choice", `${String(e.choice)} is not an option in this round`);
  if (e.reason !== undefined && typeof e.reason !== "string") return refusal("invalid-input", "a reason must be text");
  const previous = round.ballots.get(e.actor);
  if (round.kind === "contention" && previous === undefined) {
    return refusal("not-a-voter", "only those who voted in the deciding vote may change their vote during contention");
  }
  if (previous !== undefined && previous.choice === e.choice && previous.reason === (e.reason ?? null)) {
    return refusal("already-voted", `${e.actor} already voted ${e.choice}`);
  }
  return null;
}

function checkStageEnded(state: ProposalState, e: StageEnded): Refusal | null {
  if (e.stage !== state.status || !TIMED_STAGES.has(state.status)) {
    return refusal("wrong-stage", `the proposal is in ${state.status}, not ${String(e.stage)}`);
  }
  if (state.stageEndsAt === null || requireMs(e.at) <= requireMs(state.stageEndsAt)) {
    return refusal("too-early", `the ${state.status} stage runs until ${state.stageEndsAt}`);
  }
  return null;
}

function checkObjection(state: ProposalState, e: ObjectionRecorded): Refusal | null {
  const stage = inStage(state, "objections", e.at);
  if (stage) return stage;
  const notOnRoll = onRoll(state, e.actor);
  if (notOnRoll) return notOnRoll;
  if (!state.graduated?.eligibleObjectors.has(e.actor)) {
    return refusal("not-an-objector", "only those who voted against in the first temperature check may object");
  }
  if (typeof e.dealBreaker !== "boolean") return refusal("invalid-input", "say whether the objection is a deal-breaker");
  if (!text(e.category)) return refusal("invalid-input", "an objection needs a category");
  if (typeof e.text !== "string") return refusal("invalid-input", "an objection's text must be text");
  return null;
}

function checkCategory(state: ProposalState, category: unknown): Refusal | null {
  const g = state.graduated;
  if (g === null || g.tier === null || typeof category !== "string") return refusal("unknown-category", "no grievances are open");
  if (!categoriesOf(g, g.tier).has(categoryKey(category))) {
    return refusal("unknown-category", `no ${g.tier} grievance is in category "${category}"`);
  }
  return null;
}

function objectorOf(state: ProposalState, actor: string, category?: string): Refusal | null {
  const g = state.graduated;
  const o = g?.objections.get(actor);
  const tierMatches = o !== undefined && g?.tier === (o.dealBreaker ? "deal-breaker" : "minor");
  if (!tierMatches || (category !== undefined && o.category !== categoryKey(category))) {
    return refusal("not-an-objector", `${actor} has no ${g?.tier ?? ""} objection${category ? ` in "${category}"` : ""}`);
  }
  return null;
}

function checkAdvocateVote(state: ProposalState, e: AdvocateVoteCast): Refusal | null {
  const problem = inStage(state, "grievances", e.at) ?? onRoll(state, e.actor) ?? checkCategory(state, e.category) ?? objectorOf(state, e.actor, e.category);
  if (problem) return problem;
  if (!state.roll?.has(e.candidate)) return refusal("invalid-candidate", "an advocate must be on the roll");
  return null;
}

function checkAgreement(state: ProposalState, e: GrievanceAgreementRecorded): Refusal | null {
  const problem = inStage(state, "grievances", e.at) ?? onRoll(state, e.actor) ?? checkCategory(state, e.category);
  if (problem) return problem;
  return typeof e.shares === "boolean" ? null : refusal("invalid-input", "say whether you share the grievance");
}

function checkAmendment(state: ProposalState, e: AmendmentProposed, ctx: ReplayContext): Refusal | null {
  const problem = inStage(state, "grievances", e.at) ?? onRoll(state, e.actor) ?? objectorOf(state, e.actor) ?? checkCategory(state, e.category);
  if (problem) return problem;
  if (!text(e.amendment)) return refusal("invalid-input", "an amendment needs an id");
  if (state.graduated?.amendments.has(e.amendment)) return refusal("duplicate-id", `amendment ${e.amendment} already exists`);
  if (!text(e.text)) return refusal("invalid-input", "an amendment needs a text");
  if ("payload" in e) return kindDefinition(state.kind).validatePayload(e.payload, ctx.body);
  return null;
}

function checkWithdrawn(state: ProposalState, e: ProposalWithdrawn): Refusal | null {
  if (e.actor !== state.author) return refusal("not-author", "only the author can withdraw the proposal");
  if (e.reason !== undefined && typeof e.reason !== "string") return refusal("invalid-input", "a reason must be text");
  if (!WITHDRAWABLE.has(state.status)) return refusal("wrong-stage", `a proposal in ${state.status} can no longer be withdrawn`);
  return null;
}

/**
 * Implementation delegates. Elected by the body: `by` names a carried `delegation` with
 * role `implementation-delegate` that implements this decision, the event is the body's,
 * recorded as that delegation is carried, with its delegates and mandate. Older records
 * have no `by` (a member recorded them): they are checked as they always were.
 */
function checkDelegates(state: ProposalState, e: ImplementationDelegatesElected, ctx: ReplayContext): Refusal | null {
  if (state.status !== "implementing") return refusal("wrong-stage", "delegates implement only a carried decision");
  if (!Array.isArray(e.delegates) || e.delegates.length === 0 || !e.delegates.every(text) || new Set(e.delegates).size !== e.delegates.length) {
    return refusal("invalid-input", "name one or more distinct delegates");
  }
  if (!text(e.mandate)) return refusal("invalid-input", "delegates need a written mandate");
  if (e.by !== undefined) return electedByBody(state, e, ctx);
  const notAllowed = ctx.body !== undefined ? member(ctx, e.actor) : onRoll(state, e.actor);
  if (notAllowed) return notAllowed;
  if (ctx.body !== undefined) {
    const outsider = e.delegates.find((d) => !ctx.body?.members.has(d));
    if (outsider !== undefined) return refusal("invalid-candidate", `${outsider} is not a member`);
  }
  return null;
}

function electedByBody(state: ProposalState, e: ImplementationDelegatesElected, ctx: ReplayContext): Refusal | null {
  if (!text(e.by)) return refusal("invalid-input", "`by` names the delegation that elected the delegates");
  if (e.actor !== state.body) return refusal("not-ratified", "implementation delegates are elected by the body, not recorded by a member");
  if (e.decision !== undefined) return refusal("invalid-input", "an election by the body is named by `by` alone");
  if (ctx.body === undefined) return null; // replaying the decision alone: the delegation is not at hand
  const delegation = ctx.body.proposals.get(e.by);
  if (delegation === undefined || delegation.kind !== "delegation") return refusal("unknown-proposal", `${e.by} is not a delegation of ${ctx.body.id}`);
  const effect = delegation.effect;
  if (effect === null || effect.type !== "mandates-granted" || delegation.effectiveAt === null) {
    return refusal("not-ratified", `the delegation ${e.by} has not been carried`);
  }
  const role = effect.mandates[0]?.role;
  if (role !== "implementation-delegate") return refusal("invalid-payload", `the delegation ${e.by} elects ${String(role)}, not implementation delegates`);
  if (effect.implements !== state.id) return refusal("invalid-payload", `the delegation ${e.by} implements ${effect.implements ?? "no decision"}, not ${state.id}`);
  if (requireMs(e.at) !== requireMs(delegation.effectiveAt)) {
    return refusal("out-of-order", `the delegates are elected when the delegation is carried, at ${delegation.effectiveAt}`);
  }
  const delegates = effect.mandates.map((m) => m.delegate);
  const first = effect.mandates[0];
  if (!sameData(delegates, e.delegates) || first === undefined || e.mandate !== implementationMandateText(first)) {
    return refusal("invalid-input", `the delegates and mandate must be those the delegation ${e.by} elected`);
  }
  return null;
}

function checkCompleted(state: ProposalState, e: ImplementationCompleted, ctx: ReplayContext): Refusal | null {
  if (state.status !== "implementing" || state.implementation === null) {
    return refusal("wrong-stage", "no implementation delegates have been elected");
  }
  if (!state.implementation.delegates.includes(e.actor)) return refusal("not-a-delegate", `${e.actor} is not an implementation delegate`);
  // Delegates the body elected act under the mandate their delegation gave them: not once recalled, nor outside its term.
  const by = state.implementation.decision;
  const election = by === null ? undefined : ctx.body?.proposals.get(by)?.effect;
  const elected = election?.type === "mandates-granted" && election.implements === state.id;
  const mandate = elected && by !== null ? ctx.body?.mandates.get(mandateId(by, e.actor)) : undefined;
  if (mandate !== undefined) {
    const status = mandateStatus(mandate, e.at);
    if (status === "revoked") return refusal("mandate-revoked", `${e.actor}'s mandate was revoked at ${String(mandate.revokedAt)}`);
    if (status !== "live") return refusal("mandate-expired", `${e.actor}'s mandate runs from ${mandate.start} until ${mandate.end}`);
  }
  return null;
}
