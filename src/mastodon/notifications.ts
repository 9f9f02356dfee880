import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Selectable } from "kysely";
import type { AppContext } from "../context.ts";
import { loadProposalState } from "../decisions/index.ts";
import { escapeHtml } from "../shared/text.ts";
import { actorUri, profileUrl } from "../shared/uris.ts";
import type { NotificationsTable } from "../store/app-tables.ts";
import { accountOf, authenticate, params, sendError } from "./http.ts";
import { statusId } from "./ids.ts";
import { paging, setLinks } from "./paging.ts";
import { accountCache } from "./remote-accounts.ts";
import { statusQuery, statusShape, toStatuses } from "./status-entity.ts";

// The in-app notifications (community/notifications.ts) as Mastodon's. Apps show a mention
// everywhere, so Folkmoot's own events (a vote opened in one of my bodies, an outcome, and
// any later kind) come as a `mention` whose status is a direct message from the body, in
// plain words with a link to the proposal. A reply to me is a `mention` with the reply; a
// follow of me a `follow`; an outcome of a vote I took part in a `poll` (a poll I voted in
// ended) with the proposal and its result. Ids are the rows' own, which grow with time.

type Row = Selectable<NotificationsTable>;
type Notification = { id: string; type: string; created_at: string; account: unknown; status?: unknown; group_key: string };

const NOT_FOUND = "Record not found";

/** Follows of me within the same 12 hours are one group (Mastodon groups favourites, boosts and follows by type, status and a 12-hour span). */
const GROUP_SPAN_MS = 12 * 3600 * 1000;
/** The types grouped when an app does not say (`grouped_types[]`): Mastodon's; only follows happen here. */
const GROUPABLE = ["favourite", "follow", "reblog"];

export function groupKeyOf(row: Pick<Row, "id" | "kind" | "created_at">): string {
  if (row.kind === "follow") return `follow-${Math.floor(new Date(row.created_at).getTime() / GROUP_SPAN_MS)}`;
  return `ungrouped-${row.id}`;
}

/** Notifications after the person's notifications marker (all when none), counted up to `limit`. */
export async function unreadCount(app: AppContext, me: string, limit: number): Promise<number> {
  const marker = await app.db.selectFrom("mastodon_markers").select("last_read_id").where("actor_id", "=", me).where("timeline", "=", "notifications").executeTakeFirst();
  let q = app.db.selectFrom("notifications").select("id").where("recipient_id", "=", me);
  if (marker && /^\d{1,19}$/.test(marker.last_read_id)) q = q.where("id", ">", marker.last_read_id);
  const rows = await q.limit(limit).execute();
  return rows.length;
}

const OUTCOME: Record<string, string> = { passed: "passed", rejected: "did not pass", tabled: "was set aside", done: "is done" };

function words(kind: string, row: Row): string {
  const title = `“${escapeHtml(row.title)}”`;
  if (kind === "vote-opened") return `A vote is open on ${title}${row.detail ? ` until ${escapeHtml(row.detail.slice(0, 16).replace("T", " "))} UTC` : ""}.`;
  if (kind === "deadline-near") return `A vote closes soon and you have not voted: ${title}, until ${escapeHtml(row.detail.slice(0, 16).replace("T", " "))} UTC.`;
  if (kind === "outcome") return `Decided: ${title} ${OUTCOME[row.detail] ?? escapeHtml(row.detail)}.`;
  return [escapeHtml(row.title), escapeHtml(row.detail)].filter(Boolean).join(": ");
}

