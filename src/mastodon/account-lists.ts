import type { FastifyInstance, FastifyRequest } from "fastify";
import { sql } from "kysely";
import { findActorByHandle, findActorById, isBody } from "../community/actors.ts";
import { resolveRemoteActorWithHandle } from "../community/remote-actors.ts";
import type { AppContext } from "../context.ts";
import { actorUri } from "../shared/uris.ts";
import { accountEntity, localHandle, visibleActor } from "./accounts.ts";
import { remoteAccountUri } from "./ids.ts";
import { authenticate, holderOf, params, sendError } from "./http.ts";
import { paging, setLinks } from "./paging.ts";
import { RESOLVE_MS, within } from "./remote-accounts.ts";
import { accountCache, accountForUri } from "./remote-accounts.ts";
import { pageStatuses, publicOnly, statusQuery, toStatuses } from "./status-entity.ts";

// An account's statuses, followers and following, paged as Mastodon's lists are.

const NOT_FOUND = "Record not found";
const truthy = (v: unknown) => v === true || v === "true" || v === "1";

/** The actor URI an account id names: a local person's or body's, or a remote one's (ids.ts). */
async function accountUri(app: AppContext, id: string): Promise<{ uri: string; body: boolean } | null> {
  const remote = remoteAccountUri(id);
  if (remote) return (await accountForUri(app, remote)) ? { uri: remote, body: false } : null;
  const actor = await visibleActor(app, id);
  if (!actor) return null;
  const full = await findActorById(app, actor.id);
  return { uri: actorUri(app.config.publicOrigin, actor.id).href, body: full ? isBody(full) : false };
}

export function accountListRoutes(app: AppContext) {
  const origin = app.config.publicOrigin;
  const read = (scope: string) => ({ preHandler: authenticate(app, { scope, optional: true }) });

  /** Followers (`side` = followee) or following (`side` = follower) of `uri`, by follow id. */
  async function follows(req: FastifyRequest, uri: string, side: "followee_uri" | "follower_uri") {
    const pg = paging(params(req), 40, 80);
    const other = side === "followee_uri" ? "follower_uri" : "followee_uri";
    let q = app.db.selectFrom("follows").select(["id", other]).where(side, "=", uri).where("state", "=", "accepted");
    if (pg.maxId) q = q.where("id", "<", pg.maxId);
    if (pg.sinceId) q = q.where("id", ">", pg.sinceId);
    if (pg.minId) q = q.where("id", ">", pg.minId);
    const rows = await q
      .orderBy("id", pg.minId ? "asc" : "desc")
      .limit(pg.limit)
      .execute();
    if (pg.minId) rows.reverse();
    const accountOf = accountCache(app);
    const out = [];
    for (const r of rows) {
      const account = await accountOf((r as Record<string, string>)[other]!);
      if (account) out.push(account);
    }
    return { out, ids: rows.map((r) => String(r.id)) };
  }

  return async (f: FastifyInstance) => {
    // `acct` here (`handle`, `handle@this-host`), or elsewhere (`user@host`): one known here, or,
    // for a signed-in person, looked up on its server (WebFinger, then the actor) within 5 s.
    f.get("/api/v1/accounts/lookup", read("read:accounts"), async (req, reply) => {
      const acct = params(req).acct;
      const handle = localHandle(app, acct);
      if (handle) {
        const actor = await findActorByHandle(app, handle);
        const row = actor ? await visibleActor(app, actor.id) : null;
        return row ? accountEntity(app, row) : sendError(reply, 404, NOT_FOUND);
      }
      const remote = typeof acct === "string" ? /^@?([^@\s/]+)@([^@\s/]+)$/.exec(acct.trim()) : null;
      if (!remote) return sendError(reply, 404, NOT_FOUND);
      const wanted = `${remote[1]}@${remote[2]}`;
      const known = await app.db.selectFrom("remote_actors").select("uri").where(sql<boolean>`lower(handle) = ${wanted.toLowerCase()}`).executeTakeFirst();
      let uri = known?.uri ?? null;
      if (!uri && holderOf(req)?.actorId) {
        const found = await within(
          resolveRemoteActorWithHandle(app, wanted).catch(() => null),
          RESOLVE_MS,
        );
        uri = found?.actor.id?.href ?? null;
      }
      const entity = uri ? await accountForUri(app, uri) : null;
      return entity ?? sendError(reply, 404, NOT_FOUND);
    });

    f.get<{ Params: { id: string } }>("/api/v1/accounts/:id", read("read:accounts"), async (req, reply) => {
      const remote = remoteAccountUri(req.params.id);
      const row = remote ? null : await visibleActor(app, req.params.id);
      const entity = remote ? await accountForUri(app, remote) : row ? await accountEntity(app, row) : null;
      return entity ?? sendError(reply, 404, NOT_FOUND);
    });

    f.get<{ Params: { id: string } }>("/api/v1/accounts/:id/statuses", read("read:statuses"), async (req, reply) => {
      const target = await accountUri(app, req.params.id);
      if (!target) return sendError(reply, 404, NOT_FOUND);
      const p = params(req);
      // Nothing is pinned and there are no media here.
      if (truthy(p.pinned) || truthy(p.only_media)) return [];
      // A body's statuses are its proposals and what it passes on from its members.
      let q = publicOnly(statusQuery(app), origin).where((eb) =>
        target.body ? eb.or([eb("objects.attributed_to", "=", target.uri), eb("objects.audience", "=", target.uri)]) : eb("objects.attributed_to", "=", target.uri),
      );
      if (truthy(p.exclude_replies)) q = q.where("objects.in_reply_to", "is", null);
      const out = await toStatuses(app, await pageStatuses(q, paging(p)), holderOf(req)?.actorId ?? null);
      setLinks(
        req,
        reply,
        origin,
        out.map((s) => s.id),
      );
      return out;
    });

    for (const [path, side] of [
      ["followers", "followee_uri"],
      ["following", "follower_uri"],
    ] as const) {
      f.get<{ Params: { id: string } }>(`/api/v1/accounts/:id/${path}`, read("read:accounts"), async (req, reply) => {
        const target = await accountUri(app, req.params.id);
        if (!target) return sendError(reply, 404, NOT_FOUND);
        const { out, ids } = await follows(req, target.uri, side);
        setLinks(req, reply, origin, ids);
        return out;
      });
    }
  };
}
