import { Delete, PUBLIC_COLLECTION, Tombstone } from "@fedify/vocab";
import type { AppContext } from "../context.ts";
import { ok, type Result, failWith } from "../shared/result.ts";
import { toInstant } from "../shared/time.ts";
import { activityUri, actorUri, followersUri, localActorId } from "../shared/uris.ts";
import { type DeliveryTarget, recordActivity } from "./outbox.ts";
import type { ObjectRow } from "./posts.ts";
import { deliveryTargetFor } from "./remote-actors.ts";

// A person deletes a post of theirs written here. The post stays as a tombstone row (its
// replies keep their place in the thread); its text goes. If it was federated, a `Delete`
// with a `Tombstone` goes where its `Create` went: the author's followers and those of the
// body that passed it on.

const MAX_BODY_FOLLOWERS = 10_000;

/** Deletes `uri` if `authorId` wrote it here; "not-found" otherwise (another's post looks absent). */
export async function deleteOwnPost(app: AppContext, authorId: string, uri: string): Promise<Result<ObjectRow>> {
  const origin = app.config.publicOrigin;
  const author = actorUri(origin, authorId);
  const post = await app.db
    .selectFrom("objects")
    .selectAll()
    .where("uri", "=", uri)
    .where("attributed_to", "=", author.href)
    .where("local_id", "is not", null)
    .where("type", "=", "Note")
    .where("deleted_at", "is", null)
    .executeTakeFirst();
  if (!post) return failWith("not-found", "no-such-post", "no such post of yours");
  const federated = await app.db.selectFrom("activities").select("uri").where("object_uri", "=", uri).where("type", "=", "Create").executeTakeFirst();
  const extra: DeliveryTarget[] = [];
  const bodyId = post.audience ? localActorId(origin, post.audience) : null;
  if (federated && post.audience && bodyId) {
    const followers = await app.db
      .selectFrom("follows")
      .select("follower_uri")
      .where("followee_uri", "=", post.audience)
      .where("state", "=", "accepted")
      .limit(MAX_BODY_FOLLOWERS)
      .execute();
    for (const f of followers) {
      if (localActorId(origin, f.follower_uri)) continue;
      const target = await deliveryTargetFor(app.db, f.follower_uri);
      if (target) extra.push(target);
    }
  }
  const now = new Date();
  await app.db.transaction().execute(async (trx) => {
    await trx.updateTable("objects").set({ deleted_at: now, content: "", summary: null }).where("uri", "=", uri).execute();
    if (!federated) return;
    const del = new Delete({
      id: activityUri(origin),
      actor: author,
      object: new Tombstone({ id: new URL(uri), deleted: toInstant(now) }),
      to: PUBLIC_COLLECTION,
      ccs: [followersUri(origin, authorId), ...(bodyId ? [actorUri(origin, bodyId), followersUri(origin, bodyId)] : [])],
    });
    await recordActivity(trx, { actorId: authorId, activity: del, recipients: { followers: true, actors: extra }, isPublic: true });
  });
  if (federated) app.deliveries.kick();
  app.log.info({ post: uri }, "post deleted by its author");
  return ok(post);
}
