import type { InboxContext } from "@fedify/fedify";
import { Accept, Add, Create, Invite, isActor, Join, Leave, Note, Offer, PropertyValue, PUBLIC_COLLECTION, Reject, Remove, Source, type Actor } from "@fedify/vocab";
import type { Kysely, Transaction } from "kysely";
import { findActorById, isBody, type ActorRow } from "../community/actors.ts";
import { resolveMemberRef } from "../community/memberships.ts";
import { fail, ok, type Result } from "../shared/result.ts";
import { escapeHtml, textToHtml } from "../shared/text.ts";
import type { AppContext, BodyRef, RecordChange } from "../context.ts";
import { replayBody } from "../decisions/index.ts";
import { newProposalId } from "../decisions/ids.ts";
import { runOnBody, type Step } from "../decisions/run.ts";
import {
  admitMemberBody,
  applyBodyEvent,
  confederationVerdict,
  draftProposal,
  durationMs,
  isProposalEvent,
  mandateStatus,
  memberBodyLeaves,
  ratificationVerdict,
  receiveRevocation,
  receiveVerdict,
  recordJoinRefused,
  referConfederal,
  tableProposal,
  type BodyState,
  type CommandResult,
  type Instant,
  type Mandate,
  type ProposalKind,
  type ReferralBody,
  type Verdict,
} from "../governance/index.ts";
import type { Schema } from "../store/schema.ts";
import { queueAnswer } from "./answers.ts";
import {
  fetchSignedDocument,
  mandateFromDocument,
  type Fetched,
  newReferralUrl,
  tabledMandateKey,
  verdictFromDocument,
  verdictUrl,
} from "./confederal-documents.ts";
import { InboundActivity, takeInOnce, takenInBefore, type InboundClaim } from "../community/inbound.ts";
import { mandateIdFromPath, mandateUrl } from "./mandates.ts";
import { recordActivity, type DeliveryTarget } from "../community/outbox.ts";
import { deliveryTargetFor, rememberRemoteActor } from "../community/remote-actors.ts";
import { toInstant } from "../shared/time.ts";
import { activityUri, actorUri, followersUri, inboxUri, localActorId, noteUri, proposalUri, SHARED_INBOX_PATH } from "../shared/uris.ts";

// Confederation across instances (docs/federation.md, "Confederation"). Sending happens
// in the transaction that appends the governance events (federateChange), so an event
// and the activity it causes commit together. Receiving always fetches the signed
// document an activity points at and checks its proof before the core sees anything.

type Db = Kysely<Schema>;
type Trx = Transaction<Schema>;
type Ctx = InboxContext<AppContext>;

/** The act name on an `Offer`'s note that tables a confederal proposal. */
export const REFER_ACT = "refer";

/** Where to deliver to an actor: local ones are built, remote ones must have been seen. */
async function targetOf(db: Db, app: AppContext, uri: string): Promise<DeliveryTarget | null> {
  const origin = app.config.publicOrigin;
  const local = localActorId(origin, uri);
  if (local !== null) return { id: uri, inbox: inboxUri(origin, local).href, sharedInbox: new URL(SHARED_INBOX_PATH, origin).href };
  return deliveryTargetFor(db, uri);
}

async function sendTo(trx: Db, app: AppContext, fromId: string, activity: Join | Leave | Add | Remove | Invite | Accept | Reject | Offer, to: readonly string[]): Promise<void> {
  const targets: DeliveryTarget[] = [];
  for (const uri of to) {
    const t = await targetOf(trx, app, uri);
    if (t) targets.push(t);
    else app.log.warn({ to: uri, activity: activity.id?.href }, "no inbox known for a confederation recipient; not sent");
  }
  if (targets.length === 0) return;
  await recordActivity(trx as never, { actorId: fromId, activity, recipients: { followers: false, actors: targets, includeLocal: true }, isPublic: false });
}

/** A public note from a body to its followers (and to `also`, on other instances). */
async function publicNote(trx: Db, app: AppContext, bodyId: string, html: string, url: string, also: readonly string[] = []): Promise<void> {
  const origin = app.config.publicOrigin;
  const body = actorUri(origin, bodyId);
  const id = crypto.randomUUID();
  const published = new Date();
  const note = new Note({ id: noteUri(origin, id), attribution: body, to: PUBLIC_COLLECTION, cc: followersUri(origin, bodyId), content: html, url: new URL(url), published: toInstant(published) });
  await trx
    .insertInto("objects")
    .values({ uri: note.id!.href, local_id: id, type: "Note", attributed_to: body.href, audience: body.href, in_reply_to: null, content: html, url, published })
    .execute();
  const targets: DeliveryTarget[] = [];
  for (const uri of also) {
    const t = await targetOf(trx, app, uri);
    if (t && new URL(t.id).origin !== origin.origin) targets.push(t);
  }
  await recordActivity(trx as never, {
    actorId: bodyId,
    activity: new Create({ id: activityUri(origin), actor: body, object: note, to: PUBLIC_COLLECTION, cc: followersUri(origin, bodyId), published: toInstant(published) }),
    recipients: { followers: true, actors: targets },
    isPublic: true,
  });
}

