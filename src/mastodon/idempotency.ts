import type { AppContext } from "../context.ts";
import { type StatusRow, statusQuery } from "./status-entity.ts";

// `Idempotency-Key` on posting, as Mastodon: for an hour, a request sent again with the same
// key by the same account gives the status the first one made, and makes no second post.

const KEPT_MS = 60 * 60 * 1000;

/** "claimed" (go ahead), "in-flight" (the first request has not finished), or the post's URI. */
export async function claimKey(app: AppContext, actorId: string, key: string): Promise<"claimed" | "in-flight" | string> {
  await app.db
    .deleteFrom("mastodon_idempotency")
    .where("created_at", "<", new Date(Date.now() - KEPT_MS))
    .execute();
  const inserted = await app.db
    .insertInto("mastodon_idempotency")
    .values({ actor_id: actorId, key })
    .onConflict((oc) => oc.columns(["actor_id", "key"]).doNothing())
    .returning("key")
    .executeTakeFirst();
  if (inserted) return "claimed";
  const row = await app.db.selectFrom("mastodon_idempotency").select("object_uri").where("actor_id", "=", actorId).where("key", "=", key).executeTakeFirst();
  return row?.object_uri ?? "in-flight";
}

export async function settleKey(app: AppContext, actorId: string, key: string, uri: string): Promise<void> {
  await app.db.updateTable("mastodon_idempotency").set({ object_uri: uri }).where("actor_id", "=", actorId).where("key", "=", key).execute();
}

/** A request that failed frees its key: sending it again tries again. */
export async function releaseKey(app: AppContext, actorId: string, key: string): Promise<void> {
  await app.db.deleteFrom("mastodon_idempotency").where("actor_id", "=", actorId).where("key", "=", key).execute();
}

export async function keptStatus(app: AppContext, uri: string): Promise<StatusRow | null> {
  return (await statusQuery(app).where("objects.uri", "=", uri).executeTakeFirst()) ?? null;
}
