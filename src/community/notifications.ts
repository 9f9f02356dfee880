import type { Insertable, Kysely } from "kysely";
import type { AppContext, BodyRef, RecordChange, RecordNotice } from "../context.ts";
import type { Schema } from "../store/schema.ts";
import { localActorId } from "../shared/uris.ts";
import { announceOnCommit } from "./stream-events.ts";

// In-app notifications for local people, written in the transaction of what caused them:
// a vote opened for them, an outcome in one of their bodies, a reply to what they wrote,
// someone following them, and an act of theirs on another server's proposal that its body
// refused (with why).

export type NotificationKind = "vote-opened" | "deadline-near" | "outcome" | "reply" | "follow" | "act-refused";

export interface NotificationView {
  id: string;
  kind: NotificationKind;
  bodyId: string | null;
  proposalUri: string | null;
  objectUri: string | null;
  actorUri: string | null;
  title: string;
  detail: string;
  createdAt: Date;
  read: boolean;
}

// What a change or a reminder tells one member (local or remote, by actor URI): defined beside RecordChange.
export type { RecordNotice } from "../context.ts";

/**
 * What a change to a body's record tells its members: a vote opened (to everyone on its roll),
 * an outcome (to every member). One notice per member and proposal, local and remote alike.
 */
export function recordChangeNotices(change: RecordChange): RecordNotice[] {
  const out: RecordNotice[] = [];
  for (const [uri, p] of change.after.proposals) {
    const was = change.before?.proposals.get(uri);
    const newlyOpen = p.openRounds.filter((r) => !(was?.openRounds ?? []).includes(r));
    if (newlyOpen.length > 0) {
      const round = p.rounds.get(newlyOpen[0]!);
      for (const voter of new Set(p.roll ?? [])) out.push({ recipient: voter, kind: "vote-opened", proposalUri: uri, title: p.title, detail: round?.closesAt ?? "" });
    }
    // Decided (passed or not), or set aside in the contention period.
    const outcome = p.decision !== null && !was?.decision ? p.decision.outcome : p.status === "tabled" && was?.status !== "tabled" ? "tabled" : null;
    if (outcome !== null) {
      for (const member of new Set(change.after.members)) out.push({ recipient: member, kind: "outcome", proposalUri: uri, title: p.title, detail: outcome });
    }
  }
  return out;
}

/** Notifications a change to a body's record causes: run by the decisions hook inside its transaction. */
export async function notifyRecordChange(trx: Kysely<Schema>, app: Pick<AppContext, "config">, body: BodyRef, change: RecordChange): Promise<void> {
  await notifyNotices(trx, app, body, recordChangeNotices(change));
}

/** The local members' notifications of `notices` (remote members get theirs as mentions, federation/outbox/member-notices.ts). */
export async function notifyNotices(trx: Kysely<Schema>, app: Pick<AppContext, "config">, body: BodyRef, notices: readonly RecordNotice[]): Promise<void> {
  const origin = app.config.publicOrigin;
  const rows: Insertable<Schema["notifications"]>[] = [];
  for (const n of notices) {
    const id = localActorId(origin, n.recipient);
    if (id === null) continue;
    rows.push({ recipient_id: id, kind: n.kind, body_id: body.id, proposal_uri: n.proposalUri, object_uri: null, actor_uri: null, title: n.title, detail: n.detail });
  }
  if (rows.length === 0) return;
  const inserted = await trx.insertInto("notifications").values(rows).returning(["id", "recipient_id"]).execute();
  for (const n of inserted) await announceOnCommit(trx, { type: "notification", id: String(n.id), recipient: n.recipient_id });
}

/** How much of a body's answer a notification keeps. */
const ANSWER_MAX = 500;

/**
 * A reply to a local person's post or proposal notifies them (not when they reply to
 * themselves). The direct answer of another server's body to an act of theirs on its
 * proposal (the note sent for them, addressed to that body) says the act was refused:
 * it notifies them with the body's words (`text`, plain) and the proposal.
 */
