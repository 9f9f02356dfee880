import type { FastifyInstance } from "fastify";
import { sql } from "kysely";
import { type ActorRow, findActorById, isBody } from "../community/actors.ts";
import { followRemote, unfollowRemote } from "../community/follows.ts";
import { notifyFollow } from "../community/notifications.ts";
import type { AppContext } from "../context.ts";
import { activityUri, actorUri, localActorId, profileUrl } from "../shared/uris.ts";
import { remoteAccountUri } from "./ids.ts";
import { accountOf, authenticate, params, sendError } from "./http.ts";

// Local people and bodies as Mastodon accounts (bodies with `group: true`), and following
// a local account or body from an app.

type Row = Pick<ActorRow, "id" | "handle" | "kind" | "name" | "summary" | "manually_approves_followers" | "created_at" | "deleted_at">;

/** A local person or body that apps may see: not deleted, not the instance actor. */
export async function visibleActor(app: AppContext, id: string): Promise<Row | null> {
  const actor = await findActorById(app, id);
  return actor && actor.kind !== "instance" && !actor.deleted_at ? actor : null;
}

interface Counts {
  posts: number;
  last: Date | null;
  followers: number;
  following: number;
}

/** The counts of several accounts (by actor URI) in one statement: a timeline page shows many. */
async function countsOf(app: AppContext, uris: readonly string[]): Promise<Map<string, Counts>> {
  const out = new Map<string, Counts>(uris.map((u) => [u, { posts: 0, last: null, followers: 0, following: 0 }]));
  if (out.size === 0) return out;
  const list = sql.join([...out.keys()].map((u) => sql`${u}`));
  const rows = await sql<{ uri: string; kind: string; n: string; last: Date | string | null }>`
    select attributed_to as uri, 'posts' as kind, count(*) as n, max(published) as last from objects
      where attributed_to in (${list}) and deleted_at is null group by attributed_to
    union all
    select followee_uri, 'followers', count(*), null from follows where followee_uri in (${list}) and state = 'accepted' group by followee_uri
    union all
    select follower_uri, 'following', count(*), null from follows where follower_uri in (${list}) and state = 'accepted' group by follower_uri`.execute(app.db);
  for (const r of rows.rows) {
    const c = out.get(r.uri);
    if (!c) continue;
    if (r.kind === "posts") {
      c.posts = Number(r.n);
      c.last = r.last ? new Date(r.last) : null;
    } else if (r.kind === "followers") c.followers = Number(r.n);
    else c.following = Number(r.n);
  }
  return out;
}

