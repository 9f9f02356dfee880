// A post from another server kept in `objects`: in the transaction of an activity's claim
// (`keepPost`), or, for a member's public post, the commonest activity an inbox takes in,
// by one statement: the claim of its id in `inbox_log`, the post kept, the body's
// two Announces recorded in its outbox and the stream event, all or none. It is the same
// record and the same guarantee as `takeInOnce` with those four writes (community/inbound.ts)
// in two fewer round trips than a transaction (no BEGIN, no COMMIT): one statement commits
// atomically on its own. A reply also notifies whom it answers, so it takes a transaction.
import { type Kysely, sql, type Transaction } from "kysely";
import type { AppContext } from "../context.ts";
import type { Schema } from "../store/schema.ts";
import type { InboundClaim } from "./inbound.ts";
import { notifyReply } from "./notifications.ts";
import { type ActivityToRecord, activitiesToInsert } from "./outbox.ts";
import { announceOnCommit, STREAM_CHANNEL } from "./stream-events.ts";

/** The post as it is kept in `objects` (content already sanitised). */
export interface PostToKeep {
  uri: string;
  type: string;
  attributedTo: string;
  /** The body whose thread it joins, or the followed author whose timeline it is on; null: a note to people here. */
  audience: string | null;
  inReplyTo: string | null;
  content: string;
  /** Plain text of the content, for the notice of a reply. */
  text: string;
  url: string | null;
  published: Date;
  /** The document as received (text, never jsonb). */
  raw: string;
}

/**
 * Keeps a post in the transaction that claimed its activity (community/inbound.ts); a post
 * already kept is left as it is. A new one notifies whom it answers and is streamed on
 * commit. Returns whether it was new.
 */
export async function keepPost(app: Pick<AppContext, "config">, trx: Transaction<Schema>, post: PostToKeep): Promise<boolean> {
  const inserted = await trx
    .insertInto("objects")
    .values({
      uri: post.uri,
      type: post.type,
      attributed_to: post.attributedTo,
      audience: post.audience,
      in_reply_to: post.inReplyTo,
      content: post.content,
      url: post.url,
      published: post.published,
      raw: post.raw,
    })
    .onConflict((oc) => oc.column("uri").doNothing())
    .returning("uri")
    .executeTakeFirst();
  if (inserted === undefined) return false;
  await notifyReply(trx, app, { uri: post.uri, inReplyTo: post.inReplyTo, author: post.attributedTo, audience: post.audience, text: post.text });
  await announceOnCommit(trx, { type: "status", uri: post.uri });
  return true;
}

/** duplicate: this activity was taken in before; known: the post was kept before (through another activity). */
export type PostTakenIn = "kept" | "known" | "duplicate";

/** Takes in a public post to bodies (its `audience` the first): claimed, kept and announced together, once. */
export async function takeInPublicPost(
  app: Pick<AppContext, "db" | "config" | "log" | "deliveries">,
  claim: InboundClaim,
  post: PostToKeep,
  announces: readonly ActivityToRecord[],
): Promise<PostTakenIn> {
  const announced = await activitiesToInsert(announces);
  const statement = sql<{ claimed: number; kept: number; to_hand_off: number; streamed: number }>`
    with claim as (
      insert into inbox_log (activity_uri, scope, actor_uri, type)
      values (${claim.activity}, ${claim.scope ?? ""}, ${claim.actor}, ${claim.type})
      on conflict (activity_uri, scope) do nothing
      returning activity_uri),
    kept as (
      insert into objects (uri, type, attributed_to, audience, in_reply_to, content, url, published, raw)
      select ${post.uri}::text, ${post.type}::text, ${post.attributedTo}::text, ${post.audience}::text, ${post.inReplyTo}::text,
             ${post.content}::text, ${post.url}::text, ${post.published.toISOString()}::timestamptz, ${post.raw}::text
      where exists (select 1 from claim)
      on conflict (uri) do nothing
      returning uri),
    announced as (
      insert into activities (uri, actor_id, type, object_uri, payload, recipients, public, enqueued_at)
      select * from (${announced}) as a (uri, actor_id, type, object_uri, payload, recipients, public, enqueued_at) where exists (select 1 from kept)
      returning enqueued_at),
    streamed as (
      select pg_notify(${STREAM_CHANNEL}, ${JSON.stringify({ type: "status", uri: post.uri })}) from kept)
    select (select count(*) from claim)::int as claimed, (select count(*) from kept)::int as kept,
           (select count(*) from announced where enqueued_at is null)::int as to_hand_off,
           (select count(*) from streamed)::int as streamed`;
  const run = async (db: Kysely<Schema>) => {
    const row = (await statement.execute(db)).rows[0]!;
    if (row.kept > 0 && post.inReplyTo !== null)
      await notifyReply(db, app, { uri: post.uri, inReplyTo: post.inReplyTo, author: post.attributedTo, audience: post.audience, text: post.text });
    return row;
  };
  const row = post.inReplyTo === null ? await run(app.db) : await app.db.transaction().execute(run);
  if (row.claimed === 0) {
    app.log.debug({ activity: claim.activity }, "duplicate activity ignored");
    return "duplicate";
  }
  if (row.to_hand_off > 0) app.deliveries.kick();
  return row.kept > 0 ? "kept" : "known";
}
