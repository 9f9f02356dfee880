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
    { actorId: bodyId, ...(await announceOfCreate(create, origin, common)), recipients, isPublic: true },
    { actorId: bodyId, activity: new Announce({ id: activityUri(origin), object: noteId, ...common }), recipients, isPublic: true },
  ];
}

/**
 * The `Announce(Create)` as the body passes a post on: a remote post's HTML sanitised as
 * the inbox kept it (scripts, frames and `javascript:` links never leave through the body),
 * the rest as its author sent it. A post written here is passed on as it is; a post not
 * embedded is referred to by its id only (nothing is fetched inside the transaction).
 *
 * Fedify compacts an object with `content` or `summary` through the full JSON-LD
 * algorithm (about 4 ms a post, the largest part of taking one in); without them it writes
 * the JSON itself. So the post is serialised without its HTML, and the sanitised HTML is
 * put back under `content` and `summary`, where the compaction would have put a plain
 * string (`test/unit/announce-json.test.ts` checks that both expand to the same).
 */
async function announceOfCreate(
  create: Create,
  origin: URL,
  common: Omit<ConstructorParameters<typeof Announce>[0], "id" | "object">,
): Promise<{ activity: Announce; payload?: unknown }> {
  const post = await create
    .getObject({
      crossOrigin: "trust",
      documentLoader: () => Promise.reject(new Error("not fetched while announcing")),
    })
    .catch(() => null);
  if (post?.id?.origin === origin.origin) return { activity: new Announce({ id: activityUri(origin), object: create, ...common }) };
  if (!(post instanceof Note || post instanceof Article || post instanceof Page)) {
    return { activity: new Announce({ id: activityUri(origin), object: create.clone({ object: create.objectId }), ...common }) };
  }
  const content = sanitizeRemoteHtml(post.content?.toString() ?? "");
  const summary = post.summary?.toString();
  const bare = post.clone({ contents: [], summaries: [], source: null });
  const activity = new Announce({ id: activityUri(origin), object: create.clone({ object: bare }), ...common });
  const payload = (await activity.toJsonLd()) as { object?: { object?: Record<string, unknown> } };
  const note = payload.object?.object;
  // A post Fedify could not write without the JSON-LD algorithm (a `name`, say) comes back
  // without the expected shape: then the whole Announce is written the slow way.
  if (note === undefined || typeof note !== "object" || note.id !== post.id?.href || "content" in note) {
    return {
      activity: new Announce({
        id: activityUri(origin),
        object: create.clone({ object: post.clone({ content, summary: summary === undefined ? null : sanitizeRemoteHtml(summary), source: null }) }),
        ...common,
      }),
    };
  }
  note.content = content;
  if (summary !== undefined) note.summary = sanitizeRemoteHtml(summary);
  return { activity, payload };
}
