// Remote actors as the services know them: looked up (WebFinger, through the Federation
// object every AppContext holds), remembered in `remote_actors`, and read back as delivery
// targets. Following and admitting members need it, so it sits with them, not in federation/.
import { isActor, type Actor } from "@fedify/vocab";
import { getUserAgent, validatePublicUrl } from "@fedify/vocab-runtime";
import type { Kysely } from "kysely";
import type { AppContext } from "../context.ts";
import type { Schema } from "../store/schema.ts";
import type { DeliveryTarget } from "../community/outbox.ts";
import { instanceUserAgent } from "../shared/version.ts";

/** Keeps what we need to deliver to and show a remote actor (`handle`: as its server confirmed it, if known). */
export async function rememberRemoteActor(db: Kysely<Schema>, actor: Actor, confirmedHandle?: string | null): Promise<DeliveryTarget | null> {
  if (!actor.id || !actor.inboxId) return null;
  const host = actor.id.host;
  const handle = confirmedHandle ?? (actor.preferredUsername ? `${actor.preferredUsername}@${host}` : null);
  const row = {
    uri: actor.id.href,
    handle,
    type: actorType(actor),
    name: actor.name?.toString() ?? null,
    inbox: actor.inboxId.href,
    shared_inbox: actor.endpoints?.sharedInbox?.href ?? null,
    url: actor.url instanceof URL ? actor.url.href : null,
    fetched_at: new Date(),
  };
  const target = { id: row.uri, inbox: row.inbox, sharedInbox: row.shared_inbox };
  // Every activity of a sender comes with its actor document: write it only when it changed.
  const { fetched_at: _, ...fields } = row;
  const fingerprint = JSON.stringify(fields);
  const written = db.isTransaction ? undefined : rememberedBy(db);
  const last = written?.get(row.uri);
  if (last && last.fingerprint === fingerprint && Date.now() - last.at < REWRITE_AFTER_MS) return target;
  await db
    .insertInto("remote_actors")
    .values(row)
    .onConflict((oc) => oc.column("uri").doUpdateSet({ ...row }))
    .execute();
  if (written) {
    written.delete(row.uri);
    written.set(row.uri, { fingerprint, at: Date.now() });
    if (written.size > REMEMBERED_MAX) written.delete(written.keys().next().value!);
  }
  return target;
}

/** Whether this process wrote `uri`'s actor document to `db` within the last 10 minutes (then it need not be fetched to be remembered). */
export function rememberedLately(db: Kysely<Schema>, uri: string): boolean {
  const last = rememberedBy(db).get(uri);
  return last !== undefined && Date.now() - last.at < REWRITE_AFTER_MS;
}

/**
 * The delivery target of `uri` when this process remembered its actor document in the last
 * 10 minutes (see {@link rememberedLately}): a listener need not fetch and parse it again.
 * Else null, for the caller to fetch it. The activity's signature already tells who sent it.
 */
export async function rememberedTarget(db: Kysely<Schema>, uri: string): Promise<DeliveryTarget | null> {
  return rememberedLately(db, uri) ? deliveryTargetFor(db, uri) : null;
}

/** How long an unchanged actor document is not written again (another process may have written an older one meanwhile). */
const REWRITE_AFTER_MS = 600_000;
const REMEMBERED_MAX = 5_000;

/** What this process last wrote to each database's remote_actors, by actor (a transaction's writes are not kept: it may roll back). */
const writtenByDb = new WeakMap<object, Map<string, { fingerprint: string; at: number }>>();

function rememberedBy(db: Kysely<Schema>): Map<string, { fingerprint: string; at: number }> {
  const known = writtenByDb.get(db);
  if (known) return known;
  const fresh = new Map<string, { fingerprint: string; at: number }>();
  writtenByDb.set(db, fresh);
  return fresh;
}

function actorType(actor: Actor): string {
  return actor.constructor.name === "Object" ? "Actor" : actor.constructor.name;
}

/** A remote actor as a look-up found it, with its handle (`user@host`) when it has one. */
export interface ResolvedActor {
  actor: Actor;
  handle: string | null;
}

/**
 * Resolves `@user@host`, `user@host`, `acct:user@host` or an actor URL to a
 * remote actor and remembers it. Handle look-ups use WebFinger over HTTPS (and over
 * plain HTTP too when this instance itself runs on http).
 */
export async function resolveRemoteActor(app: AppContext, ref: string): Promise<Actor | null> {
  return (await resolveRemoteActorWithHandle(app, ref))?.actor ?? null;
}