async function sendVerdict(trx: Db, app: AppContext, bodyId: string, verdict: Verdict, confederation: string): Promise<void> {
  if (!verdict.decidedBy) return;
  const origin = app.config.publicOrigin;
  await sendTo(
    trx,
    app,
    bodyId,
    new Add({ id: activityUri(origin), actor: actorUri(origin, bodyId), object: new URL(verdictUrl(verdict.decidedBy)), target: new URL(verdict.referral), to: new URL(confederation) }),
    [confederation],
  );
  app.log.info({ body: bodyId, referral: verdict.referral, verdict: verdict.verdict }, "verdict sent");
}

/**
 * The decision hook: what crosses instances when events are appended to a body's record.
 * Runs inside the appending transaction.
 */
export async function federateChange(trx: Db, app: AppContext, body: BodyRef, change: RecordChange): Promise<void> {
  const origin = app.config.publicOrigin;
  const bodyUri = actorUri(origin, body.id);
  const { after } = change;
  for (const effect of change.effects) {
    switch (effect.type) {
      case "confederation-join":
      case "confederation-leave": {
        const to = new URL(effect.confederation);
        const common = { id: activityUri(origin), actor: bodyUri, object: to, to };
        await sendTo(trx, app, body.id, effect.type === "confederation-join" ? new Join(common) : new Leave(common), [effect.confederation]);
        break;
      }
      case "delegate-recalled":
      case "mandate-recalled":
      case "decision-recalled":
        // A signed revocation (the mandate document now says revoked) to wherever the mandate was used.
        for (const r of effect.revoked ?? []) {
          if (r.confederation === null) continue;
          const conf = new URL(r.confederation);
          await sendTo(trx, app, body.id, new Remove({ id: activityUri(origin), actor: bodyUri, object: mandateUrl(origin, r.mandate), target: conf, to: conf }), [r.confederation]);
        }
        break;
      case "confederal-tabled": {
        // The body tables it itself, by its own decision (a confederation: ratified by its members).
        const to = new URL(effect.confederation);
        await sendTo(trx, app, body.id, referOffer(origin, bodyUri, to, { title: effect.title, text: effect.text, topic: effect.topic }), [effect.confederation]);
        break;
      }
      case "referral-decided": {
        const r = after.referrals.get(effect.referral);
        if (!r) break;
        await trx.updateTable("referrals").set({ closed_at: r.closedAt, outcome: effect.tally.outcome }).where("uri", "=", r.id).execute();
        if (effect.parent !== null) {
          const verdict = confederationVerdict(after, r.id);
          if (verdict) await sendVerdict(trx, app, body.id, verdict, effect.parent.confederation);
        }
        const t = effect.tally;
        await publicNote(
          trx,
          app,
          body.id,
          `<p><strong>${escapeHtml(r.title)}</strong>: ${t.passed ? "ratified" : "not ratified"}. ${escapeHtml(t.reason)}</p><p>Ratified by ${t.ratifiedBy.length}, rejected by ${t.rejectedBy.length}, ${t.abstained.length} abstained. It binds only the bodies that ratified it. <a href="${escapeHtml(r.id)}">The signed record</a>.</p>`,
          r.id,
        );
        break;
      }
      default:
        break;
    }
  }
  const ratifications = new Set<string>();
  for (const event of change.events) {
    if (isProposalEvent(event)) {
      if (after.proposals.get(event.proposal)?.kind === "ratification") ratifications.add(event.proposal);
      continue;
    }
    switch (event.type) {
      case "referral-opened": {
        await trx
          .insertInto("referrals")
          .values({ uri: event.referral, body_id: body.id, title: event.title, opened_at: event.at, deadline: event.deadline, parent: event.parent?.referral ?? null })
          .onConflict((oc) => oc.column("uri").doNothing())
          .execute();
        const bodies = event.bodies.map((b) => b.body);
        // One Invite for all: Fedify delivers it once per shared inbox, and each instance finds its own bodies on the signed list.
        if (bodies.length > 0) {
          await sendTo(trx, app, body.id, new Invite({ id: activityUri(origin), actor: bodyUri, object: new URL(event.referral), tos: bodies.slice(0, 50).map((b) => new URL(b)) }), bodies);
        }
        await publicNote(
          trx,
          app,
          body.id,
          `<p>Referred to our ${bodies.length} member bodies, to decide by ${escapeHtml(event.deadline)}: <strong>${escapeHtml(event.title)}</strong></p>${textToHtml(event.text)}<p><a href="${escapeHtml(event.referral)}">The referral</a>.</p>`,
          event.referral,
        );
        break;
      }
      case "member-body-admitted":
        await trx
          .insertInto("memberships")
          .values({ body_id: body.id, member_uri: event.actor, admitted_by: event.referral ? `ratified by the members (${event.referral})` : "Join (open admission)" })
          .onConflict((oc) => oc.columns(["body_id", "member_uri"]).doNothing())
          .execute();
        break;
      case "member-body-left":
        await trx.deleteFrom("memberships").where("body_id", "=", body.id).where("member_uri", "=", event.actor).execute();
        break;
      default:
        break;
    }
  }
  for (const proposal of ratifications) {
    const verdict = ratificationVerdict(after, proposal);
    const before = change.before ? ratificationVerdict(change.before, proposal) : null;
    if (verdict === null || before !== null) continue;
    const payload = after.proposals.get(proposal)?.payload as { confederation: string } | undefined;
    if (payload) await sendVerdict(trx, app, body.id, verdict, payload.confederation);
  }
}

// ---------------------------------------------------------------------------------------
// Receiving

/** Throws on a failure worth retrying (nothing was claimed; the queue retries the activity). */
function retryIfTransient(fetched: Fetched): void {
  if (!fetched.ok && fetched.transient) throw new Error(fetched.reason);
}

