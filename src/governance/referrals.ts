import type { BodyState } from "./body.ts";
import { tallyVerdicts, verdictProblem } from "./confederation.ts";
import { sameData } from "./canonical.ts";
import type { BodyEvent, MandateRevocationReceived, ReferralOpened, VerdictReceived } from "./events.ts";
import { kindDefinition } from "./kinds/index.ts";
import type { ProposalKind } from "./kinds/names.ts";
import { checkMandatedAct, isMandate } from "./mandates.ts";
import { refusal, type Refusal } from "./result.ts";
import { instantMs, requireMs, type Instant } from "./time.ts";

const text = (v: unknown): v is string => typeof v === "string" && v.trim() !== "";

/** The kinds of its own decision a confederation can refer to its members (`bylaws`: it changes its own bylaws). */
export const CONFEDERATION_DECIDES: ReadonlySet<string> = new Set<ProposalKind>(["join", "leave", "policy", "confederal", "bylaws"]);

/** The confederation events (everything about referrals, verdicts and member bodies). */
export type ConfederationEvent = Extract<
  BodyEvent,
  { type: "member-body-admitted" | "member-body-left" | "referral-opened" | "verdict-received" | "referral-closed" | "mandate-revocation-received" }
>;

const CONFEDERATION_EVENTS: ReadonlySet<string> = new Set([
  "member-body-admitted",
  "member-body-left",
  "referral-opened",
  "verdict-received",
  "referral-closed",
  "mandate-revocation-received",
]);

/** True for the events only a confederation's record holds. */
export function isConfederationEvent(event: BodyEvent): event is ConfederationEvent {
  return CONFEDERATION_EVENTS.has(event.type);
}

/** Why a confederation event may not be applied, or null (the common checks are done). */
export function checkConfederationEvent(state: BodyState, event: ConfederationEvent): Refusal | null {
  if (state.kind !== "confederation") return refusal("not-a-confederation", `${state.id} is a ${state.kind}, not a confederation`);
  if (event.type !== "referral-closed" && !text(event.actor)) return refusal("invalid-input", "who?");
  switch (event.type) {
    case "member-body-admitted": {
      if (state.members.has(event.actor)) return refusal("already-member", `${event.actor} is already a member`);
      if (event.referral === undefined) {
        if (state.bylaws.admission !== "open") return refusal("admission-by-decision", "member bodies are admitted when the member bodies ratify it (a referral)");
        return null;
      }
      const r = state.referrals.get(event.referral);
      if (r === undefined || r.admit !== event.actor) return refusal("unknown-referral", `no referral on admitting ${event.actor}: ${event.referral}`);
      if (r.tally === null || !r.tally.passed) return refusal("not-ratified", `referral ${r.id} did not ratify admitting ${event.actor}`);
      return null;
    }
    case "member-body-left":
      return state.members.has(event.actor) ? null : refusal("not-member", `${event.actor} is not a member body`);
    case "referral-opened":
      return checkReferralOpened(state, event);
    case "verdict-received":
      return checkVerdict(state, event);
    case "referral-closed": {
      const r = state.referrals.get(event.referral);
      if (r === undefined) return refusal("unknown-referral", `no referral ${String(event.referral)}`);
      if (r.closedAt !== null) return refusal("wrong-stage", `referral ${r.id} closed at ${r.closedAt}`);
      if (requireMs(event.at) <= requireMs(r.deadline)) return refusal("too-early", `verdicts are received until ${r.deadline}`);
      return null;
    }
    case "mandate-revocation-received":
      return checkRevocation(state, event);
  }
}

