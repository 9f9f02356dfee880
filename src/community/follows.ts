import type { Logger } from "../logging.ts";
import { Accept, Follow, Reject, Undo } from "@fedify/vocab";
import type { Transaction } from "kysely";
import type { AppContext } from "../context.ts";
import { recordActivity, type DeliveryTarget } from "./outbox.ts";
import { deliveryTargetFor, resolveRemoteActor } from "./remote-actors.ts";
import { notifyFollow } from "./notifications.ts";
import { activityUri, actorUri } from "../shared/uris.ts";
import type { Schema } from "../store/schema.ts";
import { findActorById, findBody } from "./actors.ts";
import { isMember } from "./memberships.ts";
import { originOf, pendingFollowCutoff, pendingFollowsFull, warnOriginAtLimit } from "./origin-limits.ts";
import { ok, type Result, failWith } from "../shared/result.ts";

export interface FollowRequest {
  id: string;
  follower: string;
  handle: string | null;
  name: string | null;
  requestedAt: Date;
}

/** A local account follows a remote actor (a person or a body elsewhere). */
export async function followRemote(app: AppContext, actorId: string, target: string): Promise<Result<{ target: string; state: "pending" | "accepted" }>> {
  const origin = app.config.publicOrigin;
  const actor = await findActorById(app, actorId);
  if (!actor) return failWith("not-found", "no-such-account", "no such account");
  const remote = await resolveRemoteActor(app, target);
  if (!remote?.id || !remote.inboxId) return failWith("unreachable", "account-unreachable", `could not find "${target}"`, { field: "target", params: { who: target } });
  if (remote.id.origin === origin.origin) return failWith("invalid", "follow-here-on-pages", "follow local accounts and bodies on their pages", { field: "target" });
  const followerUri = actorUri(origin, actor.id);
  const existing = await app.db.selectFrom("follows").select("state").where("follower_uri", "=", followerUri.href).where("followee_uri", "=", remote.id.href).executeTakeFirst();
  if (existing) return ok({ target: remote.id.href, state: existing.state });
  const follow = new Follow({ id: activityUri(origin), actor: followerUri, object: remote.id });
  const targetInbox = await deliveryTargetFor(app.db, remote.id.href);
  await app.db.transaction().execute(async (trx) => {
    await trx.insertInto("follows").values({ follower_uri: followerUri.href, followee_uri: remote.id!.href, activity_uri: follow.id!.href, state: "pending" }).execute();
    await recordActivity(trx, { actorId: actor.id, activity: follow, recipients: { followers: false, actors: targetInbox ? [targetInbox] : [] }, isPublic: false });
  });
  app.deliveries.kick();
  return ok({ target: remote.id.href, state: "pending" });
}

/**
 * A local account stops following a remote actor (by its URI): the row goes, and an
 * `Undo` of the `Follow` (its original id) goes to the actor's inbox, pending or accepted.
 * Not following it is no error (nothing is sent).
 */
export async function unfollowRemote(app: AppContext, actorId: string, targetUri: string): Promise<Result<{ target: string; undone: boolean }>> {
  const origin = app.config.publicOrigin;
  const actor = await findActorById(app, actorId);
  if (!actor) return failWith("not-found", "no-such-account", "no such account");
  const followerUri = actorUri(origin, actor.id);
  const row = await app.db
    .selectFrom("follows")
    .select(["id", "activity_uri"])
    .where("follower_uri", "=", followerUri.href)
    .where("followee_uri", "=", targetUri)
    .executeTakeFirst();
  if (!row) return ok({ target: targetUri, undone: false });
  const targetInbox = await deliveryTargetFor(app.db, targetUri);
  const follow = new Follow({ id: new URL(row.activity_uri), actor: followerUri, object: new URL(targetUri) });
  await app.db.transaction().execute(async (trx) => {
    await trx.deleteFrom("follows").where("id", "=", row.id).execute();
    if (targetInbox) {
      await recordActivity(trx, {
        actorId: actor.id,
        activity: new Undo({ id: activityUri(origin), actor: followerUri, object: follow }),
        recipients: { followers: false, actors: [targetInbox] },
        isPublic: false,
      });
    }
  });
  if (targetInbox) app.deliveries.kick();
  return ok({ target: targetUri, undone: true });
}

/**
 * Records an incoming follow of a local actor, in the inbox handler's
 * transaction. Open actors accept at once; bodies that approve followers keep
 * it pending until a member approves it (or it expires), and refuse it
 * unrecorded when too many from the follower's origin are waiting.
 */
