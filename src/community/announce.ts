// What a body does with a member's post: it records the two Announces in its outbox, in
// the post's transaction. Posting here and receiving a post (federation/inbox/social.ts) both do it.
import { Announce, PUBLIC_COLLECTION, type Create } from "@fedify/vocab";
import type { Transaction } from "kysely";
import type { Schema } from "../store/schema.ts";
import { recordActivity } from "../community/outbox.ts";
import { activityUri, actorUri, followersUri } from "../shared/uris.ts";

/**
 * A body passes a member's post on to its followers in two forms: the FEP-1b12
 * `Announce(Create(Note))` that group-aware servers (Lemmy, Folkmoot) read, and
 * a plain `Announce(Note)`, the boost that Mastodon understands.
 */
export async function announceToFollowers(
  trx: Transaction<Schema>,
  origin: URL,
  bodyId: string,
  create: Create,
  noteId: URL,
): Promise<void> {
  const body = actorUri(origin, bodyId);
  const common = { actor: body, to: PUBLIC_COLLECTION, cc: followersUri(origin, bodyId) };
  await recordActivity(trx, {
    actorId: bodyId,
    activity: new Announce({ id: activityUri(origin), object: create, ...common }),
    recipients: { followers: true, actors: [] },
    isPublic: true,
  });
  await recordActivity(trx, {
    actorId: bodyId,
    activity: new Announce({ id: activityUri(origin), object: noteId, ...common }),
    recipients: { followers: true, actors: [] },
    isPublic: true,
  });
}
