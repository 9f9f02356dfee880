import { applyBodyEvent, checkBodyEvent, type BodyState } from "../body.ts";
import type { BodyKind } from "../bylaws.ts";
import { verdictOfTally, type ReferralBody, type Verdict } from "../confederation.ts";
import type { BodyEvent } from "../events.ts";
import type { Effect } from "../kinds/types.ts";
import type { ProposalKind } from "../kinds/names.ts";
import type { RatificationPayload } from "../kinds/ratification.ts";
import type { Mandate } from "../mandates.ts";
import { refuse, type CommandResult } from "../result.ts";
import { addDuration, requireMs, type Instant } from "../time.ts";
import { assertNow } from "./emit.ts";

/** Checks events in turn against the state the previous ones lead to, and reports new effects. */
function emitBodyEvents(state: BodyState | null, events: readonly BodyEvent[]): CommandResult {
  let current = state;
  const effects: Effect[] = [];
  for (const event of events) {
    const problem = checkBodyEvent(current, event);
    if (problem !== null) return { ok: false, reason: problem };
    const before = current?.effects.length ?? 0;
    current = applyBodyEvent(current, event);
    effects.push(...(current?.effects.slice(before).map((e) => e.effect) ?? []));
  }
  return { ok: true, events, effects };
}

/**
 * Founds a new body from a copy of another's bylaws (a fork), linked to its origin.
 * The new body's record starts empty: it does not inherit members or decisions.
 */
export function forkBody(
  input: {
    readonly body: string;
    readonly actor: string;
    readonly name: string;
    readonly origin: BodyState;
    readonly kind?: BodyKind;
    /** Defaults to the founder alone. */
    readonly members?: readonly string[];
  },
  now: Instant,
): CommandResult {
  assertNow(now);
  return emitBodyEvents(null, [
    {
      type: "body-forked",
      at: now,
      body: input.body,
      actor: input.actor,
      kind: input.kind ?? input.origin.kind,
      name: input.name,
      bylaws: input.origin.bylaws,
      members: input.members ?? [input.actor],
      origin: input.origin.id,
      originBylawsVersion: input.origin.bylawsVersion,
    },
  ]);
}

/** Confederation: admits a body that sent Join, when admission is `open` (else a membership proposal). */
export function admitMemberBody(confederation: BodyState, input: { readonly body: string; readonly referral?: string }, now: Instant): CommandResult {
  assertNow(now);
  return emitBodyEvents(confederation, [
    { type: "member-body-admitted", at: now, body: confederation.id, actor: input.body, ...(input.referral === undefined ? {} : { referral: input.referral }) },
  ]);
}

/** A confederation refused the body's Join (its Reject arrived): the body records it is not a member there. */
export function recordJoinRefused(body: BodyState, input: { readonly confederation: string; readonly join: string; readonly reason: string }, now: Instant): CommandResult {
  assertNow(now);
  return emitBodyEvents(body, [{ type: "join-refused", at: now, body: body.id, actor: input.confederation, join: input.join, reason: input.reason }]);
}

/** Confederation: a member body leaves (its Leave arrived); at once, always allowed. */
export function memberBodyLeaves(confederation: BodyState, input: { readonly body: string }, now: Instant): CommandResult {
  assertNow(now);
  return emitBodyEvents(confederation, [{ type: "member-body-left", at: now, body: confederation.id, actor: input.body }]);
}

/** What tabling a confederal proposal (or referring a higher one down) needs. */
export interface ReferralInput {
  readonly referral: string;
  /** A member body, a delegate with `viaMandate`, or (nested) the confederation itself. */
  readonly actor: string;
  readonly title: string;
  readonly text: string;
  readonly topic?: string;
  readonly viaMandate?: Mandate;
  /** Every member body with its member count, as the adapter knows them now. */
  readonly bodies: readonly ReferralBody[];
  /** Defaults to the confederation's deliberation period plus its voting period from now. */
  readonly deadline?: Instant;
  /** Nested: the higher confederation's referral this one answers. */
  readonly parent?: { readonly confederation: string; readonly referral: string };
  /** Admission by decision: the body asking to join (the actor is the confederation). */
  readonly admit?: string;
  /** The confederation's own decision (join, leave, policy) put to its members. */
  readonly decides?: { readonly kind: ProposalKind; readonly payload: unknown };
}

/**
 * Confederation: tables a confederal proposal and refers it to every member body (or,
 * with `parent`, refers a higher confederation's referral down to the member bodies).
 * The list of bodies and the ratification rule are frozen in the record.
 */
