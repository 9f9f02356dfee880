import type { InboxContext } from "@fedify/fedify";
import {
  type Accept,
  type Activity,
  type Announce,
  Article,
  Create,
  type Delete,
  Follow,
  Join,
  Mention,
  Note,
  Page,
  Question,
  type Reject,
  type Undo,
  type Update,
  isActor,
  PUBLIC_COLLECTION,
  type Object as APObject,
} from "@fedify/vocab";
import type { Transaction } from "kysely";
import { findActorById } from "../../community/actors.ts";
import { receiveFollow } from "../../community/follows.ts";
import { addressees } from "../../community/memberships.ts";
import { bodyOfThread } from "../../community/posts.ts";
import { sanitizeRemoteHtml } from "../../shared/text.ts";
import type { AppContext } from "../../context.ts";
import { takeInOnce } from "../../community/inbound.ts";
import { announceOnCommit } from "../../community/stream-events.ts";
import type { Schema } from "../../store/schema.ts";
import { announcesOf } from "../../community/announce.ts";
import { keepPost, takeInPublicPost } from "../../community/inbound-post.ts";
import { postToKeep, receivedJsonOf } from "./kept-post.ts";
import { readAct, receiveAct } from "../acts.ts";
import { readNoteAct, receiveHashtagAct } from "./hashtag-acts.ts";
import { proposalOfNote } from "../notice-ids.ts";
import { findProposal, plainText } from "../../decisions/index.ts";
import { receiveJoinRefusal } from "./confederation/join-refusal.ts";
import { receivePersonLeaving } from "./leave.ts";
import { isVote, pollTarget, receiveVote } from "./votes.ts";
import { rememberRemoteActor } from "../../community/remote-actors.ts";
import { rememberSender } from "./senders.ts";
import { actorUri, localActorId } from "../../shared/uris.ts";

// Fedify has verified the signature and that the key belongs to `activity.actor`
// before any of these run. Folkmoot decides who may act: origin, ownership and
// membership are checked here.

type Ctx = InboxContext<AppContext>;

/**
 * Runs `effect` once per activity id, ever: the id is claimed in the same transaction
 * as the effect (see decisions/inbound.ts), so a redelivery (retry, replay, another
 * inbox) has no second effect even after Fedify's idempotence cache has expired.
 */
async function once(app: AppContext, activity: Activity, effect: (trx: Transaction<Schema>) => Promise<void>): Promise<boolean> {
  if (!activity.id || !activity.actorId) return false;
  return (await takeInOnce(app, { activity: activity.id.href, actor: activity.actorId.href, type: typeName(activity) }, effect)) !== null;
}

function typeName(activity: Activity): string {
  return (activity.constructor as { name?: string }).name ?? "Activity";
}

function sameOrigin(a: URL | null | undefined, b: URL | null | undefined): boolean {
  return !!a && !!b && a.origin === b.origin;
}

export async function onFollow(ctx: Ctx, follow: Follow): Promise<void> {
  const app = ctx.data;
  if (!follow.id || !follow.actorId || !follow.objectId) return;
  const followeeId = localActorId(app.config.publicOrigin, follow.objectId);
  if (!followeeId) return;
  const followee = await findActorById(app, followeeId);
  if (!followee || followee.kind === "instance") return;
  const follower = await follow.getActor(ctx);
  if (!follower || !isActor(follower) || follower.id?.href !== follow.actorId.href) return;
  const target = await rememberRemoteActor(app.db, follower);
  if (!target) return;
  await once(app, follow, async (trx) => {
    const state = await receiveFollow(trx, app.config.publicOrigin, followee, follow, target, app.log);
    app.log.info({ follower: target.id, followee: followee.handle, state }, "follow received");
  });
}

export async function onUndo(ctx: Ctx, undo: Undo): Promise<void> {
  const app = ctx.data;
  if (!undo.actorId || !undo.objectId) return;
  const object = await undo.getObject({ crossOrigin: "ignore" }).catch(() => null);
  // Undo(Join): the person who joined leaves the body (their own Join only).
  if (object instanceof Join) {
    if (object.actorId?.href === undo.actorId.href) await receivePersonLeaving(ctx, undo, object.objectId);
    return;
  }
  // Only the follower can undo a follow: the Undo's actor must be the Follow's actor.
  if (object instanceof Follow && object.actorId && object.actorId.href !== undo.actorId.href) return;
  if (object !== null && !(object instanceof Follow)) return;
  await once(app, undo, async (trx) => {
    let q = trx.deleteFrom("follows").where("follower_uri", "=", undo.actorId!.href);
    const followee = object instanceof Follow ? object.objectId : null;
    q = followee
      ? q.where((eb) => eb.or([eb("activity_uri", "=", undo.objectId!.href), eb("followee_uri", "=", followee.href)]))
      : q.where("activity_uri", "=", undo.objectId!.href);
    const removed = await q.executeTakeFirst();
    app.log.info({ follower: undo.actorId!.href, removed: Number(removed.numDeletedRows) }, "follow undone");
  });
}

