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
  const boost = new Announce({ id: activityUri(origin), object: noteId, ...common });
  return [
    { actorId: bodyId, ...(await announceOfCreate(create, origin, common)), recipients, isPublic: true },
    { actorId: bodyId, activity: boost, payload: announceJson(AS_CONTEXT, boost, noteId.href), recipients, isPublic: true },
  ];
}

const AS_CONTEXT = "https://www.w3.org/ns/activitystreams";

/**
 * An Announce written out by hand: Fedify writes every activity (unlike a post without
 * HTML) through the full JSON-LD compaction, about 0.2 ms for the plain boost and more for
 * one that embeds the post. `context` must define the ActivityStreams terms.
 */
function announceJson(context: unknown, announce: Announce, object: unknown): Record<string, unknown> {
  return { "@context": context, id: announce.id!.href, type: "Announce", actor: announce.actorId!.href, object, ...addressing(announce) };
}

/** `to` and `cc` as full IRIs (snac reads the public address in full only); absent when empty, as the compaction leaves them. */
function addressing(activity: { toIds: URL[]; ccIds: URL[] }): { to?: string[]; cc?: string[] } {
  const out: { to?: string[]; cc?: string[] } = {};
  if (activity.toIds.length > 0) out.to = activity.toIds.map((u) => u.href);
  if (activity.ccIds.length > 0) out.cc = activity.ccIds.map((u) => u.href);
  return out;
}

/** The keys a received `Create` may have for its JSON to be written by hand (`signature` is not read: Fedify detaches it). */
const PLAIN_CREATE_KEYS = new Set(["@context", "id", "type", "actor", "object", "to", "cc", "published", "signature"]);
/** Remote contexts whose terms are known not to redefine those keys. */
const KNOWN_CONTEXTS = new Set([AS_CONTEXT, "https://w3id.org/security/v1", "https://w3id.org/security/data-integrity/v1"]);

/**
 * Whether `received` (a `Create` as its server sent it) is one whose meaning is all in
 * {@link PLAIN_CREATE_KEYS} read as ActivityStreams terms: known remote contexts, inline
 * contexts that define none of those keys (Mastodon's define `toot`, `sensitive`, …) and
 * no keyword such as `@vocab`, no other key, and ids (not embedded objects) for the actor
 * and the addressing. Then its id, actor, addressing and date as Fedify read them are all of it.
 */
function isPlainCreate(received: unknown): boolean {
  if (received === null || typeof received !== "object" || Array.isArray(received)) return false;
  const json = received as Record<string, unknown>;
  if (json.type !== "Create" || !Object.keys(json).every((k) => PLAIN_CREATE_KEYS.has(k))) return false;
  // Ids only: an actor embedded as an object is more than its id.
  const ids = (v: unknown) => v === undefined || typeof v === "string" || (Array.isArray(v) && v.every((x) => typeof x === "string"));
  if (typeof json.id !== "string" || !ids(json.actor) || !ids(json.to) || !ids(json.cc) || !(json.published === undefined || typeof json.published === "string")) return false;
  const contexts = Array.isArray(json["@context"]) ? json["@context"] : [json["@context"]];
  return (
    contexts.includes(AS_CONTEXT) &&
    contexts.every((c) =>
      typeof c === "string"
        ? KNOWN_CONTEXTS.has(c)
        : c !== null && typeof c === "object" && !Array.isArray(c) && Object.keys(c).every((term) => !term.startsWith("@") && !PLAIN_CREATE_KEYS.has(term)),
    )
  );
}

/**
 * The `Announce(Create)` as the body passes a post on: a remote post's HTML sanitised as
 * the inbox kept it (scripts, frames and `javascript:` links never leave through the body),
 * the rest as its author sent it. A post written here is passed on as it is; a post not
 * embedded is referred to by its id only (nothing is fetched inside the transaction).
 *
 * The JSON-LD compaction of the whole tree cost about 1 ms a post, the largest part of
 * taking one in. So the post is written by Fedify without its HTML (a post without
 * `content`, `summary` and `name` is written without the JSON-LD algorithm), the sanitised
 * HTML is put back under `content` and `summary`, where the compaction would have put a
 * plain string, and the `Create` and the `Announce` around it are written by hand when the
 * received `Create` holds nothing else than they write ({@link isPlainCreate}).
 * `test/unit/announce-json.test.ts` checks that both forms expand to the same.
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
  const written = (await bare.toJsonLd()) as Record<string, unknown>;
  // A post that did not come back from Fedify as itself without its HTML, or a `Create`
  // with more in it than is written here: the whole Announce the slow way.
  if (!create.id || create.actorIds.length === 0 || written.id !== post.id?.href || "content" in written || !("@context" in written) || !isPlainCreate(await create.toJsonLd())) {
    return {
      activity: new Announce({
        id: activityUri(origin),
        object: create.clone({ object: post.clone({ content, summary: summary === undefined ? null : sanitizeRemoteHtml(summary), source: null }) }),
        ...common,
      }),
    };
  }
  const { "@context": context, ...note } = written;
  note.content = content;
  if (summary !== undefined) note.summary = sanitizeRemoteHtml(summary);
  const wrapped: Record<string, unknown> = { id: create.id.href, type: "Create", actor: create.actorIds.map((u) => u.href), object: note, ...addressing(create) };
  if (create.published) wrapped.published = create.published.toString();
  return { activity, payload: announceJson(context, activity, wrapped) };
}