/** The claim of an inbound activity (the whole of it, or its effect on one local body). */
function claimOf(activity: { id: URL | null; actorId: URL | null }, type: string, scope?: string): InboundClaim {
  return { activity: activity.id!.href, actor: activity.actorId!.href, type, ...(scope ? { scope } : {}) };
}

/** Takes in an activity refused before any effect: claimed, so it is not examined again, and logged. */
async function refuseOnce(app: AppContext, claim: InboundClaim, log: () => void, answer?: (trx: Trx) => Promise<void>): Promise<void> {
  const taken = await takeInOnce(app, claim, async (trx) => {
    await answer?.(trx);
  });
  if (taken) log();
}

async function localBody(app: AppContext, uri: URL | string | null | undefined): Promise<ActorRow | null> {
  if (!uri) return null;
  const id = localActorId(app.config.publicOrigin, uri);
  const row = id ? await findActorById(app, id) : undefined;
  return row && isBody(row) ? row : null;
}

/** The member bodies of a confederation with their weights, as the list a referral freezes. */
async function memberBodies(app: AppContext, confId: string): Promise<ReferralBody[]> {
  const rows = await app.db.selectFrom("memberships").select(["member_uri", "member_count"]).where("body_id", "=", confId).execute();
  return rows.map((r) => ({ body: r.member_uri, members: Math.max(1, r.member_count ?? 1) }));
}

/** A remote body's member count, from the "Members" field of its actor. */
async function advertisedMembers(actor: Actor): Promise<number | null> {
  for await (const a of actor.getAttachments()) {
    if (a instanceof PropertyValue && a.name?.toString() === "Members") {
      const n = Number.parseInt(a.value?.toString() ?? "", 10);
      return Number.isSafeInteger(n) && n >= 0 ? n : null;
    }
  }
  return null;
}

/** A body asks to join a local confederation (called by the Join listener). */
export async function onBodyJoin(ctx: Ctx, join: Join, conf: ActorRow): Promise<void> {
  const app = ctx.data;
  const origin = app.config.publicOrigin;
  if (await takenInBefore(app, join.id!.href)) return;
  const group = await join.getActor(ctx).catch(() => null);
  if (!group || !isActor(group) || group.constructor.name !== "Group" || group.id?.href !== join.actorId?.href) return;
  const member = group.id!.href;
  await rememberRemoteActor(app.db, group);
  const count = await advertisedMembers(group);
  const confUri = actorUri(origin, conf.id);
  const claim = claimOf(join, "Join");
  const accept = () => new Accept({ id: activityUri(origin), actor: confUri, object: join.id, to: new URL(member) });
  const reject = (summary: string) => new Reject({ id: activityUri(origin), actor: confUri, object: join.id, to: new URL(member), summary });
  // Already a member (e.g. a founding member confirming by its own decision): yes, again.
  if ((await memberBodies(app, conf.id)).some((b) => b.body === member)) {
    await takeInOnce(app, claim, async (trx) => {
      if (count !== null) await setWeight(trx, conf.id, member, count);
      await sendTo(trx, app, conf.id, accept(), [member]);
    });
    return;
  }
  if (conf.admission === "open") {
    // Admitted, weighed and answered in the transaction that takes the Join in.
    const inbound = new InboundActivity(claim, async (trx, outcome) => {
      if (!outcome.ok) return sendTo(trx, app, conf.id, reject(outcome.error.message), [member]);
      await setWeight(trx, conf.id, member, count);
      await sendTo(trx, app, conf.id, accept(), [member]);
    });
    const admitted = await runOnBody(app, conf, { found: true, inbound }, ({ body: state, now }): Step<boolean> => {
      if (state === null) return { fail: { code: "not-found", message: "no record" } };
      if (state.members.has(member)) return { command: { ok: true, events: [], effects: [] }, value: () => false };
      return { command: admitMemberBody(state, { body: member }, now), value: () => true };
    });
    if (inbound.state === "claimed") app.log.info({ confederation: conf.handle, member, admitted: admitted.ok }, "member body's Join answered (open admission)");
    return;
  }
  // By decision: the member bodies decide, like any confederal question.
  const bodies = await memberBodies(app, conf.id);
  if (bodies.length === 0) {
    await takeInOnce(app, claim, (trx) => sendTo(trx, app, conf.id, reject(`${conf.name} admits member bodies by their decision and has none yet`), [member]));
    return;
  }
  const referral = newReferralUrl(origin).href;
  const inbound = new InboundActivity(claim, async (trx, outcome) => {
    if (!outcome.ok) return sendTo(trx, app, conf.id, reject(outcome.error.message), [member]);
    // Kept to answer the Join when the referral closes (admitRatifiedBodies).
    await trx
      .insertInto("signed_documents")
      .values({ uri: `${referral}#join`, type: "Join", signer: member, document: JSON.stringify({ join: join.id!.href, members: count }), received_at: new Date() })
      .execute();
  });
  const opened = await runOnBody(app, conf, { found: true, inbound }, ({ body: state, now }): Step<true> => {
    if (state === null) return { fail: { code: "not-found", message: "no record" } };
    return {
      command: referConfederal(
        state,
        { referral, actor: state.id, title: `Admit ${group.name?.toString() ?? member}`, text: `${member} asks to join ${conf.name}. Ratify to admit it.`, topic: "membership", admit: member, bodies },
        now,
      ),
      value: () => true,
    };
  });
  if (inbound.state === "claimed") app.log.info({ confederation: conf.handle, member, referral, ok: opened.ok }, "admission referred to the member bodies");
}

