import { BODY_KINDS, validateBylaws, type BodyKind, type Bylaws } from "./bylaws.ts";
import { isProposalEvent, type BodyEvent, type GovernanceEvent } from "./events.ts";
import type { Referral } from "./confederation.ts";
import type { Effect, RevokedMandate } from "./kinds/types.ts";
import type { Mandate } from "./mandates.ts";
import { kindDefinition } from "./kinds/index.ts";
import { checkProposalEvent } from "./proposal/check.ts";
import { applyInPlace, draftState } from "./proposal/reduce.ts";
import { ignoredEntry } from "./proposal/replay.ts";
import type { IgnoredEvent, ProposalState } from "./proposal/state.ts";
import { refusal, type Refusal } from "./result.ts";
import { applyConfederationEvent, bodyLeft, checkConfederationEvent, CONFEDERATION_DECIDES, isConfederationEvent } from "./referrals.ts";
import { instantMs, requireMs, type Instant } from "./time.ts";

/** One version of a body's bylaws. */
export interface BylawsVersion {
  readonly version: number;
  readonly bylaws: Bylaws;
  readonly adoptedAt: Instant;
  /** The proposal that adopted it; null for the founding bylaws. */
  readonly proposal: string | null;
}

/** A body as derived from its record. Treat as immutable. */
export interface BodyState {
  readonly id: string;
  readonly kind: BodyKind;
  readonly name: string;
  readonly foundedAt: Instant;
  /** Current members (people, or bodies for a confederation). */
  members: Set<string>;
  /** The bylaws in force. */
  bylaws: Bylaws;
  bylawsVersion: number;
  bylawsHistory: BylawsVersion[];
  /** Every proposal of the body, by id, replayed with full checks. */
  proposals: Map<string, ProposalState>;
  /** Effects of carried proposals, in the order they took effect. */
  effects: { readonly at: Instant; readonly effect: Effect }[];
  lastAt: Instant;
  /** Body events the reducer found invalid (proposal ones are listed on the proposal). */
  ignored: IgnoredEvent[];
  /** Mandates given by carried delegation decisions, by id; revoked ones stay, marked. */
  mandates: Map<string, Mandate>;
  /** Confederations the body decided to join (kind `join`) and has not decided to leave. */
  confederations: Set<string>;
  /** The `recalled` mark: carried decisions recalled, by proposal id. */
  recalled: Map<string, { readonly at: Instant; readonly by: string }>;
  /** Committees (body URIs) recalled. */
  recalledCommittees: Map<string, { readonly at: Instant; readonly by: string }>;
  /** Confederations: referrals by id. */
  referrals: Map<string, Referral>;
  /** Confederations: mandates of member bodies' delegates revoked, by mandate id. */
  revocations: Map<string, { readonly at: Instant; readonly by: string; readonly body: string; readonly delegate: string }>;
  /** A forked body: the body it was forked from. */
  origin: string | null;
}

/** Founding: a new body's state. */
function newBody(e: { body: string; kind: BodyKind; name: string; at: Instant; members: readonly string[]; bylaws: Bylaws; origin: string | null }): BodyState {
  return {
    id: e.body,
    kind: e.kind,
    name: e.name,
    foundedAt: e.at,
    members: new Set(e.members),
    bylaws: e.bylaws,
    bylawsVersion: 1,
    bylawsHistory: [{ version: 1, bylaws: e.bylaws, adoptedAt: e.at, proposal: null }],
    proposals: new Map(),
    effects: [],
    lastAt: e.at,
    ignored: [],
    mandates: new Map(),
    confederations: new Set(),
    recalled: new Map(),
    recalledCommittees: new Map(),
    referrals: new Map(),
    revocations: new Map(),
    origin: e.origin,
  };
}

