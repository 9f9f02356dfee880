import { Create, Note, PUBLIC_COLLECTION, type Accept, type Add, type Invite, type Join, type Leave, type Offer, type Reject, type Remove } from "@fedify/vocab";
import type { Kysely } from "kysely";
import { recordActivity, type DeliveryTarget } from "../../community/outbox.ts";
import { announceOnCommit } from "../../community/stream-events.ts";
import { deliveryTargetsFor } from "../../community/remote-actors.ts";
import type { AppContext } from "../../context.ts";
import { toInstant } from "../../shared/time.ts";
import { activityUri, actorUri, followersUri, inboxUri, localActorId, noteUri, SHARED_INBOX_PATH } from "../../shared/uris.ts";
import type { Schema } from "../../store/schema.ts";

// Recording a confederation's activities in the transactional outbox, in the caller's transaction.

type Db = Kysely<Schema>;

/**
 * Where to deliver to each actor: local ones are built, remote ones must have been seen
 * (read in one statement per {@link CHUNK}: a referral goes to every member body).
 */
async function targetsOf(db: Db, app: AppContext, uris: readonly string[]): Promise<Map<string, DeliveryTarget>> {
  const origin = app.config.publicOrigin;
  const found = new Map<string, DeliveryTarget>();
  const remote: string[] = [];
  for (const uri of uris) {
    const local = localActorId(origin, uri);
    if (local !== null) found.set(uri, { id: uri, inbox: inboxUri(origin, local).href, sharedInbox: new URL(SHARED_INBOX_PATH, origin).href });
    else remote.push(uri);
  }
  const unique = [...new Set(remote)];
  for (let i = 0; i < unique.length; i += CHUNK) {
    for (const t of await deliveryTargetsFor(db, unique.slice(i, i + CHUNK))) found.set(t.id, t);
  }
  return found;
}

/** Actors read per statement. */
const CHUNK = 500;

/** Sends an activity from a local actor to the actors listed (local ones included). */
export async function sendTo(
  trx: Db,
  app: AppContext,
  fromId: string,
  activity: Join | Leave | Add | Remove | Invite | Accept | Reject | Offer,
  to: readonly string[],
): Promise<void> {
  const known = await targetsOf(trx, app, to);
  const targets: DeliveryTarget[] = [];
  for (const uri of to) {
    const t = known.get(uri);
    if (t) targets.push(t);
    else app.log.warn({ to: uri, activity: activity.id?.href }, "no inbox known for a confederation recipient; not sent");
  }
  if (targets.length === 0) return;
  await recordActivity(trx as never, { actorId: fromId, activity, recipients: { followers: false, actors: targets, includeLocal: true }, isPublic: false });
}

/** A public note from a body to its followers (and to `also`, on other instances). */
export async function publicNote(trx: Db, app: AppContext, bodyId: string, html: string, url: string, also: readonly string[] = []): Promise<void> {
  const origin = app.config.publicOrigin;
  const body = actorUri(origin, bodyId);
  const id = crypto.randomUUID();
  const published = new Date();
  const note = new Note({
    id: noteUri(origin, id),
    attribution: body,
    to: PUBLIC_COLLECTION,
    cc: followersUri(origin, bodyId),
    content: html,
    url: new URL(url),
    published: toInstant(published),
  });
  await trx
    .insertInto("objects")
    .values({ uri: note.id!.href, local_id: id, type: "Note", attributed_to: body.href, audience: body.href, in_reply_to: null, content: html, url, published })
    .execute();
  await announceOnCommit(trx, { type: "status", uri: note.id!.href });
  const known = await targetsOf(trx, app, also);
  const targets: DeliveryTarget[] = [];
  for (const uri of also) {
    const t = known.get(uri);
    if (t && new URL(t.id).origin !== origin.origin) targets.push(t);
  }
  await recordActivity(trx as never, {
    actorId: bodyId,
    activity: new Create({ id: activityUri(origin), actor: body, object: note, to: PUBLIC_COLLECTION, cc: followersUri(origin, bodyId), published: toInstant(published) }),
    recipients: { followers: true, actors: targets },
    isPublic: true,
  });
}