function checkReferralOpened(state: BodyState, e: ReferralOpened): Refusal | null {
  if (!text(e.referral)) return refusal("invalid-input", "a referral needs an id");
  if (state.referrals.has(e.referral)) return refusal("duplicate-id", `referral ${e.referral} already exists`);
  if (e.kind !== "confederal" && e.kind !== "ratification") return refusal("invalid-input", "a referral is confederal or ratification");
  if (!text(e.title) || typeof e.text !== "string") return refusal("invalid-input", "a referral needs a title and a text");
  if (e.topic !== undefined && !text(e.topic)) return refusal("invalid-input", "topic must be text");
  const deadline = instantMs(e.deadline);
  if (deadline === null || deadline <= requireMs(e.at)) return refusal("invalid-input", "the deadline must be an instant after the referral opens");
  if (e.kind === "ratification" ? !(text(e.parent?.confederation) && text(e.parent.referral)) : e.parent !== undefined) {
    return refusal("invalid-input", "a nested referral (ratification) names its parent; a confederal one has none");
  }
  if (!sameData(e.rule, state.bylaws.ratification)) return refusal("terms-mismatch", "the rule is not the confederation's ratification rule");
  const bodies = e.bodies;
  if (
    !Array.isArray(bodies) ||
    !bodies.every((b) => text(b?.body) && Number.isSafeInteger(b.members) && b.members >= 1) ||
    new Set(bodies.map((b) => b.body)).size !== bodies.length
  ) {
    return refusal("invalid-input", "the list holds distinct member bodies, each with a member count >= 1");
  }
  if (bodies.length !== state.members.size || !bodies.every((b) => state.members.has(b.body))) {
    return refusal("roll-mismatch", "the list is not the confederation's member bodies at this moment");
  }
  if (e.decides !== undefined) {
    const d = e.decides as { kind?: unknown; payload?: unknown } | null;
    if (typeof d !== "object" || d === null || !CONFEDERATION_DECIDES.has(d.kind as string) || e.kind !== "confederal" || e.admit !== undefined) {
      return refusal("invalid-input", `a confederation decides by referral only: ${[...CONFEDERATION_DECIDES].join(", ")}`);
    }
    const problem = kindDefinition(d.kind as ProposalKind).validatePayload(d.payload, state);
    if (problem !== null) return problem;
  }
  if (e.viaMandate !== undefined) {
    const m = e.viaMandate;
    if (!isMandate(m)) return refusal("invalid-input", "malformed mandate");
    if (m.delegate !== e.actor) return refusal("not-a-delegate", `mandate ${m.id} is ${m.delegate}'s, not ${e.actor}'s`);
    if (m.role !== "confederal-delegate" || m.confederation !== state.id) {
      return refusal("outside-scope", `mandate ${m.id} is not a confederal delegate's mandate for ${state.id}`);
    }
    if (!state.members.has(m.body)) return refusal("not-a-member-body", `${m.body}, which gave the mandate, is not a member body`);
    const check = checkMandatedAct(withRevocation(state, m), { kind: e.kind, ...(e.topic === undefined ? {} : { topic: e.topic }), confederation: state.id }, e.at);
    return check.ok ? null : refusal(check.code, check.message);
  }
  if (e.admit !== undefined) {
    if (!text(e.admit) || e.kind !== "confederal" || e.actor !== state.id) {
      return refusal("invalid-input", "an admission referral is confederal, opened by the confederation itself, and names the body");
    }
    if (state.members.has(e.admit)) return refusal("already-member", `${e.admit} is already a member`);
    return null;
  }
  if (e.kind === "ratification" && e.actor === state.id) return null;
  return state.members.has(e.actor) ? null : refusal("not-member", `${e.actor} is not a member body of ${state.id}`);
}

/** The mandate as this confederation knows it: revoked from the earliest revocation received. */
export function withRevocation<M extends { readonly id: string; readonly revokedAt: Instant | null; readonly revokedBy: string | null }>(state: BodyState, mandate: M): M {
  const r = state.revocations.get(mandate.id);
  if (r === undefined) return mandate;
  if (mandate.revokedAt !== null && requireMs(mandate.revokedAt) <= requireMs(r.at)) return mandate;
  return { ...mandate, revokedAt: r.at, revokedBy: r.by };
}