/**
 * After a confederation's referrals close: admit the bodies whose admission was ratified
 * (and answer their Join). Runs whenever some referral of the confederation closes, and
 * catches up on any admission a crash left undone.
 */
export async function admitRatifiedBodies(app: AppContext, conf: ActorRow): Promise<void> {
  const state = await replayBody(app, conf.id);
  if (!state) return;
  const origin = app.config.publicOrigin;
  for (const r of state.referrals.values()) {
    if (r.admit === null || r.tally === null || state.members.has(r.admit)) continue;
    const join = await app.db.selectFrom("signed_documents").select(["document"]).where("uri", "=", `${r.id}#join`).executeTakeFirst();
    if (!join) continue;
    const { join: joinId, members } = JSON.parse(join.document) as { join: string; members: number | null };
    const admit = r.admit;
    if (r.tally.passed) {
      const done = await runOnBody(app, conf, {}, ({ body: s, now }): Step<boolean> =>
        s === null || s.members.has(admit) ? { command: { ok: true, events: [], effects: [] }, value: () => false } : { command: admitMemberBody(s, { body: admit, referral: r.id }, now), value: () => true },
      );
      if (!done.ok || !done.value) continue;
      await setWeight(app.db, conf.id, admit, members);
    }
    await app.db.transaction().execute(async (trx) => {
      const answered = await trx.deleteFrom("signed_documents").where("uri", "=", `${r.id}#join`).executeTakeFirst();
      if (Number(answered.numDeletedRows) === 0) return;
      const common = { id: activityUri(origin), actor: actorUri(origin, conf.id), object: new URL(joinId), to: new URL(admit) };
      await sendTo(trx, app, conf.id, r.tally!.passed ? new Accept(common) : new Reject({ ...common, summary: r.tally!.reason }), [admit]);
    });
    app.deliveries.kick();
  }
}

/** A member body leaves a local confederation: at once. */
export async function onLeave(ctx: Ctx, leave: Leave): Promise<void> {
  const app = ctx.data;
  const conf = await localBody(app, leave.objectId);
  if (!conf || conf.kind !== "confederation" || !leave.actorId || !leave.id) return;
  const member = leave.actorId.href;
  const inbound = new InboundActivity(claimOf(leave, "Leave"));
  const left = await runOnBody(app, conf, { inbound }, ({ body: state, now }): Step<true> =>
    state === null || !state.members.has(member) ? { fail: { code: "not-found", message: `${member} is not a member body` } } : { command: memberBodyLeaves(state, { body: member }, now), value: () => true },
  );
  if (inbound.state === "claimed") app.log.info({ confederation: conf.handle, member, ok: left.ok }, "member body left");
}

/**
 * A confederation refused a local body's Join (called by the Reject listener). Only the
 * confederation the Join was sent to can refuse it; the body records the refusal, so its
 * record no longer counts it a member there. Returns false when the Reject is not about
 * one of our Joins.
 */
export async function onJoinRefused(ctx: Ctx, reject: Reject): Promise<boolean> {
  const app = ctx.data;
  if (!reject.objectId || !reject.actorId) return false;
  const sent = await app.db
    .selectFrom("activities")
    .select(["actor_id", "object_uri"])
    .where("uri", "=", reject.objectId.href)
    .where("type", "=", "Join")
    .executeTakeFirst();
  if (!sent) return false;
  const confederation = reject.actorId.href;
  const body = await findActorById(app, sent.actor_id);
  if (!body || !isBody(body)) return true;
  const reason = (reject.summary?.toString() ?? "").slice(0, 2000) || "no reason given";
  if (!reject.id) return true;
  const claim = claimOf(reject, "Reject");
  if (sent.object_uri !== confederation) {
    await refuseOnce(app, claim, () => app.log.warn({ join: reject.objectId!.href, from: confederation }, "a Reject of a Join sent to someone else; ignored"));
    return true;
  }
  const inbound = new InboundActivity(claim);
  const recorded = await runOnBody(app, body, { inbound }, ({ body: state, now }): Step<true> =>
    state === null || !state.confederations.has(confederation)
      ? { fail: { code: "not-found", message: `${body.handle} is not in ${confederation}` } }
      : { command: recordJoinRefused(state, { confederation, join: reject.objectId!.href, reason }, now), value: () => true },
  );
  if (inbound.state === "claimed") app.log.info({ body: body.handle, confederation, reason, recorded: recorded.ok }, "join refused by the confederation");
  return true;
}

/** The deadline a nested referral closes at: early enough for its verdict to reach the higher confederation. */
export function nestedDeadline(parentDeadline: Instant, now: Instant): Instant {
  const remaining = Date.parse(parentDeadline) - Date.parse(now);
  return new Date(Date.parse(now) + Math.max(1_000, Math.floor(remaining * 0.8))).toISOString();
}

/**
 * Periods for a ratification that end before the referral's deadline (with a tenth of the
 * time left as a margin for the verdict to travel): the bylaws' own when they fit, else
 * both shortened in proportion. Nothing requested when they fit.
 */
