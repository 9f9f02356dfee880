import type { FastifyInstance } from "fastify";
import type { AppContext } from "../context.ts";
import { accountOf, authenticate, params, sendError } from "./http.ts";
import { unreadCount } from "./notifications.ts";

// Where a person stopped reading their home timeline and notifications, kept per account
// (`mastodon_markers`) so every app of theirs starts from the same place.

const TIMELINES = ["home", "notifications"] as const;

function entity(row: { last_read_id: string; version: number; updated_at: Date }) {
  return { last_read_id: row.last_read_id, version: row.version, updated_at: new Date(row.updated_at).toISOString() };
}

/** `home[last_read_id]` from a form, or `{ home: { last_read_id } }` from JSON. */
function lastReadId(p: Record<string, unknown>, timeline: string): unknown {
  const nested = p[timeline];
  if (nested && typeof nested === "object" && !Array.isArray(nested)) return (nested as Record<string, unknown>).last_read_id;
  return p[`${timeline}[last_read_id]`];
}

export function markerRoutes(app: AppContext) {
  return async (f: FastifyInstance) => {
    f.get("/api/v1/markers", { preHandler: authenticate(app, { scope: "read:statuses", user: true }) }, async (req) => {
      const raw = params(req).timeline;
      const asked = (Array.isArray(raw) ? raw : [raw]).filter((t): t is string => typeof t === "string");
      const wanted = TIMELINES.filter((t) => asked.length === 0 || asked.includes(t));
      const rows = await app.db
        .selectFrom("mastodon_markers")
        .select(["timeline", "last_read_id", "version", "updated_at"])
        .where("actor_id", "=", accountOf(req))
        .where("timeline", "in", wanted)
        .execute();
      const out: Record<string, ReturnType<typeof entity> & { unread_count?: number }> = {};
      for (const r of rows) out[r.timeline] = entity(r);
      // As Pleroma and Akkoma do: how many notifications came after the marker (at most 1,000).
      if (out.notifications) out.notifications.unread_count = await unreadCount(app, accountOf(req), 1000);
      return out;
    });

    f.post("/api/v1/markers", { preHandler: authenticate(app, { scope: "write:statuses", user: true }) }, async (req, reply) => {
      const p = params(req);
      const me = accountOf(req);
      const out: Record<string, ReturnType<typeof entity>> = {};
      for (const timeline of TIMELINES) {
        const id = lastReadId(p, timeline);
        if (id === undefined) continue;
        if (typeof id !== "string" || !/^\d{1,20}$/.test(id)) return sendError(reply, 422, `Validation failed: ${timeline}'s last_read_id is not an id`);
        const row = await app.db
          .insertInto("mastodon_markers")
          .values({ actor_id: me, timeline, last_read_id: id, updated_at: new Date() })
          .onConflict((oc) =>
            oc.columns(["actor_id", "timeline"]).doUpdateSet((eb) => ({ last_read_id: id, updated_at: new Date(), version: eb(eb.ref("mastodon_markers.version"), "+", 1) })),
          )
          .returning(["last_read_id", "version", "updated_at"])
          .executeTakeFirstOrThrow();
        out[timeline] = entity(row);
      }
      return out;
    });
  };
}