/** Why a body event may not be applied, or null. Shared by commands and replay. */
export function checkBodyEvent(state: BodyState | null, event: BodyEvent): Refusal | null {
  const at = instantMs(event.at);
  if (at === null) return refusal("invalid-input", "`at` must be an ISO 8601 instant with offset");
  if (event.type === "body-founded" || event.type === "body-forked") {
    if (state !== null) return refusal("duplicate-id", `${state.id} is already founded`);
    if (typeof event.body !== "string" || event.body.trim() === "") return refusal("invalid-input", "a body needs an id");
    if (!BODY_KINDS.includes(event.kind)) return refusal("invalid-input", `unknown body kind ${String(event.kind)}`);
    if (typeof event.name !== "string" || event.name.trim() === "") return refusal("invalid-input", "a body needs a name");
    const members = event.members;
    // A confederation may start empty: member bodies come in by Join.
    if (!Array.isArray(members) || (members.length === 0 && event.kind !== "confederation") || new Set(members).size !== members.length) {
      return refusal("invalid-input", "a body is founded by one or more distinct members");
    }
    if (!members.every((m) => typeof m === "string" && m.trim() !== "")) return refusal("invalid-input", "member ids must be text");
    if (event.type === "body-forked" && (typeof event.origin !== "string" || event.origin.trim() === "" || event.origin === event.body)) {
      return refusal("invalid-input", "a fork names the body it comes from");
    }
    const bylaws = validateBylaws(event.bylaws, event.kind);
    return bylaws.ok ? null : bylaws.reason;
  }
  if (state === null) return refusal("unknown-proposal", "the body has not been founded");
  if (event.body !== state.id) return refusal("wrong-body", `this is the record of ${state.id}`);
  if (at < requireMs(state.lastAt)) return refusal("out-of-order", "event is earlier than the last one recorded");
  if (isConfederationEvent(event)) return checkConfederationEvent(state, event);
  if (typeof event.actor !== "string" || event.actor.trim() === "") return refusal("invalid-input", "who?");
  switch (event.type) {
    case "member-joined":
      if (state.members.has(event.actor)) return refusal("already-member", `${event.actor} is already a member`);
      if (state.bylaws.admission !== "open") return refusal("admission-by-decision", "members are admitted by a membership proposal");
      return null;
    case "member-left":
      return state.members.has(event.actor) ? null : refusal("not-member", `${event.actor} is not a member`);
    case "join-refused":
      if (typeof event.join !== "string" || typeof event.reason !== "string") return refusal("invalid-input", "a refusal names the Join and gives a reason");
      return state.confederations.has(event.actor) ? null : refusal("not-member", `${state.id} has not joined ${event.actor}`);
    default:
      return refusal("invalid-input", `unknown event type ${String((event as { type?: unknown }).type)}`);
  }
}

/** The mandates a recall carried at `at` revokes: not yet revoked, not yet ended. */
function revocable(state: BodyState, at: Instant, which: (m: Mandate) => boolean): RevokedMandate[] {
  const t = requireMs(at);
  return [...state.mandates.values()]
    .filter((m) => which(m) && m.revokedAt === null && t < requireMs(m.end))
    .map((m) => ({ mandate: m.id, delegate: m.delegate, role: m.role, confederation: m.confederation ?? null }));
}

/**
 * A carried proposal's effect as the body makes it binding at `at`: a recall lists the
 * mandates it revokes and where they were used (so the adapter can send revocations).
 * Other effects are returned as they are. Commands given the body report effects this way.
 */
export function resolveEffect(state: BodyState, effect: Effect, at: Instant): Effect {
  switch (effect.type) {
    case "delegate-recalled":
      return { ...effect, revoked: revocable(state, at, (m) => m.delegate === effect.delegate && (effect.role === null || m.role === effect.role)) };
    case "mandate-recalled":
      return { ...effect, revoked: revocable(state, at, (m) => m.id === effect.mandate) };
    case "decision-recalled":
      return { ...effect, revoked: revocable(state, at, (m) => m.decidedBy === effect.decision) };
    default:
      return effect;
  }
}

/** Applies a carried proposal's effect to the body, where the effect is internal to it. */
function applyEffect(state: BodyState, carried: Effect, at: Instant): void {
  const effect = resolveEffect(state, carried, at);
  state.effects.push({ at, effect });
  switch (effect.type) {
    case "bylaws-adopted":
      state.bylawsVersion += 1;
      state.bylaws = effect.bylaws;
      state.bylawsHistory.push({ version: state.bylawsVersion, bylaws: effect.bylaws, adoptedAt: at, proposal: effect.proposal });
      return;
    case "member-admitted":
      state.members.add(effect.member);
      return;
    case "mandates-granted":
      for (const m of effect.mandates) state.mandates.set(m.id, { ...m, covers: [...m.covers] });
      return;
    case "delegate-recalled":
    case "mandate-recalled":
    case "decision-recalled":
      for (const r of effect.revoked ?? []) {
        const m = state.mandates.get(r.mandate);
        if (m !== undefined) state.mandates.set(m.id, { ...m, revokedAt: at, revokedBy: effect.proposal });
      }
      if (effect.type === "decision-recalled") state.recalled.set(effect.decision, { at, by: effect.proposal });
      return;
    case "committee-recalled":
      state.recalledCommittees.set(effect.committee, { at, by: effect.proposal });
      return;
    case "confederation-join":
      state.confederations.add(effect.confederation);
      return;
    case "confederation-leave":
      state.confederations.delete(effect.confederation);
      return;
    case "policy-adopted":
    case "ratification-carried":
    case "decision-adopted":
    case "referral-decided":
    case "confederal-tabled":
      return; // carried out by the adapter
  }
}

