// Remote actors as the services know them: looked up (WebFinger, through the Federation
// object every AppContext holds), remembered in `remote_actors`, and read back as delivery
// targets. Following and admitting members need it, so it sits with them, not in federation/.
import { isActor, type Actor } from "@fedify/vocab";
import type { Kysely } from "kysely";
import type { AppContext } from "../context.ts";
import type { Schema } from "../store/schema.ts";
import type { DeliveryTarget } from "../community/outbox.ts";

/** Keeps what we need to deliver to and show a remote actor. */
export async function rememberRemoteActor(db: Kysely<Schema>, actor: Actor): Promise<DeliveryTarget | null> {
  if (!actor.id || !actor.inboxId) return null;
  const host = actor.id.host;
  const handle = actor.preferredUsername ? `${actor.preferredUsername}@${host}` : null;
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
  await db
    .insertInto("remote_actors")
    .values(row)
    .onConflict((oc) => oc.column("uri").doUpdateSet({ ...row }))
    .execute();
  return { id: row.uri, inbox: row.inbox, sharedInbox: row.shared_inbox };
}

function actorType(actor: Actor): string {
  return actor.constructor.name === "Object" ? "Actor" : actor.constructor.name;
}

/**
 * Resolves `@user@host`, `user@host`, `acct:user@host` or an actor URL to a
 * remote actor and remembers it. Handle look-ups use WebFinger over HTTPS.
 */
export async function resolveRemoteActor(app: AppContext, ref: string): Promise<Actor | null> {
  const ctx = app.federation.createContext(app.config.publicOrigin, app);
  let query = ref.trim();
  if (/^@?[^@\s/]+@[^@\s/]+$/.test(query)) query = `acct:${query.replace(/^@/, "")}`;
  const object = await ctx.lookupObject(query).catch((err) => {
    app.log.debug({ err, ref }, "remote look-up failed");
    return null;
  });
  if (!object || !isActor(object)) return null;
  await rememberRemoteActor(app.db, object);
  return object;
}

export async function deliveryTargetFor(db: Kysely<Schema>, uri: string): Promise<DeliveryTarget | null> {
  const row = await db.selectFrom("remote_actors").select(["uri", "inbox", "shared_inbox"]).where("uri", "=", uri).executeTakeFirst();
  return row ? { id: row.uri, inbox: row.inbox, sharedInbox: row.shared_inbox } : null;
}