export async function onAccept(ctx: Ctx, accept: Accept): Promise<void> {
  await answerToOurFollow(ctx, accept, "accepted");
}

export async function onReject(ctx: Ctx, reject: Reject): Promise<void> {
  if (await receiveJoinRefusal(ctx, reject)) return;
  await answerToOurFollow(ctx, reject, "rejected");
}

// Match by our Follow's id, never by re-fetching it (FEP-fe34 would make Fedify fetch our own URL).
async function answerToOurFollow(ctx: Ctx, answer: Accept | Reject, outcome: "accepted" | "rejected"): Promise<void> {
  const app = ctx.data;
  if (!answer.actorId || !answer.objectId) return;
  await once(app, answer, async (trx) => {
    const q = trx.selectFrom("follows").select("id").where("activity_uri", "=", answer.objectId!.href).where("followee_uri", "=", answer.actorId!.href);
    const row = await q.executeTakeFirst();
    if (!row) return;
    if (outcome === "accepted") await trx.updateTable("follows").set({ state: "accepted", accepted_at: new Date() }).where("id", "=", row.id).execute();
    else await trx.deleteFrom("follows").where("id", "=", row.id).execute();
  });
}

function isPost(object: unknown): object is Note | Article | Page {
  return object instanceof Note || object instanceof Article || object instanceof Page;
}

async function addressedLocalActors(app: AppContext, post: APObject, activity: Activity): Promise<Set<string>> {
  const ids = new Set<string>();
  const origin = app.config.publicOrigin;
  const uris = [...post.toIds, ...post.ccIds, ...post.audienceIds, ...activity.toIds, ...activity.ccIds];
  for await (const tag of post.getTags()) if (tag instanceof Mention && tag.href) uris.push(tag.href);
  for (const uri of uris) {
    const id = localActorId(origin, uri);
    if (id) ids.add(id);
  }
  return ids;
}

/**
 * Keeps a remote post (sanitised HTML, the original JSON as text) in the claiming
 * transaction; a post already kept is left as it is.
 */
async function keepRemotePost(
  app: Pick<AppContext, "config">,
  trx: Transaction<Schema>,
  post: Note | Article | Page | Question,
  attributedTo: string,
  audience: string | null,
): Promise<boolean> {
  return await keepPost(app, trx, await postToKeep(post, { attributedTo, audience }));
}

/**
 * A post from another server. It joins a body's record when it is addressed
 * to the body (or replies in one of its threads) and its author is a member;
 * the body then announces it to its followers.
 */
