import type { FastifyInstance } from "fastify";
import { sql } from "kysely";
import type { AppContext } from "../context.ts";
import { actorUri } from "../shared/uris.ts";
import { accountOf, authenticate, holderOf, params } from "./http.ts";
import { paging, setLinks } from "./paging.ts";
import { pageStatuses, publicOnly, statusQuery, toStatuses } from "./status-entity.ts";

// Timelines, newest first, paged as Mastodon's (`max_id`, `since_id`, `min_id`, `Link`):
// home (what the accounts and bodies I follow published here, and my own), public (every
// public post and proposal known here) and tag (those with a hashtag).

const truthy = (v: unknown) => v === true || v === "true" || v === "1";

/** A hashtag as a URL segment: letters, digits and `_` only (Mastodon's), without `#`. */
const TAG = /^[\p{L}\p{N}_]{1,100}$/u;

export function timelineRoutes(app: AppContext) {
  const origin = app.config.publicOrigin;
  return async (f: FastifyInstance) => {
    f.get("/api/v1/timelines/home", { preHandler: authenticate(app, { scope: "read:statuses", user: true }) }, async (req, reply) => {
      const me = accountOf(req);
      const pg = paging(params(req));
      const meUri = actorUri(origin, me).href;
      const followed = app.db.selectFrom("follows").select("followee_uri").where("follower_uri", "=", meUri).where("state", "=", "accepted");
      // A remote note that is not public (kept for someone here) only for the one it was kept for.
      const keptForMe = app.db.selectFrom("notifications").select("object_uri").where("recipient_id", "=", me).where("object_uri", "is not", null);
      const rows = await pageStatuses(
        statusQuery(app)
          .where((eb) => eb.or([eb("objects.audience", "in", followed), eb("objects.attributed_to", "in", followed), eb("objects.attributed_to", "=", meUri)]))
          .where((eb) => eb.or([eb("objects.audience", "is not", null), eb("objects.attributed_to", "like", `${origin.origin}/%`), eb("objects.uri", "in", keptForMe)])),
        pg,
      );
      const out = await toStatuses(app, rows, me);
      setLinks(
        req,
        reply,
        origin,
        out.map((s) => s.id),
      );
      return out;
    });

    // Public timelines are open to anyone, as Mastodon's default; a token, if sent, must allow reading.
    const optional = { preHandler: authenticate(app, { scope: "read:statuses", optional: true }) };

    f.get("/api/v1/timelines/public", optional, async (req, reply) => {
      const p = params(req);
      if (truthy(p.only_media)) return [];
      let q = publicOnly(statusQuery(app), origin);
      if (truthy(p.local)) q = q.where("objects.attributed_to", "like", `${origin.origin}/%`);
      else if (truthy(p.remote)) q = q.where("objects.attributed_to", "not like", `${origin.origin}/%`);
      const out = await toStatuses(app, await pageStatuses(q, paging(p)), holderOf(req)?.actorId ?? null);
      setLinks(
        req,
        reply,
        origin,
        out.map((s) => s.id),
      );
      return out;
    });

    f.get<{ Params: { hashtag: string } }>("/api/v1/timelines/tag/:hashtag", optional, async (req, reply) => {
      const p = params(req);
      const tag = req.params.hashtag.replace(/^#/, "");
      if (!TAG.test(tag) || truthy(p.only_media)) return [];
      // `#tag` in a post written here, `#<span>tag</span>` in Mastodon's HTML.
      const pattern = `#(<span>)?${tag}([^[:alnum:]_]|$)`;
      let q = publicOnly(statusQuery(app), origin).where(sql<boolean>`objects.content ~* ${pattern}`);
      if (truthy(p.local)) q = q.where("objects.attributed_to", "like", `${origin.origin}/%`);
      else if (truthy(p.remote)) q = q.where("objects.attributed_to", "not like", `${origin.origin}/%`);
      const out = await toStatuses(app, await pageStatuses(q, paging(p)), holderOf(req)?.actorId ?? null);
      setLinks(
        req,
        reply,
        origin,
        out.map((s) => s.id),
      );
      return out;
    });
  };
}