/** {@link resolveRemoteActor}, and the handle the actor's own server gives it. */
export async function resolveRemoteActorWithHandle(app: AppContext, ref: string): Promise<ResolvedActor | null> {
  const ctx = app.federation.createContext(app.config.publicOrigin, app);
  let query = ref.trim();
  if (/^@?[^@\s/]+@[^@\s/]+$/.test(query)) query = `acct:${query.replace(/^@/, "")}`;
  let object = await ctx.lookupObject(query).catch((err) => {
    app.log.debug({ err, ref }, "remote look-up failed");
    return null;
  });
  // Fedify asks WebFinger for a handle over https only. An instance that itself runs on
  // plain http (tests, local development) also asks over http; one on https never does.
  if (!object && query.startsWith("acct:") && app.config.publicOrigin.protocol === "http:") {
    const self = await selfLinkOverHttp(app, query);
    if (self) {
      object = await ctx.lookupObject(self).catch((err) => {
        app.log.debug({ err, ref }, "remote look-up failed");
        return null;
      });
    }
  }
  if (!object || !isActor(object) || !object.id) return null;
  const handle = await handleByWebFinger(app, object.id);
  await rememberRemoteActor(app.db, object, handle);
  return { actor: object, handle: handle ?? (object.preferredUsername ? `${object.preferredUsername}@${object.id.host}` : null) };
}

const WEBFINGER_MS = 5_000;
const WEBFINGER_MAX_BYTES = 64 * 1024;

/**
 * The actor URL WebFinger gives for `acct:user@host`, asked at `http://host` (for an
 * instance on plain http only). No redirect is followed; private addresses are refused
 * unless ALLOW_PRIVATE_ADDRESS is set, as for every other look-up.
 */
export async function selfLinkOverHttp(app: Pick<AppContext, "config" | "log">, acct: string): Promise<string | null> {
  const at = acct.lastIndexOf("@");
  const host = at > 0 ? acct.slice(at + 1) : "";
  if (host === "" || /[/?#@\\\s]/.test(host)) return null;
  let url: URL;
  try {
    url = new URL(`http://${host}/.well-known/webfinger`);
  } catch {
    return null;
  }
  url.searchParams.set("resource", acct);
  try {
    if (!app.config.allowPrivateAddress) await validatePublicUrl(url.href);
    const res = await fetch(url, {
      headers: { accept: "application/jrd+json, application/json", "user-agent": getUserAgent(instanceUserAgent(app.config.publicOrigin)) },
      redirect: "manual",
      signal: AbortSignal.timeout(WEBFINGER_MS),
    });
    if (!res.ok) return null;
    const text = await res.text();
    if (text.length > WEBFINGER_MAX_BYTES) return null;
    const jrd = JSON.parse(text) as { links?: { rel?: unknown; type?: unknown; href?: unknown }[] };
    const self = (Array.isArray(jrd.links) ? jrd.links : []).find(
      (l) => l?.rel === "self" && typeof l.href === "string" && /^application\/(activity\+json|ld\+json)/.test(String(l.type ?? "")),
    );
    const href = typeof self?.href === "string" ? self.href : null;
    return href && /^https?:\/\//.test(href) ? href : null;
  } catch (err) {
    app.log.debug({ err, acct }, "WebFinger over http failed");
    return null;
  }
}

/**
 * The handle the actor's server gives it: WebFinger asked with the actor's URL, so over
 * the URL's own scheme and host (an `acct:` query always goes over https), and believed
 * only when the answer names the actor back as its `self`.
 */
async function handleByWebFinger(app: AppContext, actorId: URL): Promise<string | null> {
  const ctx = app.federation.createContext(app.config.publicOrigin, app);
  const jrd = await ctx.lookupWebFinger(actorId).catch((err) => {
    app.log.debug({ err, actor: actorId.href }, "WebFinger look-up of an actor failed");
    return null;
  });
  const subject = jrd?.subject;
  if (!subject?.startsWith("acct:")) return null;
  const namesBack = (jrd?.links ?? []).some((link) => link.rel === "self" && link.href === actorId.href);
  return namesBack ? subject.slice("acct:".length) : null;
}

export async function deliveryTargetFor(db: Kysely<Schema>, uri: string): Promise<DeliveryTarget | null> {
  const row = await db.selectFrom("remote_actors").select(["uri", "inbox", "shared_inbox"]).where("uri", "=", uri).executeTakeFirst();
  return row ? { id: row.uri, inbox: row.inbox, sharedInbox: row.shared_inbox } : null;
}

/** {@link deliveryTargetFor} for several actors in one statement (those not seen are left out). */
export async function deliveryTargetsFor(db: Kysely<Schema>, uris: readonly string[]): Promise<DeliveryTarget[]> {
  if (uris.length === 0) return [];
  const rows = await db.selectFrom("remote_actors").select(["uri", "inbox", "shared_inbox"]).where("uri", "in", uris).execute();
  return rows.map((row) => ({ id: row.uri, inbox: row.inbox, sharedInbox: row.shared_inbox }));
}

/**
 * The handle (`user@host`) to name a remote actor by: as remembered (confirmed by its server,
 * or its `preferredUsername` at its host), else the last segment of its URL at its host.
 */
export async function handleOf(db: Kysely<Schema>, uri: string): Promise<string> {
  const row = await db.selectFrom("remote_actors").select("handle").where("uri", "=", uri).executeTakeFirst();
  if (row?.handle) return row.handle.replace(/^@/, "");
  const url = new URL(uri);
  return `${decodeURIComponent(url.pathname.split("/").filter(Boolean).at(-1) ?? "")}@${url.host}`;
}