export async function onCreate(ctx: Ctx, create: Create): Promise<void> {
  const app = ctx.data;
  if (!create.id || !create.actorId) return;
  const object = await create.getObject(ctx).catch(() => null);
  if (object instanceof Note && isVote(object) && pollTarget(app.config.publicOrigin, object.replyTargetId!)) {
    // Someone may only vote as themselves.
    if (object.attributionId && object.attributionId.href !== create.actorId.href) return;
    await rememberSender(ctx, create);
    await receiveVote(app, create, object);
    return;
  }
  if (object instanceof Note && object.replyTargetId && pollTarget(app.config.publicOrigin, object.replyTargetId)) {
    const act = await readAct(object);
    if (act !== null) {
      if (object.attributionId?.href !== create.actorId.href) return;
      await rememberSender(ctx, create);
      await receiveAct(app, create, object, act);
      return;
    }
    if (await hashtagActOnProposal(app, ctx, create, object)) return;
  }
  // A reply to the body's note about a proposal (an answer, a notice) acts on the proposal.
  if (object instanceof Note && object.replyTargetId && proposalOfNote(app.config.publicOrigin, object.replyTargetId)) {
    if (await hashtagActOnProposal(app, ctx, create, object)) return;
  }
  // A poll (a body's proposal on another Folkmoot, a Mastodon poll) is kept for the people
  // here who follow its author, as their home timeline's.
  if (object instanceof Question && object.id) {
    if (object.attributionId?.href === create.actorId.href && sameOrigin(object.id, create.actorId)) await keepFromFollowed(ctx, create, object);
    return;
  }
  if (!isPost(object) || !object.id) return;
  // Someone may only create posts that are theirs, on their own server.
  if (object.attributionId?.href !== create.actorId.href || !sameOrigin(object.id, create.actorId)) return;
  const targets = await addressedLocalActors(app, object, create);
  const threadBody = await bodyOfThread(app, object.replyTargetId?.href ?? null);
  if (threadBody) targets.add(threadBody);
  const { bodies, people } = await addressees(app, targets, create.actorId.href);
  if (bodies.length === 0) {
    // A public post of an account followed here is kept for its followers (and those it names).
    if (await keepFromFollowed(ctx, create, object)) return;
    // A note to someone here (a reply, a body's answer about a vote) is kept for them.
    if (people.length === 0) {
      app.log.debug({ activity: create.id.href }, "post not addressed to a body by one of its members, nor to anyone here; ignored");
      return;
    }
    await once(app, create, async (trx) => {
      await keepRemotePost(app, trx, object, create.actorId!.href, null);
    });
    return;
  }
  await rememberSender(ctx, create);
  if (object instanceof Note && (await proposedByHashtag(app, create, object, bodies))) return;
  if (!isPublic(object, create)) {
    // Followers-only, or to the body alone: kept as a note to the body, never passed on in public.
    await once(app, create, async (trx) => {
      await keepRemotePost(app, trx, object, create.actorId!.href, null);
    });
    app.log.info({ post: object.id.href, bodies }, "member post not public: kept, not announced");
    return;
  }
  const announces = [];
  for (const bodyId of bodies) announces.push(...(await announcesOf(app.config.publicOrigin, bodyId, create, object.id)));
  const taken = await takeInPublicPost(
    app,
    { activity: create.id.href, actor: create.actorId.href, type: typeName(create) },
    await postToKeep(object, { attributedTo: create.actorId.href, audience: actorUri(app.config.publicOrigin, bodies[0]!).href, raw: await receivedJsonOf(create, object) }),
    announces,
  );
  if (taken === "kept") app.log.info({ post: object.id.href, bodies }, "member post accepted");
}

/**
 * A public post or poll of an account someone here follows (accepted), sent to its
 * followers: kept with the author as its own `audience`, so it is public here (timelines,
 * search) and on its followers' home timelines, as Mastodon keeps what followed accounts
 * publish. Returns whether it was taken (false: nobody here follows the author, or not public).
 */
async function keepFromFollowed(ctx: Ctx, create: Create, post: Note | Article | Page | Question): Promise<boolean> {
  const app = ctx.data;
  if (!isPublic(post, create)) return false;
  const followed = await app.db.selectFrom("follows").select("id").where("followee_uri", "=", create.actorId!.href).where("state", "=", "accepted").executeTakeFirst();
  if (!followed) return false;
  await rememberSender(ctx, create);
  await once(app, create, async (trx) => {
    await keepRemotePost(app, trx, post, create.actorId!.href, create.actorId!.href);
  });
  return true;
}

/** Addressed to the public (`to` or `cc` of the post or of its `Create`). */
function isPublic(post: { toIds: URL[]; ccIds: URL[] }, create: Create): boolean {
  return [...post.toIds, ...post.ccIds, ...create.toIds, ...create.ccIds].some((id) => id.href === PUBLIC_COLLECTION.href);
}

/** Edits are accepted only from the post's author, on the post's own server. */
export async function onUpdate(ctx: Ctx, update: Update): Promise<void> {
  const app = ctx.data;
  if (!update.actorId || !update.objectId) return;
  if (!sameOrigin(update.objectId, update.actorId)) return;
  const object = await update.getObject(ctx).catch(() => null);
  // A profile changed (Mastodon sends its actor's new document): remember it at once.
  if (isActor(object)) {
    if (object.id?.href === update.actorId.href) await rememberRemoteActor(app.db, object);
    return;
  }
  if (!(isPost(object) || object instanceof Question) || !object.id || object.attributionId?.href !== update.actorId.href) return;
  await once(app, update, async (trx) => {
    await trx
      .updateTable("objects")
      .set({ content: sanitizeRemoteHtml(object.content?.toString() ?? ""), updated: new Date(), raw: JSON.stringify(await object.toJsonLd()) })
      .where("uri", "=", object.id!.href)
      .where("attributed_to", "=", update.actorId!.href)
      .execute();
    await announceOnCommit(trx, { type: "status.update", uri: object.id!.href });
  });
}