/** The Account entities of several local accounts by id, with their counts read at once. */
export async function accountEntities(app: AppContext, ids: readonly string[]): Promise<Map<string, ReturnType<typeof toAccount>>> {
  const unique = [...new Set(ids)];
  const rows = unique.length === 0 ? [] : await app.db.selectFrom("actors").selectAll().where("id", "in", unique).where("deleted_at", "is", null).execute();
  const origin = app.config.publicOrigin;
  const counts = await countsOf(
    app,
    rows.map((r) => actorUri(origin, r.id).href),
  );
  return new Map(rows.map((r) => [r.id, toAccount(app, r, counts.get(actorUri(origin, r.id).href)!)]));
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The Account entity (docs.joinmastodon.org/entities/Account). */
export async function accountEntity(app: AppContext, a: Row) {
  const uri = actorUri(app.config.publicOrigin, a.id).href;
  return toAccount(app, a, (await countsOf(app, [uri])).get(uri)!);
}

function toAccount(app: AppContext, a: Row, n: Counts) {
  const origin = app.config.publicOrigin;
  const uri = actorUri(origin, a.id).href;
  const avatar = `${origin.origin}/avatars/original/missing.png`;
  return {
    id: a.id,
    username: a.handle,
    acct: a.handle,
    display_name: a.name,
    locked: a.manually_approves_followers,
    bot: false,
    discoverable: true,
    indexable: false,
    group: isBody(a),
    created_at: new Date(a.created_at).toISOString(),
    note: a.summary ? `<p>${escapeHtml(a.summary)}</p>` : "",
    url: profileUrl(origin, a.handle).href,
    uri,
    avatar,
    avatar_static: avatar,
    header: `${origin.origin}/headers/original/missing.png`,
    header_static: `${origin.origin}/headers/original/missing.png`,
    followers_count: n.followers,
    following_count: n.following,
    statuses_count: n.posts,
    last_status_at: n.last ? n.last.toISOString().slice(0, 10) : null,
    hide_collections: false,
    noindex: false,
    emojis: [],
    roles: [],
    fields: [],
  };
}

/** The Relationship entity between the signed-in person and an account (`otherUri`: its actor URI, here or elsewhere). */
async function relationship(app: AppContext, meId: string, otherId: string, otherUri: string) {
  const me = actorUri(app.config.publicOrigin, meId).href;
  const other = otherUri;
  const rows = await app.db
    .selectFrom("follows")
    .select(["follower_uri", "state"])
    .where((eb) => eb.or([eb.and([eb("follower_uri", "=", me), eb("followee_uri", "=", other)]), eb.and([eb("follower_uri", "=", other), eb("followee_uri", "=", me)])]))
    .execute();
  const mine = rows.find((r) => r.follower_uri === me);
  const theirs = rows.find((r) => r.follower_uri === other);
  return {
    id: otherId,
    following: mine?.state === "accepted",
    showing_reblogs: mine?.state === "accepted",
    notifying: false,
    languages: null,
    followed_by: theirs?.state === "accepted",
    blocking: false,
    blocked_by: false,
    muting: false,
    muting_notifications: false,
    // A follow of an account elsewhere is requested until its server accepts it.
    requested: mine?.state === "pending",
    requested_by: theirs?.state === "pending",
    domain_blocking: false,
    endorsed: false,
    note: "",
  };
}

/** What an account id names: a local person or body (`local`), or an account of another server known here. */
async function accountTarget(app: AppContext, id: string): Promise<{ uri: string; local: Row | null } | null> {
  const remote = remoteAccountUri(id);
  if (remote) {
    if (localActorId(app.config.publicOrigin, remote)) return null;
    const known = await app.db.selectFrom("remote_actors").select("uri").where("uri", "=", remote).executeTakeFirst();
    return known ? { uri: remote, local: null } : null;
  }
  const local = await visibleActor(app, id);
  return local ? { uri: actorUri(app.config.publicOrigin, local.id).href, local } : null;
}

/** `acct` as apps send it: `handle`, `@handle` or `handle@this-host`; null for another server's. */
export function localHandle(app: AppContext, acct: unknown): string | null {
  if (typeof acct !== "string") return null;
  const [handle, host, ...rest] = acct.replace(/^@/, "").split("@");
  if (!handle || rest.length) return null;
  if (host !== undefined && host.toLowerCase() !== app.config.publicOrigin.host.toLowerCase() && host.toLowerCase() !== app.config.publicOrigin.hostname.toLowerCase()) return null;
  return handle;
}

const NOT_FOUND = "Record not found";

export function accountRoutes(app: AppContext) {
  const origin = app.config.publicOrigin;
  return async (f: FastifyInstance) => {
    f.get("/api/v1/accounts/verify_credentials", { preHandler: authenticate(app, { scope: "read:accounts", user: true }) }, async (req, reply) => {
      const me = await visibleActor(app, accountOf(req));
      if (!me) return sendError(reply, 401, "The access token is invalid");
      const entity = await accountEntity(app, me);
      const requests = await app.db
        .selectFrom("follows")
        .select((eb) => eb.fn.countAll<string>().as("n"))
        .where("followee_uri", "=", entity.uri)
        .where("state", "=", "pending")
        .executeTakeFirst();
      return {
        ...entity,
        source: { privacy: "public", sensitive: false, language: "en", note: me.summary, fields: [], follow_requests_count: Number(requests?.n ?? 0) },
        role: { id: "-99", name: "", permissions: "0", color: "", highlighted: false },
      };
    });

    f.get("/api/v1/accounts/relationships", { preHandler: authenticate(app, { scope: "read:follows", user: true }) }, async (req) => {
      const raw = params(req).id;
      const ids = (Array.isArray(raw) ? raw : [raw]).filter((v): v is string => typeof v === "string").slice(0, 40);
      const out = [];
      for (const id of ids) {
        const target = await accountTarget(app, id);
        if (target) out.push(await relationship(app, accountOf(req), id, target.uri));
      }
      return out;
    });

    f.post<{ Params: { id: string } }>("/api/v1/accounts/:id/follow", { preHandler: authenticate(app, { scope: "write:follows", user: true }) }, async (req, reply) => {
      const meId = accountOf(req);
      const found = await accountTarget(app, req.params.id);
      if (!found) return sendError(reply, 404, NOT_FOUND);
      const target = found.local;
      if (!target) {
        // An account on another server: a Follow goes to it, `requested` until its Accept comes.
        const followed = await followRemote(app, meId, found.uri);
        if (!followed.ok) return sendError(reply, followed.error.code === "unreachable" ? 503 : 422, `Validation failed: ${followed.error.message}`);
        return relationship(app, meId, req.params.id, found.uri);
      }
      if (target.id === meId) return sendError(reply, 403, "This action is not allowed");
      const state = target.manually_approves_followers ? "pending" : "accepted";
      // A local follow: a row in `follows` like a remote follower's; nothing to deliver (the
      // body's activities to its followers skip this origin). A pending one waits for a
      // member's approval on the body's follow requests, as a remote one does.
      await app.db.transaction().execute(async (trx) => {
        const made = await trx
          .insertInto("follows")
          .values({
            follower_uri: actorUri(origin, meId).href,
            followee_uri: found.uri,
            activity_uri: activityUri(origin).href,
            state,
            accepted_at: state === "accepted" ? new Date() : null,
          })
          .onConflict((oc) => oc.columns(["follower_uri", "followee_uri"]).doNothing())
          .returning("id")
          .executeTakeFirst();
        if (made) await notifyFollow(trx, target.id, actorUri(origin, meId).href);
      });
      return relationship(app, meId, target.id, found.uri);
    });

    f.post<{ Params: { id: string } }>("/api/v1/accounts/:id/unfollow", { preHandler: authenticate(app, { scope: "write:follows", user: true }) }, async (req, reply) => {
      const meId = accountOf(req);
      const found = await accountTarget(app, req.params.id);
      if (!found) return sendError(reply, 404, NOT_FOUND);
      if (found.local) {
        await app.db.deleteFrom("follows").where("follower_uri", "=", actorUri(origin, meId).href).where("followee_uri", "=", found.uri).execute();
      } else {
        // An account elsewhere is told with an Undo of the Follow.
        const undone = await unfollowRemote(app, meId, found.uri);
        if (!undone.ok) return sendError(reply, 422, `Validation failed: ${undone.error.message}`);
      }
      return relationship(app, meId, req.params.id, found.uri);
    });
  };
}