export function fitPeriods(deliberation: string, voting: string, deadline: Instant, now: Instant): { deliberationPeriod?: string; votingPeriod?: string } {
  const d = durationMs(deliberation) ?? 0;
  const v = durationMs(voting) ?? 0;
  const left = Date.parse(deadline) - Date.parse(now);
  const available = Math.floor(left * 0.9);
  if (d + v <= available || available < 2_000) return {};
  const dFit = Math.max(1_000, Math.floor((available * d) / (d + v)));
  const vFit = Math.max(1_000, available - dFit);
  const iso = (ms: number) => `PT${Math.floor(ms / 1000)}S`;
  return { deliberationPeriod: iso(dFit), votingPeriod: iso(vFit) };
}

/** Runs two commands as one: the second is decided on the state the first leads to. */
function andThen(state: BodyState, first: CommandResult, second: (s: BodyState) => CommandResult): CommandResult {
  if (!first.ok) return first;
  let s: BodyState | null = state;
  for (const e of first.events) s = applyBodyEvent(s, e);
  if (s === null) return first;
  const next = second(s);
  if (!next.ok) return next;
  return { ok: true, events: [...first.events, ...next.events], effects: [...first.effects, ...next.effects] };
}

/**
 * A confederation refers a proposal to its members: each local body on the signed list
 * that decided to join it puts a `ratification` before its members (or, a confederation,
 * refers it down to its own members: power stays at the base).
 */
export async function onInvite(ctx: Ctx, invite: Invite): Promise<void> {
  const app = ctx.data;
  if (!invite.objectId || !invite.actorId || !invite.id) return;
  const confederation = invite.actorId.href;
  const url = invite.objectId.href;
  const fetched = await fetchSignedDocument(app, url, confederation);
  retryIfTransient(fetched);
  if (!fetched.ok || fetched.document.type !== "Referral") {
    return refuseOnce(app, claimOf(invite, "Invite"), () => app.log.warn({ referral: url, reason: fetched.ok ? "not a Referral" : fetched.reason }, "referral refused"));
  }
  const doc = fetched.document;
  if (doc.status !== "open" || !(Date.parse(String(doc.endTime)) > Date.now())) {
    return refuseOnce(app, claimOf(invite, "Invite"), () => app.log.warn({ referral: url }, "referral refused: it is no longer open"));
  }
  const listed = Array.isArray(doc.bodies) ? (doc.bodies as ReferralBody[]) : [];
  // The runner's decide step is synchronous: a local confederation's member list is read first.
  const childBodies = new Map<string, ReferralBody[]>();
  for (const { body: member } of listed) {
    const body = await localBody(app, member);
    if (body?.kind === "confederation") childBodies.set(body.id, await memberBodies(app, body.id));
  }
  let local = 0;
  for (const { body: member } of listed) {
    const body = await localBody(app, member);
    if (!body) continue;
    local++;
    const title = String(doc.name ?? "A confederal proposal");
    const text = typeof doc.content === "string" ? doc.content : "";
    const deadline = String(doc.endTime);
    // Claimed per body: a crash between two bodies leaves the others to the redelivery.
    const inbound = new InboundActivity(claimOf(invite, "Invite", body.id));
    const result = await runOnBody(app, body, { inbound }, ({ body: state, now }): Step<string> => {
      if (state === null) return { fail: { code: "not-found", message: "no record" } };
      if (!state.confederations.has(confederation)) return { fail: { code: "forbidden", message: `${body.handle} has not decided to join ${confederation}` } };
      if (body.kind === "confederation") {
        const referral = newReferralUrl(app.config.publicOrigin).href;
        const bodies = childBodies.get(body.id) ?? [];
        return {
          command: referConfederal(state, { referral, actor: state.id, title, text, ...(typeof doc.topic === "string" ? { topic: doc.topic } : {}), bodies, deadline: nestedDeadline(deadline, now), parent: { confederation, referral: url } }, now),
          value: () => referral,
        };
      }
      const proposal = proposalUri(app.config.publicOrigin, newProposalId()).href;
      const drafted = draftProposal(
        state,
        {
          proposal,
          actor: state.id,
          kind: "ratification",
          title: `Ratify? ${title}`,
          ...fitPeriods(state.bylaws.deliberationPeriod, state.bylaws.votingPeriod, deadline, now),
          text: `Referred by ${confederation} (${url}); verdicts are due by ${deadline}.\n\n${text.replace(/<[^>]*>/g, "")}`,
          payload: { confederation, referral: url, proposalUri: url },
        },
        now,
      );
      return {
        command: andThen(state, drafted, (s) => {
          const p = s.proposals.get(proposal);
          return p ? tableProposal(p, { actor: s.id, body: s }, now) : drafted;
        }),
        value: () => proposal,
      };
    });
    if (inbound.state === "claimed") app.log.info({ body: body.handle, referral: url, ok: result.ok, ...(result.ok ? { decidedBy: result.value } : { reason: result.error.message }) }, "referral received");
  }
  if (local === 0) await refuseOnce(app, claimOf(invite, "Invite"), () => app.log.warn({ referral: url }, "referral names no body here"));
}

