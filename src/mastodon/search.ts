import type { FastifyInstance } from "fastify";
import { sql } from "kysely";
import { resolveRemoteActorWithHandle } from "../community/remote-actors.ts";
import type { AppContext } from "../context.ts";
import { safeUrl } from "../shared/uris.ts";
import { accountEntity, visibleActor } from "./accounts.ts";
import { authenticate, holderOf, params, sendError } from "./http.ts";
import { allows } from "./scopes.ts";
import { accountForUri, type AccountEntity, RESOLVE_MS, within } from "./remote-accounts.ts";
import { publicOnly, statusQuery, toStatuses } from "./status-entity.ts";

// GET /api/v2/search: accounts (people and bodies here, and those of other servers known
// here), statuses (by URL, and by words for someone signed in) and hashtags. With
// `resolve=true`, a signed-in person whose token may search has `@user@host` or an actor's
// URL looked up on its server (WebFinger, then the actor), within a few seconds.

const TAG = /^#?([\p{L}\p{N}_]{1,100})$/u;
const like = (s: string) => `%${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export function searchRoutes(app: AppContext) {
  const origin = app.config.publicOrigin;

  async function accounts(q: string, limit: number, resolve: boolean): Promise<AccountEntity[]> {
    const out: AccountEntity[] = [];
    const term = q.replace(/^@/, "");
    const [user, host] = term.split("@");
    const ours = !host || host.toLowerCase() === origin.host.toLowerCase() || host.toLowerCase() === origin.hostname.toLowerCase();
    // A URL or user@host of another server: looked up there when asked to resolve.
    const url = /^https?:\/\//.test(q) ? safeUrl(q) : null;
    if (resolve && (url ? url.origin !== origin.origin : !ours && user && host)) {
      const found = await within(
        resolveRemoteActorWithHandle(app, q).catch(() => null),
        RESOLVE_MS,
      );
      const entity = found?.actor.id ? await accountForUri(app, found.actor.id.href) : null;
      if (entity) out.push(entity);
    }
    const name = ours ? (user ?? "") : term;
    if (name === "" || /^https?:\/\//.test(q)) return out.slice(0, limit);
    const locals = await app.db
      .selectFrom("actors")
      .select("id")
      .where("kind", "!=", "instance")
      .where("deleted_at", "is", null)
      .where((eb) => eb.or([eb("handle", "ilike", like(name)), eb("name", "ilike", like(name))]))
      .orderBy(sql`handle = ${name.toLowerCase()}`, "desc")
      .orderBy("handle")
      .limit(limit)
      .execute();
    for (const l of locals) {
      const row = await visibleActor(app, l.id);
      if (row) out.push(await accountEntity(app, row));
    }
    const remotes = await app.db
      .selectFrom("remote_actors")
      .select("uri")
      .where((eb) => eb.or([eb("handle", "ilike", like(term)), eb("name", "ilike", like(term))]))
      .orderBy("handle")
      .limit(limit)
      .execute();
    for (const r of remotes) {
      const entity = await accountForUri(app, r.uri);
      if (entity && !out.some((a) => a.id === entity.id)) out.push(entity);
    }
    return out.slice(0, limit);
  }

  return async (f: FastifyInstance) => {
    f.get("/api/v2/search", { preHandler: authenticate(app, { scope: "read:search", optional: true }) }, async (req, reply) => {
      const p = params(req);
      const q = typeof p.q === "string" ? p.q.trim() : "";
      if (q === "") return sendError(reply, 400, "Validation failed: q is missing");
      const type = typeof p.type === "string" ? p.type : null;
      const n = Number(p.limit);
      const limit = Number.isInteger(n) && n > 0 ? Math.min(n, 40) : 20;
      const offset = Math.max(0, Number(p.offset) || 0);
      const holder = holderOf(req);
      const viewer = holder?.actorId ?? null;
      // Mastodon looks elsewhere only for a signed-in person, and pages only for them.
      const resolve = (p.resolve === true || p.resolve === "true") && viewer !== null && allows(holder!.scopes, "read:search");
      if (offset > 0 && viewer === null) return sendError(reply, 401, "Search queries pagination is not supported without authentication");
      const want = (t: string) => type === null || type === t;

      const found = want("accounts") ? await accounts(q, limit + offset, resolve) : [];
      let statuses: Awaited<ReturnType<typeof toStatuses>> = [];
      if (want("statuses")) {
        let sq = publicOnly(statusQuery(app), origin);
        if (/^https?:\/\//.test(q)) sq = sq.where((eb) => eb.or([eb("objects.uri", "=", q), eb("objects.url", "=", q)]));
        else if (viewer) sq = sq.where("objects.content", "ilike", like(q));
        else sq = sq.where(sql<boolean>`false`);
        statuses = await toStatuses(app, await sq.orderBy("objects.published", "desc").limit(limit).offset(offset).execute(), viewer);
      }
      const hashtags = [];
      const tag = TAG.exec(q)?.[1];
      if (want("hashtags") && tag && offset === 0) {
        const used = await publicOnly(statusQuery(app), origin)
          .where(sql<boolean>`objects.content ~* ${`#(<span>)?${tag}([^[:alnum:]_]|$)`}`)
          .limit(1)
          .execute();
        if (used.length > 0) hashtags.push({ name: tag.toLowerCase(), url: new URL(`/tags/${encodeURIComponent(tag.toLowerCase())}`, origin).href, history: [], following: false });
      }
      return { accounts: found.slice(offset, offset + limit), statuses, hashtags };
    });
  };
}