export async function receiveFollow(
  trx: Transaction<Schema>,
  origin: URL,
  followee: { id: string; manually_approves_followers: boolean },
  follow: Follow,
  follower: DeliveryTarget,
  log: Logger,
): Promise<"accepted" | "pending" | "refused"> {
  const state = followee.manually_approves_followers ? "pending" : "accepted";
  const followeeUri = actorUri(origin, followee.id).href;
  // A body that approves followers keeps only so many requests from one origin waiting; more are not recorded.
  if (state === "pending" && (await pendingFollowsFull(trx, followeeUri, follower.id))) {
    const known = await trx.selectFrom("follows").select("id").where("follower_uri", "=", follower.id).where("followee_uri", "=", followeeUri).executeTakeFirst();
    if (!known) {
      warnOriginAtLimit(log, originOf(follower.id) ?? follower.id, "pending follow requests", { followee: followeeUri });
      return "refused";
    }
  }
  const before = await trx.selectFrom("follows").select("id").where("follower_uri", "=", follower.id).where("followee_uri", "=", followeeUri).executeTakeFirst();
  // A repeated Follow (new id, same pair) replaces the old one so the Accept matches the latest.
  await trx
    .insertInto("follows")
    .values({ follower_uri: follower.id, followee_uri: followeeUri, activity_uri: follow.id!.href, state, accepted_at: state === "accepted" ? new Date() : null })
    .onConflict((oc) =>
      oc.columns(["follower_uri", "followee_uri"]).doUpdateSet((eb) => ({
        activity_uri: follow.id!.href,
        // An accepted follow stays accepted.
        state: eb.case().when("follows.state", "=", "accepted").then("accepted").else(state).end() as never,
      })),
    )
    .execute();
  const current = await trx.selectFrom("follows").select("state").where("follower_uri", "=", follower.id).where("followee_uri", "=", followeeUri).executeTakeFirstOrThrow();
  if (!before) await notifyFollow(trx, followee.id, follower.id);
  if (current.state === "accepted") {
    await recordActivity(trx, {
      actorId: followee.id,
      activity: new Accept({ id: activityUri(origin), actor: new URL(followeeUri), object: follow }),
      recipients: { followers: false, actors: [follower] },
      isPublic: false,
    });
  }
  return current.state;
}

async function memberOfBody(app: AppContext, bodyHandle: string, actorId: string) {
  const body = await findBody(app, bodyHandle);
  if (!body.ok) return body;
  if (!(await isMember(app, body.value.id, actorUri(app.config.publicOrigin, actorId).href))) {
    return failWith("forbidden", "not-a-member", `only members of ${body.value.handle} may do that`, { params: { handle: body.value.handle } });
  }
  return body;
}

export async function listFollowRequests(app: AppContext, bodyHandle: string, actorId: string | null): Promise<Result<FollowRequest[]>> {
  const body = actorId === null ? await findBody(app, bodyHandle) : await memberOfBody(app, bodyHandle, actorId);
  if (!body.ok) return body;
  const rows = await app.db
    .selectFrom("follows")
    .leftJoin("remote_actors", "remote_actors.uri", "follows.follower_uri")
    .select(["follows.id", "follows.follower_uri", "follows.created_at", "remote_actors.handle", "remote_actors.name"])
    .where("follows.followee_uri", "=", actorUri(app.config.publicOrigin, body.value.id).href)
    .where("follows.state", "=", "pending")
    .where("follows.created_at", ">", pendingFollowCutoff())
    .orderBy("follows.id")
    .execute();
  return ok(rows.map((r) => ({ id: String(r.id), follower: r.follower_uri, handle: r.handle, name: r.name, requestedAt: r.created_at })));
}

/** A member (or the operator, with `actorId` null) approves or refuses a pending follow of a body. */
export async function decideFollowRequest(
  app: AppContext,
  bodyHandle: string,
  requestId: string,
  decision: "accept" | "reject",
  actorId: string | null,
): Promise<Result<{ follower: string; state: "accepted" | "rejected" }>> {
  const origin = app.config.publicOrigin;
  const body = actorId === null ? await findBody(app, bodyHandle) : await memberOfBody(app, bodyHandle, actorId);
  if (!body.ok) return body;
  if (!/^\d+$/.test(requestId)) return failWith("invalid", "no-such-follow-request", "a request id is a number", { field: "id" });
  const bodyUri = actorUri(origin, body.value.id);
  const row = await app.db.selectFrom("follows").selectAll().where("id", "=", requestId).where("followee_uri", "=", bodyUri.href).where("state", "=", "pending").executeTakeFirst();
  if (!row) return failWith("not-found", "no-such-follow-request", "no such pending follow request");
  const target = await deliveryTargetFor(app.db, row.follower_uri);
  const follow = new Follow({ id: new URL(row.activity_uri), actor: new URL(row.follower_uri), object: bodyUri });
  await app.db.transaction().execute(async (trx) => {
    if (decision === "accept") {
      await trx.updateTable("follows").set({ state: "accepted", accepted_at: new Date() }).where("id", "=", row.id).execute();
    } else {
      await trx.deleteFrom("follows").where("id", "=", row.id).execute();
    }
    const Response = decision === "accept" ? Accept : Reject;
    await recordActivity(trx, {
      actorId: body.value.id,
      activity: new Response({ id: activityUri(origin), actor: bodyUri, object: follow }),
      recipients: { followers: false, actors: target ? [target] : [] },
      isPublic: false,
    });
  });
  app.deliveries.kick();
  return ok({ follower: row.follower_uri, state: decision === "accept" ? "accepted" : "rejected" });
}
