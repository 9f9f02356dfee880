import { Create, Mention, Note, PUBLIC_COLLECTION } from "@fedify/vocab";
import type { Selectable } from "kysely";
import type { AppContext } from "../context.ts";
import { announceToFollowers } from "./announce.ts";
import { recordActivity, type DeliveryTarget } from "./outbox.ts";
import { deliveryTargetFor } from "./remote-actors.ts";
import { toInstant } from "../shared/time.ts";
import { activityUri, actorUri, followersUri, isLocal, localActorId, noteUri } from "../shared/uris.ts";
import type { ObjectsTable } from "../store/app-tables.ts";
import { findActorById, findBody } from "./actors.ts";
import { isMember } from "./memberships.ts";
import { failWith, ok, type Result } from "../shared/result.ts";
import { textToHtml } from "../shared/text.ts";
import { notifyReply } from "./notifications.ts";
import { announceOnCommit } from "./stream-events.ts";

export type ObjectRow = Selectable<ObjectsTable>;

export const MAX_POST_LENGTH = 20_000;
export const MAX_SUMMARY_LENGTH = 500;

export interface NewPost {
  text: string;
  inReplyTo?: string;
  /** A content warning shown before the text (Mastodon's `spoiler_text`). */
  summary?: string;
}

/** A member posts to a body: the post is theirs, the body announces it to its followers. */
export async function postToBody(app: AppContext, authorId: string, bodyHandle: string, input: NewPost): Promise<Result<ObjectRow>> {
  const origin = app.config.publicOrigin;
  const body = await findBody(app, bodyHandle);
  if (!body.ok) return body;
  const author = await findActorById(app, authorId);
  if (author?.kind !== "person") return failWith("forbidden", "only-people-post", "only people post to a body");
  const authorUri = actorUri(origin, author.id);
  if (!(await isMember(app, body.value.id, authorUri.href))) {
    return failWith("forbidden", "not-a-member", `only members of ${body.value.handle} may post to it`, { params: { handle: body.value.handle } });
  }
  const text = input.text ?? "";
  if (text.trim() === "") return failWith("invalid", "post-empty", "a post needs some text", { field: "text" });
  if (text.length > MAX_POST_LENGTH)
    return failWith("invalid", "post-too-long", `a post has at most ${MAX_POST_LENGTH} characters`, { field: "text", params: { max: MAX_POST_LENGTH } });
  const summary = input.summary?.trim() || null;
  if (summary !== null && summary.length > MAX_SUMMARY_LENGTH)
    return failWith("invalid", "warning-too-long", `a content warning has at most ${MAX_SUMMARY_LENGTH} characters`, { field: "summary", params: { max: MAX_SUMMARY_LENGTH } });

  let parent: ObjectRow | undefined;
  if (input.inReplyTo) {
    parent = await app.db.selectFrom("objects").selectAll().where("uri", "=", input.inReplyTo).where("deleted_at", "is", null).executeTakeFirst();
    if (!parent) return failWith("invalid", "reply-unknown", "the post replied to is not known here", { field: "inReplyTo" });
  }
  const bodyUri = actorUri(origin, body.value.id);
  const id = crypto.randomUUID();
  const uri = noteUri(origin, id);
  const published = new Date();
  const content = textToHtml(text);

  // Someone on another server who wrote the parent should hear of the reply.
  const extra: DeliveryTarget[] = [];
  if (parent && !isLocal(origin, parent.attributed_to)) {
    const target = await deliveryTargetFor(app.db, parent.attributed_to);
    if (target) extra.push(target);
  }
  const note = new Note({
    id: uri,
    attribution: authorUri,
    audience: bodyUri,
    to: PUBLIC_COLLECTION,
    ccs: [bodyUri, followersUri(origin, author.id), ...extra.map((t) => new URL(t.id))],
    content,
    summary,
    sensitive: summary !== null ? true : null,
    published: toInstant(published),
    replyTarget: parent ? new URL(parent.uri) : null,
    url: new URL(`/notes/${id}`, origin),
    tags: [new Mention({ href: bodyUri, name: `@${body.value.handle}@${origin.host}` })],
  });
  const create = new Create({
    id: activityUri(origin),
    actor: authorUri,
    object: note,
    to: PUBLIC_COLLECTION,
    ccs: note.ccIds,
    published: toInstant(published),
  });
  const row = await app.db.transaction().execute(async (trx) => {
    const inserted = await trx
      .insertInto("objects")
      .values({
        uri: uri.href,
        local_id: id,
        type: "Note",
        attributed_to: authorUri.href,
        audience: bodyUri.href,
        in_reply_to: parent?.uri ?? null,
        content,
        summary,
        url: note.url instanceof URL ? note.url.href : null,
        published,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordActivity(trx, { actorId: author.id, activity: create, recipients: { followers: true, actors: extra }, isPublic: true });
    await notifyReply(trx, app, { uri: uri.href, inReplyTo: parent?.uri ?? null, author: authorUri.href, audience: bodyUri.href });
    await announceToFollowers(trx, origin, body.value.id, create, uri);
    await announceOnCommit(trx, { type: "status", uri: uri.href });
    return inserted;
  });
  app.deliveries.kick();
  return ok(row);
}

export interface ThreadNode {
  uri: string;
  attributedTo: string;
  content: string;
  published: Date;
  replies: ThreadNode[];
}

/** A post with every reply below it, oldest first at each level. */
export async function getThread(app: AppContext, rootUri: string): Promise<Result<ThreadNode>> {
  const rows = await app.db
    .withRecursive("thread", (db) =>
      db
        .selectFrom("objects")
        .select(["uri", "attributed_to", "content", "published", "in_reply_to"])
        .where("uri", "=", rootUri)
        .where("deleted_at", "is", null)
        .unionAll((qb) =>
          qb
            .selectFrom("objects")
            .innerJoin("thread", "thread.uri", "objects.in_reply_to")
            .select(["objects.uri", "objects.attributed_to", "objects.content", "objects.published", "objects.in_reply_to"])
            .where("objects.deleted_at", "is", null),
        ),
    )
    .selectFrom("thread")
    .selectAll()
    .orderBy("published")
    .limit(5000)
    .execute();
  if (rows.length === 0) return failWith("not-found", "no-such-post", "no such post");
  const nodes = new Map<string, ThreadNode>();
  for (const r of rows) nodes.set(r.uri, { uri: r.uri, attributedTo: r.attributed_to, content: r.content, published: r.published, replies: [] });
  for (const r of rows) if (r.in_reply_to && r.uri !== rootUri) nodes.get(r.in_reply_to)?.replies.push(nodes.get(r.uri)!);
  return ok(nodes.get(rootUri)!);
}

/** The thread below a post written here, by the id in its local URL (/notes/:id). */
export async function getLocalThread(app: AppContext, localId: string): Promise<Result<ThreadNode>> {
  const row = await app.db.selectFrom("objects").select("uri").where("local_id", "=", localId).executeTakeFirst();
  return row ? getThread(app, row.uri) : failWith("not-found", "no-such-post", "no such post");
}

/** The body that a post belongs to: its own audience, or the audience of the post it replies to. */
export async function bodyOfThread(app: Pick<AppContext, "db" | "config">, inReplyTo: string | null): Promise<string | null> {
  let uri = inReplyTo;
  for (let depth = 0; uri && depth < 50; depth++) {
    const row = await app.db.selectFrom("objects").select(["audience", "in_reply_to"]).where("uri", "=", uri).executeTakeFirst();
    if (!row) return null;
    if (row.audience) return localActorId(app.config.publicOrigin, row.audience);
    uri = row.in_reply_to;
  }
  return null;
}