/** Notification rows as Mastodon's entities for their recipient `me`, in order; what apps cannot be shown is left out. */
export async function notificationEntities(app: AppContext, rows: readonly Row[], me: string): Promise<Notification[]> {
  const origin = app.config.publicOrigin;
  const accountOf = accountCache(app);
  const meAccount = await accountOf(actorUri(origin, me).href);
  const voted = new Map<string, boolean>();
  const out: Notification[] = [];
  for (const row of rows) {
    const base = { id: String(row.id), created_at: new Date(row.created_at).toISOString(), group_key: groupKeyOf(row) };
    if (row.kind === "follow" && row.actor_uri) {
      const account = await accountOf(row.actor_uri);
      if (account) out.push({ ...base, type: "follow", account });
      continue;
    }
    // A reply to me, and another server's body refusing an act of mine (its answer, kept for me).
    if ((row.kind === "reply" || row.kind === "act-refused") && row.object_uri && row.actor_uri) {
      const reply = await statusQuery(app).where("objects.uri", "=", row.object_uri).executeTakeFirst();
      const [status] = reply ? await toStatuses(app, [reply], me) : [];
      if (status) out.push({ ...base, type: "mention", account: status.account, status });
      continue;
    }
    // The body speaks: an event of its record.
    if (!row.body_id || !meAccount) continue;
    const body = await accountOf(actorUri(origin, row.body_id).href);
    if (!body) continue;
    const proposal = row.proposal_uri ? await app.db.selectFrom("proposals").select(["id", "uri"]).where("uri", "=", row.proposal_uri).executeTakeFirst() : undefined;
    const page = proposal ? new URL(`${profileUrl(origin, body.username).pathname}/proposals/${encodeURIComponent(proposal.id)}`, origin).href : null;
    if (row.kind === "outcome" && proposal) {
      if (!voted.has(proposal.id)) {
        const loaded = await loadProposalState(app, proposal.id);
        const mine = actorUri(origin, me).href;
        voted.set(proposal.id, !!loaded && [...loaded.proposal.rounds.values()].some((r) => r.ballots.has(mine)));
      }
      if (voted.get(proposal.id)) {
        const asked = await statusQuery(app).where("objects.uri", "=", proposal.uri).executeTakeFirst();
        const [status] = asked ? await toStatuses(app, [asked], me) : [];
        if (status?.poll) {
          out.push({ ...base, type: "poll", account: body, status: { ...status, content: `<p>${words(row.kind, row)}</p>${status.content}` } });
          continue;
        }
      }
    }
    const uri = new URL(`/notifications#${row.id}`, origin).href;
    const mention = `<span class="h-card"><a href="${escapeHtml(meAccount.url)}" class="u-url mention">@<span>${escapeHtml(meAccount.username)}</span></a></span>`;
    const link = page ? ` <a href="${escapeHtml(page)}">${escapeHtml(page)}</a>` : "";
    const status = statusShape(origin, {
      id: statusId(row.created_at, uri),
      uri,
      url: page ?? uri,
      published: row.created_at,
      account: body,
      content: `<p>${mention} ${words(row.kind, row)}${link}</p>`,
      summary: null,
      visibility: "direct",
      mentions: [meAccount],
    });
    out.push({ ...base, type: "mention", account: body, status });
  }
  return out;
}