/** A member body's verdict on a local referral. */
export async function onAdd(ctx: Ctx, add: Add): Promise<void> {
  const app = ctx.data;
  if (!add.objectId || !add.actorId || !add.targetId || !add.id) return;
  const referral = add.targetId.href;
  const row = await app.db.selectFrom("referrals").select(["body_id"]).where("uri", "=", referral).executeTakeFirst();
  if (!row) return;
  const conf = await findActorById(app, row.body_id);
  if (!conf) return;
  if (await takenInBefore(app, add.id.href)) return;
  const sender = add.actorId.href;
  const claim = claimOf(add, "Add");
  const refuse = (reason: string) => refuseOnce(app, claim, () => app.log.warn({ referral, from: sender, reason }, "verdict refused"));
  const fetched = await fetchSignedDocument(app, add.objectId.href, sender);
  retryIfTransient(fetched);
  if (!fetched.ok) return refuse(fetched.reason);
  const doc = fetched.document;
  if (doc.type !== "Verdict" || typeof doc.decidedBy !== "string" || doc.id !== verdictUrl(doc.decidedBy)) return refuse("not a Verdict served under what decided it");
  const verdict = verdictFromDocument(doc);
  if (verdict.referral !== referral) return refuse(`the verdict answers ${verdict.referral}`);
  // Keep nothing from a body that is not on the list (the core would refuse it anyway).
  const listed = (await replayBody(app, conf.id))?.referrals.get(referral)?.bodies.some((b) => b.body === sender);
  if (!listed) return refuse(`${sender} is not on the referral's list`);
  // The body's weight for future referrals: the `Members` its actor advertises now.
  const weight = await advertisedWeight(ctx, add);
  // The signed verdict is kept (to embed in the referral) and the weight refreshed with it.
  const inbound = new InboundActivity(claim, async (trx, outcome) => {
    await trx
      .insertInto("signed_documents")
      .values({ uri: doc.id as string, type: "Verdict", signer: sender, document: JSON.stringify(doc), received_at: new Date() })
      .onConflict((oc) => oc.column("uri").doNothing())
      .execute();
    if (outcome.ok && weight !== null) await setWeight(trx, conf.id, sender, weight);
  });
  const result = await runOnBody(app, conf, { inbound }, ({ body: state, now }): Step<true> =>
    state === null ? { fail: { code: "not-found", message: "no record" } } : { command: receiveVerdict(state, verdict, now), value: () => true },
  );
  if (inbound.state !== "claimed") return;
  if (!result.ok) app.log.warn({ referral, from: sender, reason: result.error.message }, "verdict refused");
  else app.log.info({ referral, from: sender, verdict: verdict.verdict }, "verdict received");
}

/**
 * A member body's weight for future referrals: the `Members` its actor advertises now,
 * read again with each verdict it sends (the referrals already open keep their frozen list).
 */
async function advertisedWeight(ctx: Ctx, activity: Add): Promise<number | null> {
  const member = activity.actorId!.href;
  const actor = await activity.getActor(ctx).catch(() => null);
  return actor && isActor(actor) && actor.id?.href === member ? advertisedMembers(actor) : null;
}

/** A member body's weight (its advertised `Members`) for the referrals opened from now on. */
async function setWeight(db: Db, confId: string, member: string, count: number | null): Promise<void> {
  await db.updateTable("memberships").set({ member_count: count }).where("body_id", "=", confId).where("member_uri", "=", member).execute();
}

/** A member body revoked a mandate used here: from its `revokedAt` on, the delegate's acts are refused. */
export async function onRemove(ctx: Ctx, remove: Remove): Promise<void> {
  const app = ctx.data;
  if (!remove.objectId || !remove.actorId || !remove.id) return;
  const conf = await localBody(app, remove.targetId);
  if (!conf || conf.kind !== "confederation") return;
  if (await takenInBefore(app, remove.id.href)) return;
  const sender = remove.actorId.href;
  const claim = claimOf(remove, "Remove");
  const fetched = await fetchSignedDocument(app, remove.objectId.href, sender);
  retryIfTransient(fetched);
  if (!fetched.ok || fetched.document.type !== "Mandate") {
    return refuseOnce(app, claim, () => app.log.warn({ from: sender, reason: fetched.ok ? "not a Mandate" : fetched.reason }, "revocation refused"));
  }
  const m = mandateFromDocument(fetched.document);
  if (!m || m.revokedAt === null || m.revokedBy === null) {
    return refuseOnce(app, claim, () => app.log.warn({ from: sender, mandate: remove.objectId!.href }, "revocation refused: the mandate is not revoked"));
  }
  const inbound = new InboundActivity(claim);
  const result = await runOnBody(app, conf, { inbound }, ({ body: state, now }): Step<true> =>
    state === null
      ? { fail: { code: "not-found", message: "no record" } }
      : { command: receiveRevocation(state, { actor: sender, mandate: m.id, delegate: m.delegate, revokedAt: m.revokedAt!, revokedBy: m.revokedBy! }, now), value: () => true },
  );
  if (inbound.state === "claimed") app.log.info({ confederation: conf.handle, mandate: m.id, ok: result.ok }, "mandate revocation received");
}

/** Reads an `Offer`'s note: a confederal proposal tabled by a delegate (or a member body). */
async function readOfferNote(note: Note): Promise<{ title: string; text: string; topic?: string; mandate?: string; decides?: { kind: ProposalKind; payload: unknown } } | { invalid: string } | null> {
  const fields = new Map<string, string>();
  for await (const a of note.getAttachments()) {
    if (a instanceof PropertyValue && a.name && a.value) fields.set(a.name.toString(), a.value.toString());
  }
  if (fields.get("folkmoot:act") !== REFER_ACT) return null;
  const title = note.name?.toString().trim() ?? "";
  const text = (note.source?.content?.toString() ?? (note.content?.toString() ?? "").replace(/<[^>]*>/g, "")).trim();
  const topic = fields.get("topic")?.trim();
  const mandate = fields.get("mandate")?.trim();
  let decides: { kind: ProposalKind; payload: unknown } | undefined;
  const kind = fields.get("decides")?.trim();
  if (kind) {
    try {
      decides = { kind: kind as ProposalKind, payload: JSON.parse(fields.get("payload") ?? "null") as unknown };
    } catch {
      return { invalid: "its payload is not JSON" };
    }
  }
  return { title, text, ...(topic ? { topic } : {}), ...(mandate ? { mandate } : {}), ...(decides ? { decides } : {}) };
}

