import type { FastifyInstance, FastifyReply } from "fastify";
import { loadProposalStates } from "../decisions/index.ts";
import type { AppContext } from "../context.ts";
import { actorUri, localActorId } from "../shared/uris.ts";
import { accountEntities } from "./accounts.ts";
import { accountOf, authenticate, params } from "./http.ts";
import { pollOf } from "./polls.ts";

// The home timeline: what the accounts and bodies I follow published here, posts and
// proposals (a proposal is a status with its vote as the poll), newest first.

const MAX_LIMIT = 40;

export type StatusRow = Parameters<typeof statusEntities>[1][number];

/** The Status entities of local posts and proposals, as `viewerId` sees them; what apps cannot be shown is left out. */
export async function statusEntities(
  app: AppContext,
  rows: { uri: string; local_id: string | null; type: string; attributed_to: string; content: string; url: string | null; published: Date; proposal_id: string | null }[],
  viewerId: string,
) {
  const origin = app.config.publicOrigin;
  // The page's authors and proposals are read at once, not status by status.
  const accounts = await accountEntities(
    app,
    rows.map((r) => localActorId(origin, r.attributed_to)).filter((id): id is string => id !== null),
  );
  const proposals = await loadProposalStates(
    app,
    rows.map((r) => r.proposal_id).filter((id): id is string => id !== null),
  );
  const out = [];
  for (const row of rows) {
    const authorId = localActorId(origin, row.attributed_to);
    const account = authorId ? accounts.get(authorId) : undefined;
    const id = row.proposal_id ?? row.local_id;
    if (!account || !id) continue;
    const loaded = row.proposal_id ? proposals.get(row.proposal_id) : undefined;
    const p = row.proposal_id && loaded ? pollOf(app, row.proposal_id, loaded, viewerId) : null;
    out.push({
      id,
      uri: row.uri,
      url: row.url,
      created_at: new Date(row.published).toISOString(),
      account,
      content: row.content,
      visibility: "public",
      sensitive: false,
      spoiler_text: "",
      media_attachments: [],
      application: null,
      mentions: [],
      tags: [],
      emojis: [],
      reblogs_count: 0,
      favourites_count: 0,
      replies_count: 0,
      in_reply_to_id: null,
      in_reply_to_account_id: null,
      reblog: null,
      poll: p?.entity ?? null,
      card: null,
      language: "en",
      text: null,
      edited_at: null,
      favourited: false,
      reblogged: false,
      muted: false,
      bookmarked: false,
      pinned: false,
      filtered: [],
    });
  }
  return out;
}

export function timelineRoutes(app: AppContext) {
  const origin = app.config.publicOrigin;

  return async (f: FastifyInstance) => {
    f.get("/api/v1/timelines/home", { preHandler: authenticate(app, { scope: "read:statuses", user: true }) }, async (req, reply: FastifyReply) => {
      const me = accountOf(req);
      const p = params(req);
      const limit = Math.min(Math.max(Number(p.limit) || 20, 1), MAX_LIMIT);
      const meUri = actorUri(origin, me).href;
      const followed = app.db.selectFrom("follows").select("followee_uri").where("follower_uri", "=", meUri).where("state", "=", "accepted");
      // `max_id`: older than that status (a post's local id or a proposal's id).
      let before: Date | null = null;
      if (typeof p.max_id === "string" && p.max_id) {
        // Two lookups by unique keys: an OR across the join would scan every status.
        const maxId = p.max_id;
        const at =
          (await app.db.selectFrom("objects").select("published").where("local_id", "=", maxId).executeTakeFirst()) ??
          (await app.db
            .selectFrom("proposals")
            .innerJoin("objects", "objects.uri", "proposals.uri")
            .select("objects.published")
            .where("proposals.id", "=", maxId)
            .executeTakeFirst());
        before = at ? new Date(at.published) : null;
      }
      const rows = await app.db
        .selectFrom("objects")
        .leftJoin("proposals", "proposals.uri", "objects.uri")
        .select(["objects.uri", "objects.local_id", "objects.type", "objects.attributed_to", "objects.content", "objects.url", "objects.published", "proposals.id as proposal_id"])
        .where("objects.deleted_at", "is", null)
        .where((eb) => eb.or([eb("objects.audience", "in", followed), eb("objects.attributed_to", "in", followed), eb("objects.attributed_to", "=", meUri)]))
        // A draft is its body's business until it is tabled.
        .where((eb) => eb.or([eb("proposals.id", "is", null), eb("proposals.status", "!=", "draft")]))
        .$if(before !== null, (q) => q.where("objects.published", "<", before!))
        .orderBy("objects.published", "desc")
        .limit(limit)
        .execute();
      const out = await statusEntities(app, rows, me);
      const last = out.at(-1);
      if (last && rows.length === limit) reply.header("link", `<${origin.origin}/api/v1/timelines/home?limit=${limit}&max_id=${encodeURIComponent(last.id)}>; rel="next"`);
      return out;
    });
  };
}