/** Deletes are accepted only from the origin that owns the object. */
export async function onDelete(ctx: Ctx, del: Delete): Promise<void> {
  const app = ctx.data;
  if (!del.actorId || !del.objectId) return;
  if (!sameOrigin(del.objectId, del.actorId)) return;
  await once(app, del, async (trx) => {
    if (del.objectId!.href === del.actorId!.href) {
      // An account deleted on its server follows nothing here any more. (Its memberships stay
      // on the record: leaving a body is a decision-record event, not a side effect.)
      await trx.deleteFrom("follows").where("follower_uri", "=", del.actorId!.href).execute();
      return;
    }
    const deleted = await trx
      .updateTable("objects")
      .set({ deleted_at: new Date(), content: "" })
      .where("uri", "=", del.objectId!.href)
      .where("attributed_to", "=", del.actorId!.href)
      .executeTakeFirst();
    if (deleted.numUpdatedRows > 0n) await announceOnCommit(trx, { type: "delete", uri: del.objectId!.href });
  });
}

/**
 * A body someone here follows passes on a post: keep the post, so people here
 * can read what the bodies they follow publish. Both forms count once.
 */
export async function onAnnounce(ctx: Ctx, announce: Announce): Promise<void> {
  const app = ctx.data;
  if (!announce.id || !announce.actorId) return;
  const followed = await app.db.selectFrom("follows").select("id").where("followee_uri", "=", announce.actorId.href).where("state", "=", "accepted").executeTakeFirst();
  if (!followed) return;
  let object = await announce.getObject(ctx).catch(() => null);
  if (object instanceof Create) object = await object.getObject(ctx).catch(() => null);
  if (!isPost(object) || !object.id || !object.attributionId) return;
  const post = object;
  const by = object.attributionId;
  // Its author, remembered once (apps name the author by handle), not fetched again.
  const known = await app.db.selectFrom("remote_actors").select("uri").where("uri", "=", by.href).executeTakeFirst();
  if (!known && !localActorId(app.config.publicOrigin, by)) {
    const author = await post.getAttribution(ctx).catch(() => null);
    if (author && isActor(author) && author.id?.href === by.href) await rememberRemoteActor(app.db, author);
  }
  await once(app, announce, async (trx) => {
    await keepRemotePost(app, trx, post, post.attributionId!.href, announce.actorId!.href);
  });
}

/** Unknown types are accepted (202) and ignored, as the protocol expects. */
export async function onOtherActivity(ctx: Ctx, activity: Activity): Promise<void> {
  ctx.data.log.debug({ activity: activity.id?.href, type: typeName(activity) }, "activity type not handled; ignored");
}

/**
 * A reply to a proposal with an act in hashtags (`#object #cost …`): taken as that act and
 * answered. False when the reply carries no act word: it is deliberation, kept as any post.
 */
async function hashtagActOnProposal(app: AppContext, ctx: Ctx, create: Create, note: Note): Promise<boolean> {
  const origin = app.config.publicOrigin;
  const about = proposalOfNote(origin, note.replyTargetId!);
  const target = pollTarget(origin, note.replyTargetId!) ?? (about ? { proposalId: about, roundId: null } : null);
  if (!target || note.attributionId?.href !== create.actorId!.href) return false;
  const ref = await findProposal(app, target.proposalId);
  if (!ref) return false;
  const reading = await readNoteAct(note, [actorUri(app.config.publicOrigin, ref.bodyId).href]);
  if (reading === null) return false;
  await rememberSender(ctx, create);
  await receiveHashtagAct(app, create, note, reading, { bodyId: ref.bodyId, bodyHandle: ref.bodyHandle, proposal: ref.id, round: target.roundId, title: ref.title });
  return true;
}

/**
 * A member's post to a body with `#propose`: tables a proposal there (only one body: a
 * post to several is refused). Other act words outside a reply to a proposal are ordinary words.
 */
async function proposedByHashtag(app: AppContext, create: Create, note: Note, bodies: string[]): Promise<boolean> {
  const origin = app.config.publicOrigin;
  const reading = await readNoteAct(
    note,
    bodies.map((id) => actorUri(origin, id).href),
  );
  if (reading === null || (reading.ok && reading.act.act !== "propose") || (!reading.ok && !/#propose\b/i.test(plainText(note.content?.toString() ?? "")))) return false;
  const body = await findActorById(app, bodies[0]!);
  if (!body) return false;
  const place = { bodyId: body.id, bodyHandle: body.handle, proposal: null, round: null, title: null };
  if (bodies.length > 1) {
    await receiveHashtagAct(app, create, note, { ok: false, refusal: "a proposal is tabled in one body: mention only that one" }, place);
    return true;
  }
  await receiveHashtagAct(app, create, note, reading, place);
  return true;
}