export function notificationRoutes(app: AppContext) {
  const origin = app.config.publicOrigin;

  const list = (v: unknown) => (Array.isArray(v) ? v : v === undefined ? [] : [v]).filter((t): t is string => typeof t === "string");

  return async (f: FastifyInstance) => {
    const read = { preHandler: authenticate(app, { scope: "read:notifications", user: true }) };
    const write = { preHandler: authenticate(app, { scope: "write:notifications", user: true }) };

    /** A page of the person's notifications by the request's paging and type filters. */
    async function listPage(req: FastifyRequest): Promise<Notification[]> {
      const me = accountOf(req);
      const p = params(req);
      const pg = paging(p, 40, 80);
      const types = list(p.types);
      const excluded = list(p.exclude_types);
      let q = app.db.selectFrom("notifications").selectAll().where("recipient_id", "=", me);
      if (pg.maxId) q = q.where("id", "<", pg.maxId);
      if (pg.sinceId) q = q.where("id", ">", pg.sinceId);
      if (pg.minId) q = q.where("id", ">", pg.minId);
      const wanted = (n: Notification) => (types.length === 0 || types.includes(n.type)) && !excluded.includes(n.type);
      const filtering = types.length > 0 || excluded.length > 0;
      // Types are known only once mapped: read on a little, boundedly, to fill a filtered page.
      const out: Notification[] = [];
      let last: string | null = null;
      for (let round = 0; round < 5 && out.length < pg.limit; round++) {
        let page = q;
        if (last !== null) page = pg.minId ? page.where("id", ">", last) : page.where("id", "<", last);
        const rows = await page
          .orderBy("id", pg.minId ? "asc" : "desc")
          .limit(filtering ? pg.limit * 2 : pg.limit)
          .execute();
        if (rows.length === 0) break;
        last = String(rows.at(-1)!.id);
        if (pg.minId) rows.reverse();
        const mapped = (await notificationEntities(app, rows, me)).filter(wanted);
        out.push(...(pg.minId ? mapped.reverse() : mapped));
        if (!filtering) break;
      }
      return pg.minId ? out.slice(0, pg.limit).reverse() : out.slice(0, pg.limit);
    }

    f.get("/api/v1/notifications", read, async (req, reply) => {
      const page = await listPage(req);
      setLinks(
        req,
        reply,
        origin,
        page.map((n) => n.id),
      );
      return page;
    });

    // Mastodon 4.3's unread count: notifications after the marker, at most `limit` (100, ≤ 1,000).
    f.get("/api/v1/notifications/unread_count", read, async (req) => {
      const n = Number(params(req).limit);
      return { count: await unreadCount(app, accountOf(req), Number.isInteger(n) && n > 0 ? Math.min(n, 1000) : 100) };
    });

    // The grouped form (Mastodon 4.3): follows of me within 12 hours are one group (unless the
    // app leaves `follow` out of `grouped_types[]`); every other notification is a group of one.
    f.get("/api/v2/notifications", read, async (req, reply) => {
      const me = accountOf(req);
      const page = await listPage(req);
      setLinks(
        req,
        reply,
        origin,
        page.map((n) => n.id),
      );
      const asked = list(params(req).grouped_types);
      const grouped = new Set(asked.length > 0 ? asked : GROUPABLE);
      const accounts = new Map<string, unknown>();
      const statuses = new Map<string, unknown>();
      type Group = { key: string; type: string; items: Notification[] };
      const groups: Group[] = [];
      const byKey = new Map<string, Group>();
      for (const n of page) {
        accounts.set((n.account as { id: string }).id, n.account);
        if (n.status) statuses.set((n.status as { id: string }).id, n.status);
        const key = grouped.has(n.type) && !n.group_key.startsWith("ungrouped-") ? n.group_key : `ungrouped-${n.id}`;
        const known = byKey.get(key);
        if (known) known.items.push(n);
        else {
          const g = { key, type: n.type, items: [n] };
          byKey.set(key, g);
          groups.push(g);
        }
      }
      const out = [];
      for (const g of groups) {
        const newest = g.items[0]!;
        let count = g.items.length;
        let mostRecent = newest.id;
        // A group's count and most recent notification are the whole group's, beyond this page.
        const slice = /^follow-(\d+)$/.exec(g.key);
        if (slice) {
          const from = new Date(Number(slice[1]) * GROUP_SPAN_MS);
          const total = await app.db
            .selectFrom("notifications")
            .select((eb) => [eb.fn.countAll<string>().as("n"), eb.fn.max("id").as("last")])
            .where("recipient_id", "=", me)
            .where("kind", "=", "follow")
            .where("created_at", ">=", from)
            .where("created_at", "<", new Date(from.getTime() + GROUP_SPAN_MS))
            .executeTakeFirst();
          count = Math.max(count, Number(total?.n ?? 0));
          if (total?.last) mostRecent = String(total.last);
        }
        out.push({
          group_key: g.key,
          notifications_count: count,
          type: g.type,
          most_recent_notification_id: mostRecent,
          // A page is newest first.
          page_min_id: g.items.at(-1)!.id,
          page_max_id: newest.id,
          latest_page_notification_at: newest.created_at,
          sample_account_ids: [...new Set(g.items.map((n) => (n.account as { id: string }).id))].slice(0, 8),
          ...(newest.status ? { status_id: (newest.status as { id: string }).id } : {}),
        });
      }
      return { accounts: [...accounts.values()], statuses: [...statuses.values()], notification_groups: out };
    });

    // Mastodon 4.3's unread count of groups.
    f.get("/api/v2/notifications/unread_count", read, async (req) => {
      const me = accountOf(req);
      const n = Number(params(req).limit);
      const limit = Number.isInteger(n) && n > 0 ? Math.min(n, 1000) : 100;
      const marker = await app.db.selectFrom("mastodon_markers").select("last_read_id").where("actor_id", "=", me).where("timeline", "=", "notifications").executeTakeFirst();
      let q = app.db.selectFrom("notifications").select(["id", "kind", "created_at"]).where("recipient_id", "=", me);
      if (marker && /^\d{1,19}$/.test(marker.last_read_id)) q = q.where("id", ">", marker.last_read_id);
      const rows = await q
        .orderBy("id", "desc")
        .limit(limit * 4)
        .execute();
      return { count: Math.min(limit, new Set(rows.map(groupKeyOf)).size) };
    });

    f.get<{ Params: { id: string } }>("/api/v1/notifications/:id", read, async (req, reply) => {
      const id = /^\d{1,19}$/.test(req.params.id) ? req.params.id : null;
      const row = id ? await app.db.selectFrom("notifications").selectAll().where("id", "=", id).where("recipient_id", "=", accountOf(req)).executeTakeFirst() : undefined;
      const [entity] = row ? await notificationEntities(app, [row], accountOf(req)) : [];
      return entity ?? sendError(reply, 404, NOT_FOUND);
    });

    f.post("/api/v1/notifications/clear", write, async (req) => {
      await app.db.deleteFrom("notifications").where("recipient_id", "=", accountOf(req)).execute();
      return {};
    });

    f.post<{ Params: { id: string } }>("/api/v1/notifications/:id/dismiss", write, async (req, reply) => {
      const id = /^\d{1,19}$/.test(req.params.id) ? req.params.id : null;
      const gone = id ? await app.db.deleteFrom("notifications").where("id", "=", id).where("recipient_id", "=", accountOf(req)).executeTakeFirst() : null;
      return gone && Number(gone.numDeletedRows) > 0 ? {} : sendError(reply, 404, NOT_FOUND);
    });
  };
}