function checkVerdict(state: BodyState, e: VerdictReceived): Refusal | null {
  const r = state.referrals.get(e.referral);
  if (r === undefined) return refusal("unknown-referral", `no referral ${String(e.referral)}`);
  const v = e.verdict;
  if (typeof v !== "object" || v === null) return refusal("invalid-input", "a verdict must be an object");
  if (v.referral !== r.id) return refusal("invalid-input", `the verdict answers ${String(v.referral)}, not ${r.id}`);
  if (v.body !== e.actor) return refusal("invalid-input", "a verdict is sent by its own body");
  if (!r.bodies.some((b) => b.body === v.body)) return refusal("not-a-member-body", `${v.body} is not on referral ${r.id}'s list`);
  if (r.left.includes(v.body)) return refusal("left", `${v.body} left the confederation during referral ${r.id}`);
  if (r.closedAt !== null || requireMs(e.at) > requireMs(r.deadline)) return refusal("deadline-passed", `verdicts on ${r.id} were due by ${r.deadline}`);
  if (r.verdicts.some((x) => x.body === v.body)) return refusal("duplicate-verdict", `${v.body} already sent its verdict on ${r.id}; the first one counts`);
  const problem = verdictProblem(v);
  return problem === null ? null : refusal("tally-mismatch", `the verdict of ${v.body}: ${problem}`);
}

function checkRevocation(state: BodyState, e: MandateRevocationReceived): Refusal | null {
  if (!text(e.mandate) || !text(e.delegate) || !text(e.revokedBy) || instantMs(e.revokedAt) === null) {
    return refusal("invalid-input", "a revocation names the mandate, the delegate, the recall and when");
  }
  if (state.revocations.has(e.mandate)) return refusal("duplicate-id", `mandate ${e.mandate} is already revoked here`);
  return null;
}

/** Applies a checked confederation event to a state the caller owns. */
export function applyConfederationEvent(state: BodyState, event: ConfederationEvent): void {
  switch (event.type) {
    case "member-body-admitted":
      state.members.add(event.actor);
      return;
    case "member-body-left":
      bodyLeft(state, event.actor);
      return;
    case "referral-opened":
      state.referrals.set(event.referral, {
        id: event.referral,
        kind: event.kind,
        title: event.title,
        text: event.text,
        topic: event.topic ?? null,
        proposer: event.actor,
        viaMandate: event.viaMandate?.id ?? null,
        bodies: event.bodies.map((b) => ({ body: b.body, members: b.members })),
        rule: event.rule,
        openedAt: event.at,
        deadline: event.deadline,
        parent: event.parent === undefined ? null : { confederation: event.parent.confederation, referral: event.parent.referral },
        admit: event.admit ?? null,
        decides: event.decides === undefined ? null : { kind: event.decides.kind, payload: event.decides.payload },
        verdicts: [],
        receivedAt: [],
        left: [],
        closedAt: null,
        tally: null,
      });
      return;
    case "verdict-received": {
      const r = state.referrals.get(event.referral);
      r?.verdicts.push(event.verdict);
      r?.receivedAt.push(event.at);
      return;
    }
    case "referral-closed": {
      const r = state.referrals.get(event.referral);
      if (r === undefined) throw new Error("invariant: checked referral exists");
      r.closedAt = event.at;
      r.tally = tallyVerdicts(r.rule, r, r.verdicts);
      state.effects.push({
        at: event.at,
        effect: { type: "referral-decided", body: state.id, referral: r.id, tally: r.tally, parent: r.parent },
      });
      return;
    }
    case "mandate-revocation-received":
      state.revocations.set(event.mandate, { at: event.revokedAt, by: event.revokedBy, body: event.actor, delegate: event.delegate });
      return;
  }
}

/** A member body leaves (by `member-body-left` or `member-left`): it never counts on open referrals. */
export function bodyLeft(state: BodyState, member: string): void {
  state.members.delete(member);
  if (state.kind !== "confederation") return;
  for (const r of state.referrals.values()) {
    if (r.closedAt === null && r.bodies.some((b) => b.body === member) && !r.left.includes(member)) r.left.push(member);
  }
}