export function referConfederal(confederation: BodyState, input: ReferralInput, now: Instant): CommandResult {
  assertNow(now);
  const rule = confederation.bylaws.ratification;
  if (confederation.kind !== "confederation" || rule === undefined) {
    return refuse("not-a-confederation", `${confederation.id} is not a confederation`);
  }
  const deadline = input.deadline ?? addDuration(addDuration(now, confederation.bylaws.deliberationPeriod), confederation.bylaws.votingPeriod);
  return emitBodyEvents(confederation, [
    {
      type: "referral-opened",
      at: now,
      body: confederation.id,
      actor: input.actor,
      referral: input.referral,
      kind: input.parent === undefined ? "confederal" : "ratification",
      title: input.title,
      text: input.text,
      ...(input.topic === undefined ? {} : { topic: input.topic }),
      ...(input.viaMandate === undefined ? {} : { viaMandate: input.viaMandate }),
      bodies: input.bodies,
      rule,
      deadline,
      ...(input.parent === undefined ? {} : { parent: input.parent }),
      ...(input.admit === undefined ? {} : { admit: input.admit }),
      ...(input.decides === undefined ? {} : { decides: input.decides }),
    },
  ]);
}

/** Confederation: records a member body's verdict (its signature checked by the adapter). */
export function receiveVerdict(confederation: BodyState, verdict: Verdict, now: Instant): CommandResult {
  assertNow(now);
  return emitBodyEvents(confederation, [{ type: "verdict-received", at: now, body: confederation.id, actor: verdict.body, referral: verdict.referral, verdict }]);
}

/**
 * Confederation: records a member body's revocation of a delegate's mandate (signature
 * checked by the adapter). From `revokedAt` on, the delegate's acts here are refused.
 */
export function receiveRevocation(
  confederation: BodyState,
  input: { readonly actor: string; readonly mandate: string; readonly delegate: string; readonly revokedAt: Instant; readonly revokedBy: string },
  now: Instant,
): CommandResult {
  assertNow(now);
  return emitBodyEvents(confederation, [{ type: "mandate-revocation-received", at: now, body: confederation.id, ...input }]);
}

/** When the confederation's next referral closes, or null. */
export function nextReferralDeadline(confederation: BodyState): Instant | null {
  let next: Instant | null = null;
  for (const r of confederation.referrals.values()) {
    if (r.closedAt === null && (next === null || requireMs(r.deadline) < requireMs(next))) next = r.deadline;
  }
  return next;
}

/**
 * Confederation, deadline-driven: closes every referral whose deadline has passed and
 * tallies it (bodies without a verdict abstain). Effects: `referral-decided`, per referral.
 */
export function advanceReferrals(confederation: BodyState, now: Instant): CommandResult {
  assertNow(now);
  const due = [...confederation.referrals.values()]
    .filter((r) => r.closedAt === null && requireMs(now) > requireMs(r.deadline))
    .sort((a, b) => requireMs(a.deadline) - requireMs(b.deadline) || (a.id < b.id ? -1 : 1));
  return emitBodyEvents(
    confederation,
    due.map((r) => ({ type: "referral-closed", at: now, body: confederation.id, referral: r.id })),
  );
}

/**
 * A member body's verdict from its decided `ratification` proposal: passed → ratify,
 * rejected below the threshold → reject, rejected without quorum → abstain. Embeds the
 * deciding vote's counts so anyone can check it. Null while undecided, and for a
 * withdrawn proposal or one tabled in contention (no verdict is sent: it abstains).
 */
export function ratificationVerdict(body: BodyState, proposal: string): Verdict | null {
  const p = body.proposals.get(proposal);
  if (p === undefined || p.kind !== "ratification" || p.decision === null) return null;
  if (p.status === "tabled" || p.status === "withdrawn") return null;
  if (p.decision.outcome === "passed" && p.effect === null) return null; // still in contention
  const round = p.rounds.get(p.decision.round);
  const result = round?.result;
  if (round === undefined || result === null || result === undefined) return null;
  const payload = p.payload as RatificationPayload;
  return {
    body: body.id,
    referral: payload.referral,
    verdict: p.decision.outcome === "passed" ? "ratify" : result.quorum.met ? "reject" : "abstain",
    rule: { of: "votes", rule: round.rule },
    tally: { counts: { ...result.counts }, roll: result.rollSize, turnout: result.turnout, quorum: result.quorum.required },
    at: p.effectiveAt ?? p.decision.at,
    decidedBy: p.id,
  };
}

/**
 * Nested: a confederation's verdict to the higher confederation, from the tally of its
 * own members' verdicts on the referral it opened with `parent`. Null until closed.
 */
export function confederationVerdict(confederation: BodyState, referral: string): Verdict | null {
  const r = confederation.referrals.get(referral);
  if (r === undefined || r.parent === null || r.tally === null || r.closedAt === null) return null;
  return verdictOfTally(r.tally, { body: confederation.id, referral: r.parent.referral, at: r.closedAt, decidedBy: r.id });
}