/** A delegate (or a member body) tables a confederal proposal in a local confederation. */
export async function onOffer(ctx: Ctx, offer: Offer): Promise<void> {
  const app = ctx.data;
  if (!offer.actorId || !offer.id) return;
  const conf = await localBody(app, offer.targetId);
  if (!conf || conf.kind !== "confederation") return;
  const note = await offer.getObject(ctx).catch(() => null);
  if (!(note instanceof Note)) return;
  const read = await readOfferNote(note);
  if (!read) return;
  const actor = offer.actorId.href;
  // Remembered so that a refusal can be answered.
  const who = await offer.getActor(ctx).catch(() => null);
  if (who && isActor(who) && who.id?.href === actor && who.id.origin !== app.config.publicOrigin.origin) await rememberRemoteActor(app.db, who);
  const act = "invalid" in read ? { title: note.name?.toString() ?? "", text: "", invalid: read.invalid } : read;
  if (await takenInBefore(app, offer.id.href)) return;
  const claim = claimOf(offer, "Offer");
  const answerWhy = (why: string) => (trx: Trx) => queueAnswer(trx, app, conf.id, actor, note.id, `Your confederal proposal “${act.title}” was not tabled in @${conf.handle}: ${why}.`);
  const warn = (why: string) => () => app.log.warn({ confederation: conf.handle, actor, why }, "confederal proposal refused");
  const refuse = (why: string) => refuseOnce(app, claim, warn(why), answerWhy(why));
  if ("invalid" in act) return refuse(act.invalid);
  if (!act.title) return refuse("it needs a title (the note's name)");
  // A join or leave names another confederation: fetched (and remembered) now, so that
  // the Join or Leave can be delivered to it when the members ratify.
  const named = (act.decides?.payload as { confederation?: unknown } | null | undefined)?.confederation;
  if (typeof named === "string") {
    const target = await resolveMemberRef(app, named);
    if (!target.ok || !target.value.isGroup) return refuse(`the confederation it names cannot be found: ${named}`);
  }
  let mandate: Mandate | undefined;
  let mandateDoc: string | undefined;
  if (act.mandate) {
    // Fetched fresh: a recall shows at once, whether or not its Remove has arrived.
    const fetched = await fetchSignedDocument(app, act.mandate);
    retryIfTransient(fetched);
    if (!fetched.ok || fetched.document.type !== "Mandate") return refuse(fetched.ok ? "its mandate is not a Mandate" : `its mandate cannot be checked: ${fetched.reason}`);
    const m = mandateFromDocument(fetched.document);
    if (!m) return refuse("its mandate is malformed");
    mandate = m;
    mandateDoc = JSON.stringify(fetched.document);
  }
  const referral = newReferralUrl(app.config.publicOrigin).href;
  const bodies = await memberBodies(app, conf.id);
  // Tabled: the mandate it was tabled under is kept with the referral; refused: the proposer is told why.
  const inbound = new InboundActivity(claim, async (trx, outcome) => {
    if (!outcome.ok) {
      warn(outcome.error.message)();
      return answerWhy(outcome.error.message)(trx);
    }
    if (mandateDoc) await trx.insertInto("signed_documents").values({ uri: tabledMandateKey(referral), type: "Mandate", signer: mandate!.body, document: mandateDoc, received_at: new Date() }).execute();
  });
  const result = await runOnBody(app, conf, { inbound }, ({ body: state, now }): Step<true> =>
    state === null
      ? { fail: { code: "not-found", message: "no record" } }
      : {
          command: referConfederal(
            state,
            { referral, actor, title: act.title, text: act.text, ...(act.topic ? { topic: act.topic } : {}), ...(mandate ? { viaMandate: mandate } : {}), ...(act.decides ? { decides: act.decides } : {}), bodies },
            now,
          ),
          value: () => true,
        },
  );
  if (inbound.state === "claimed" && result.ok) app.log.info({ confederation: conf.handle, referral, actor }, "confederal proposal tabled and referred");
}

// ---------------------------------------------------------------------------------------
// Sending acts (the delegate's side)

export interface ConfederalProposalInput {
  /** The confederation: a handle or its actor URL. */
  confederation: string;
  title: string;
  text: string;
  topic?: string;
  /** The delegate's mandate: its URL (or its id, `<proposal>#mandate:<delegate>`). */
  mandate?: string;
  /**
   * The confederation's own decision put to its members (`join`, `leave`, `policy`), with
   * its payload (`{ confederation }`: a handle or URL, for join and leave).
   */
  decides?: { kind: ProposalKind; payload?: unknown };
}

/**
 * Sends the `Offer` that tables a confederal proposal, as `personId`. No check here but
 * that the confederation can be found: the confederation decides (see {@link tableConfederalProposal}).
 */