/** Mutating step for replays that own their state. */
function stepBodyInPlace(state: BodyState | null, event: GovernanceEvent): BodyState | null {
  if (isProposalEvent(event)) {
    if (state === null) return null;
    const before = state.proposals.get(event.proposal) ?? null;
    const problem = checkProposalEvent(before, event, { body: state });
    if (problem !== null) {
      (before?.ignored ?? state.ignored).push(ignoredEntry(event, problem));
      return state;
    }
    if (event.type === "proposal-drafted") {
      state.proposals.set(event.proposal, draftState(event));
    } else if (before !== null) {
      const hadEffect = before.effect !== null;
      applyInPlace(before, event);
      if (!hadEffect && before.effect !== null && before.effectiveAt !== null) {
        applyEffect(state, before.effect, before.effectiveAt);
      }
    }
    if (requireMs(event.at) > requireMs(state.lastAt)) state.lastAt = event.at;
    return state;
  }
  const problem = checkBodyEvent(state, event);
  if (problem !== null) {
    state?.ignored.push(ignoredEntry(event, problem));
    return state;
  }
  if (event.type === "body-founded" || event.type === "body-forked") {
    return newBody({ ...event, origin: event.type === "body-forked" ? event.origin : null });
  }
  if (state === null) throw new Error("invariant: checked body events other than founding have a state");
  if (isConfederationEvent(event)) {
    applyConfederationEvent(state, event);
    // A confederation's own decision, ratified by its members, takes effect at the close.
    const r = event.type === "referral-closed" ? state.referrals.get(event.referral) : undefined;
    if (r?.decides && r.tally?.passed && CONFEDERATION_DECIDES.has(r.decides.kind)) {
      applyEffect(state, kindDefinition(r.decides.kind).effect({ body: state.id, proposal: r.id, text: r.text, payload: r.decides.payload, amendments: [] }), event.at);
    }
  } else if (event.type === "member-joined") state.members.add(event.actor);
  else if (event.type === "join-refused") state.confederations.delete(event.actor);
  else bodyLeft(state, event.actor);
  state.lastAt = event.at;
  return state;
}

/**
 * Replays a body's whole record: membership, bylaws versions, and every proposal with
 * full checks (membership, terms against the bylaws in force, rolls against the
 * membership). Carried proposals take effect at the point of the record where they are
 * carried. Returns null until the body is founded. Events of other bodies are ignored.
 */
export function bodyState(events: Iterable<GovernanceEvent>): BodyState | null {
  return foldBody(null, events);
}

/**
 * The body after more of its record, leaving `state` untouched: the same as replaying the
 * whole record, when `state` is the replay of what came before `events`.
 */
export function bodyStateAfter(state: BodyState | null, events: Iterable<GovernanceEvent>): BodyState | null {
  return foldBody(state === null ? null : structuredClone(state), events);
}

function foldBody(state: BodyState | null, events: Iterable<GovernanceEvent>): BodyState | null {
  for (const event of events) {
    if (state !== null && event.body !== state.id) continue;
    state = stepBodyInPlace(state, event);
  }
  return state;
}

/** The body after one more event, leaving `state` untouched. */
export function applyBodyEvent(state: BodyState | null, event: GovernanceEvent): BodyState | null {
  if (state !== null && event.type === "verdict-received" && checkBodyEvent(state, event) === null) return withVerdict(state, event);
  return stepBodyInPlace(state === null ? null : structuredClone(state), event);
}

/**
 * A confederation after a verdict, copying only what the verdict changes (the referral and
 * the map holding it) and sharing the rest with `state`: a whole copy grows with every
 * member body and every verdict, and a confederation takes one verdict per member body.
 * Safe because states are only ever mutated as fresh copies (see {@link bodyStateAfter}).
 * The same as the in-place step; `state` must have passed {@link checkBodyEvent}.
 */
function withVerdict(state: BodyState, event: Extract<GovernanceEvent, { type: "verdict-received" }>): BodyState {
  const r = state.referrals.get(event.referral);
  if (r === undefined) throw new Error("invariant: checked referral exists");
  const referrals = new Map(state.referrals);
  referrals.set(r.id, { ...r, verdicts: [...r.verdicts, event.verdict], receivedAt: [...r.receivedAt, event.at] });
  return { ...state, referrals, lastAt: event.at };
}