export async function notifyReply(
  trx: Kysely<Schema>,
  app: Pick<AppContext, "config">,
  reply: { uri: string; inReplyTo: string | null; author: string; audience: string | null; text?: string },
): Promise<void> {
  if (reply.inReplyTo === null) return;
  const parent = await trx.selectFrom("objects").select(["attributed_to", "type", "audience", "in_reply_to", "local_id"]).where("uri", "=", reply.inReplyTo).executeTakeFirst();
  if (!parent || parent.attributed_to === reply.author) return;
  const actor = localActorId(app.config.publicOrigin, parent.attributed_to);
  if (parent.type === "Note" && parent.local_id !== null && parent.audience === reply.author && parent.in_reply_to !== null && actor !== null) {
    await trx
      .insertInto("notifications")
      .values({
        recipient_id: actor,
        kind: "act-refused",
        body_id: null,
        proposal_uri: parent.in_reply_to,
        object_uri: reply.uri,
        actor_uri: reply.author,
        detail: (reply.text ?? "").trim().slice(0, ANSWER_MAX),
      })
      .execute();
    return;
  }
  // A proposal is attributed to its body: the reply goes to the proposal's author instead.
  let recipient = localActorId(app.config.publicOrigin, parent.attributed_to);
  if (parent.type === "Question") {
    const drafted = await trx
      .selectFrom("proposals")
      .innerJoin("governance_events", (j) => j.onRef("governance_events.proposal_id", "=", "proposals.id").onRef("governance_events.body_id", "=", "proposals.body_id"))
      .select("governance_events.event")
      .where("proposals.uri", "=", reply.inReplyTo)
      .where("governance_events.type", "=", "proposal-drafted")
      .executeTakeFirst();
    const author = drafted ? (JSON.parse(drafted.event) as { actor?: unknown }).actor : undefined;
    recipient = typeof author === "string" && author !== reply.author ? localActorId(app.config.publicOrigin, author) : null;
  }
  if (recipient === null) return;
  const person = await trx.selectFrom("actors").select("kind").where("id", "=", recipient).executeTakeFirst();
  if (person?.kind !== "person") return;
  const inserted = await trx
    .insertInto("notifications")
    .values({
      recipient_id: recipient,
      kind: "reply",
      body_id: null,
      proposal_uri: parent.type === "Question" ? reply.inReplyTo : null,
      object_uri: reply.uri,
      actor_uri: reply.author,
    })
    .returning(["id", "recipient_id"])
    .executeTakeFirstOrThrow();
  await announceOnCommit(trx, { type: "notification", id: String(inserted.id), recipient: inserted.recipient_id });
}

/** A new follower of a local person (not of a body: its members see its follow requests) notifies them. */
export async function notifyFollow(trx: Kysely<Schema>, followeeId: string, followerUri: string): Promise<void> {
  const person = await trx.selectFrom("actors").select("kind").where("id", "=", followeeId).executeTakeFirst();
  if (person?.kind !== "person") return;
  const inserted = await trx
    .insertInto("notifications")
    .values({ recipient_id: followeeId, kind: "follow", body_id: null, proposal_uri: null, object_uri: null, actor_uri: followerUri })
    .returning(["id", "recipient_id"])
    .executeTakeFirstOrThrow();
  await announceOnCommit(trx, { type: "notification", id: String(inserted.id), recipient: inserted.recipient_id });
}

/** A person's notifications, newest first. */
export async function listNotifications(ctx: Pick<AppContext, "db">, actorId: string, limit = 50): Promise<NotificationView[]> {
  const rows = await ctx.db.selectFrom("notifications").selectAll().where("recipient_id", "=", actorId).orderBy("id", "desc").limit(limit).execute();
  return rows.map((r) => ({
    id: String(r.id),
    kind: r.kind as NotificationKind,
    bodyId: r.body_id,
    proposalUri: r.proposal_uri,
    objectUri: r.object_uri,
    actorUri: r.actor_uri,
    title: r.title,
    detail: r.detail,
    createdAt: r.created_at,
    read: r.read_at !== null,
  }));
}

export async function unreadNotifications(ctx: Pick<AppContext, "db">, actorId: string): Promise<number> {
  const row = await ctx.db
    .selectFrom("notifications")
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .where("recipient_id", "=", actorId)
    .where("read_at", "is", null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function markNotificationsRead(ctx: Pick<AppContext, "db">, actorId: string): Promise<void> {
  await ctx.db.updateTable("notifications").set({ read_at: new Date() }).where("recipient_id", "=", actorId).where("read_at", "is", null).execute();
}