export async function sendConfederalOffer(app: AppContext, personId: string, input: ConfederalProposalInput & { mandateUrl?: string }): Promise<Result<{ activity: string; confederation: string }>> {
  const origin = app.config.publicOrigin;
  const conf = await resolveMemberRef(app, input.confederation);
  if (!conf.ok) return fail(conf.error.code, conf.error.message, "confederation");
  if (!conf.value.isGroup) return fail("invalid", "a confederation is a body", "confederation");
  let decides: { kind: ProposalKind; payload: unknown } | undefined;
  if (input.decides) {
    let payload = input.decides.payload ?? {};
    const ref = (payload as { confederation?: unknown } | null)?.confederation;
    if (typeof ref === "string") {
      const target = await resolveMemberRef(app, ref);
      if (!target.ok) return fail(target.error.code, target.error.message, "decides.payload.confederation");
      payload = { ...(payload as object), confederation: target.value.uri };
    }
    decides = { kind: input.decides.kind, payload };
  }
  const offer = referOffer(origin, actorUri(origin, personId), new URL(conf.value.uri), { title: input.title, text: input.text, topic: input.topic, mandateUrl: input.mandateUrl, decides });
  await app.db.transaction().execute((trx) => sendTo(trx, app, personId, offer, [conf.value.uri]));
  app.deliveries.kick();
  return ok({ activity: offer.id!.href, confederation: conf.value.uri });
}

/**
 * The `Offer` that tables a confederal proposal: a note (`name` the title, `source` the
 * text as written) whose PropertyValue attachments carry the act, the topic, the
 * mandate's URL and the confederation's own decision, if any.
 */
function referOffer(
  origin: URL,
  actor: URL,
  confederation: URL,
  input: { title: string; text: string; topic?: string | undefined; mandateUrl?: string | undefined; decides?: { kind: ProposalKind; payload: unknown } | undefined },
): Offer {
  const fields = [new PropertyValue({ name: "folkmoot:act", value: REFER_ACT })];
  if (input.topic) fields.push(new PropertyValue({ name: "topic", value: input.topic }));
  if (input.mandateUrl) fields.push(new PropertyValue({ name: "mandate", value: input.mandateUrl }));
  if (input.decides) {
    fields.push(new PropertyValue({ name: "decides", value: input.decides.kind }), new PropertyValue({ name: "payload", value: JSON.stringify(input.decides.payload) }));
  }
  const note = new Note({
    id: noteUri(origin, crypto.randomUUID()),
    attribution: actor,
    to: confederation,
    name: input.title,
    content: textToHtml(input.text),
    source: new Source({ content: input.text, mediaType: "text/plain" }),
    attachments: fields,
    published: toInstant(new Date()),
  });
  return new Offer({ id: activityUri(origin), actor, object: note, target: confederation, to: confederation });
}

/** The local mandate a URL or id names, with the body that gave it. */
async function findLocalMandate(app: AppContext, ref: string): Promise<Mandate | null> {
  let id = ref;
  const url = /^https?:\/\//.test(ref) ? new URL(ref) : null;
  if (url && url.pathname.startsWith("/ap/mandates/")) id = mandateIdFromPath(url.pathname.slice("/ap/mandates/".length)) ?? ref;
  const proposal = id.split("#mandate:")[0] ?? "";
  const row = await app.db.selectFrom("proposals").select(["body_id"]).where("uri", "=", proposal).executeTakeFirst();
  if (!row) return null;
  return (await replayBody(app, row.body_id))?.mandates.get(id) ?? null;
}

/**
 * A delegate tables a confederal proposal under their mandate. Checked here first (a
 * clear answer at once); the confederation checks again against the signed mandate.
 */
export async function tableConfederalProposal(app: AppContext, personId: string, input: ConfederalProposalInput): Promise<Result<{ activity: string; confederation: string; mandate: string | null }>> {
  const person = actorUri(app.config.publicOrigin, personId).href;
  if (!input.title?.trim()) return fail("invalid", "a confederal proposal needs a title", "title");
  if (!input.mandate) return fail("invalid", "a delegate tables a confederal proposal under their mandate: give its URL", "mandate");
  let url: string | undefined;
  if (input.mandate) {
    const m = await findLocalMandate(app, input.mandate);
    if (!m) return fail("not-found", "no such mandate on this instance", "mandate");
    if (m.delegate !== person) return fail("forbidden", "that mandate is someone else's", "mandate");
    const status = mandateStatus(m, new Date().toISOString());
    if (status !== "live") return fail("forbidden", `that mandate is ${status}${m.revokedBy ? ` (recalled by ${m.revokedBy})` : ""}`, "mandate");
    url = mandateUrl(app.config.publicOrigin, m.id).href;
  }
  const sent = await sendConfederalOffer(app, personId, { ...input, ...(url ? { mandateUrl: url } : {}) });
  return sent.ok ? ok({ ...sent.value, mandate: url ?? null }) : sent;
}

/** Used by tests and the demo: a local body's confederation's referrals, newest first. */
export async function listReferrals(app: AppContext, confId: string): Promise<{ uri: string; title: string; openedAt: Date; deadline: Date; closedAt: Date | null; outcome: string | null }[]> {
  const rows = await app.db.selectFrom("referrals").selectAll().where("body_id", "=", confId).orderBy("opened_at", "desc").execute();
  return rows.map((r) => ({ uri: r.uri, title: r.title, openedAt: r.opened_at, deadline: r.deadline, closedAt: r.closed_at, outcome: r.outcome }));
}
