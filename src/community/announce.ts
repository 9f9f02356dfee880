// What a body does with a member's post: it records the two Announces in its outbox, in
// the post's transaction. Posting here and receiving a post (federation/inbox/social.ts) both do it.
import { Announce, Article, Note, Page, PUBLIC_COLLECTION, type Create } from "@fedify/vocab";
import type { Transaction } from "kysely";
import type { Schema } from "../store/schema.ts";
import { type ActivityToRecord, recordActivities } from "../community/outbox.ts";
import { sanitizeRemoteHtml } from "../shared/text.ts";
import { activityUri, actorUri, followersUri } from "../shared/uris.ts";

/**
 * A body passes a member's post on to its followers in two forms: the FEP-1b12
 * `Announce(Create(Note))` that group-aware servers (Lemmy, Folkmoot) read, and
 * a plain `Announce(Note)`, the boost that Mastodon understands.
 */
export async function announceToFollowers(trx: Transaction<Schema>, origin: URL, bodyId: string, create: Create, noteId: URL): Promise<void> {
  await recordActivities(trx, await announcesOf(origin, bodyId, create, noteId));
}

/** The two Announces of {@link announceToFollowers}, to be recorded by the caller. */
export async function announcesOf(origin: URL, bodyId: string, create: Create, noteId: URL): Promise<ActivityToRecord[]> {
  const body = actorUri(origin, bodyId);
  const common = { actor: body, to: PUBLIC_COLLECTION, cc: followersUri(origin, bodyId) };
  const recipients = { followers: true, actors: [] };
  return [
    { actorId: bodyId, activity: new Announce({ id: activityUri(origin), object: await withSanitisedPost(create, origin), ...common }), recipients, isPublic: true },
    { actorId: bodyId, activity: new Announce({ id: activityUri(origin), object: noteId, ...common }), recipients, isPublic: true },
  ];
}

/**
 * The `Create` as the body passes it on: a remote post's HTML sanitised as the inbox kept
 * it (scripts, frames and `javascript:` links never leave through the body), the rest as
 * its author sent it. A post written here is passed on as it is; a post not embedded is
 * referred to by its id only (nothing is fetched inside the transaction).
 */
async function withSanitisedPost(create: Create, origin: URL): Promise<Create> {
  const post = await create
    .getObject({
      crossOrigin: "trust",
      documentLoader: () => Promise.reject(new Error("not fetched while announcing")),
    })
    .catch(() => null);
  if (post?.id?.origin === origin.origin) return create;
  if (!(post instanceof Note || post instanceof Article || post instanceof Page)) return create.clone({ object: create.objectId });
  const summary = post.summary?.toString();
  return create.clone({
    object: post.clone({
      content: sanitizeRemoteHtml(post.content?.toString() ?? ""),
      summary: summary === undefined ? null : sanitizeRemoteHtml(summary),
      source: null,
    }),
  });
}
