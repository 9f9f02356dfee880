import type { SelectQueryBuilder } from "kysely";
import type { AppContext } from "../context.ts";
import { htmlToText } from "../shared/text.ts";
import { findProposal, loadProposalStates, mayReadProposal, readProposal } from "../decisions/index.ts";
import { actorUri, localActorId } from "../shared/uris.ts";
import type { Schema } from "../store/schema.ts";
import { statusId, statusTime } from "./ids.ts";
import type { Paging } from "./paging.ts";
import { pageOf } from "./paging.ts";
import { pollOf, remotePollEntity } from "./polls.ts";
import { accountEntities } from "./accounts.ts";
import { type AccountEntity, accountCache, type MentionEntity, mentionCache } from "./remote-accounts.ts";

// Posts and proposals (a proposal is a status with its vote as the poll) as Mastodon's
// Status entity, and the query every status list starts from.

export interface StatusRow {
  uri: string;
  local_id: string | null;
  type: string;
  attributed_to: string;
  audience: string | null;
  in_reply_to: string | null;
  content: string;
  summary: string | null;
  url: string | null;
  published: Date;
  proposal_id: string | null;
}

type Q = SelectQueryBuilder<Schema & { objects: Schema["objects"] }, "objects" | "proposals", StatusRow>;

/** The columns of a {@link StatusRow}, from `objects` left-joined with `proposals`. */
export const STATUS_COLUMNS = [
  "objects.uri",
  "objects.local_id",
  "objects.type",
  "objects.attributed_to",
  "objects.audience",
  "objects.in_reply_to",
  "objects.content",
  "objects.summary",
  "objects.url",
  "objects.published",
  "proposals.id as proposal_id",
] as const;

/** Statuses apps may be shown: not deleted, not a draft (a draft is its body's business until tabled). */
export function statusQuery(app: Pick<AppContext, "db">): Q {
  return app.db
    .selectFrom("objects")
    .leftJoin("proposals", "proposals.uri", "objects.uri")
    .select(STATUS_COLUMNS)
    .where("objects.deleted_at", "is", null)
    .where((eb) => eb.or([eb("proposals.id", "is", null), eb("proposals.status", "!=", "draft")])) as unknown as Q;
}

/** Public statuses: written here, or taken into a body's record (`audience`). */
export function publicOnly(q: Q, origin: URL): Q {
  return q.where((eb) => eb.or([eb("objects.audience", "is not", null), eb("objects.attributed_to", "like", `${origin.origin}/%`)]));
}

/** One page of `q` by `pg`, newest first (ids are made from `published`, see ids.ts). */
export async function pageStatuses(q: Q, pg: Paging): Promise<StatusRow[]> {
  const max = statusTime(pg.maxId);
  const low = [statusTime(pg.sinceId), statusTime(pg.minId)].filter((d): d is Date => d !== null).sort((a, b) => b.getTime() - a.getTime())[0];
  let query = q;
  if (max) query = query.where("objects.published", "<=", max);
  if (low) query = query.where("objects.published", ">=", low);
  // A few more than asked: rows of the same millisecond as a bound are sorted out by id.
  const rows = await query
    .orderBy("objects.published", pg.minId ? "asc" : "desc")
    .limit(pg.limit + 10)
    .execute();
  return pageOf(rows, pg, rowId);
}

export const rowId = (r: { published: Date; uri: string }) => statusId(r.published, r.uri);

/** The status `id` names, if `viewerId` may see it. */
export async function findStatus(app: AppContext, id: string, viewerId: string | null): Promise<StatusRow | null> {
  const at = statusTime(id);
  if (!at) return null;
  const rows = await statusQuery(app).where("objects.published", "=", at).execute();
  const row = rows.find((r) => rowId(r) === id);
  return row && (await maySee(app, row, viewerId)) ? row : null;
}

/** Public statuses to anyone; a remote note kept for someone here (not public) to them only. */
export async function maySee(app: AppContext, row: StatusRow, viewerId: string | null): Promise<boolean> {
  if (row.proposal_id) return proposalReadable(app, row.proposal_id, viewerId);
  if (row.audience !== null || localActorId(app.config.publicOrigin, row.attributed_to) !== null) return true;
  if (row.uri.startsWith(`${app.config.publicOrigin.origin}/`)) return true;
  if (!viewerId) return false;
  const kept = await app.db.selectFrom("notifications").select("id").where("recipient_id", "=", viewerId).where("object_uri", "=", row.uri).executeTakeFirst();
  return kept !== undefined;
}

/** Whether the viewer may read a proposal (a body may keep its record to its members). */
async function proposalReadable(app: AppContext, proposalId: string, viewerId: string | null): Promise<boolean> {
  const ref = await findProposal(app, proposalId);
  if (!ref) return false;
  const viewer = viewerId ? actorUri(app.config.publicOrigin, viewerId).href : null;
  return (await readProposal(app, viewer, ref.bodyHandle, proposalId)).ok;
}

const HASHTAG = /(?:^|[^\p{L}\p{N}_&#])#([\p{L}\p{N}_]+)/gu;

/** The hashtags of a post's text, lower-cased, once each. */
export function hashtagsOf(html: string): string[] {
  return [...new Set([...htmlToText(html).matchAll(HASHTAG)].map((m) => m[1]!.toLowerCase()))];
}

/** The Status entities of `rows`, in their order; rows whose author cannot be shown are left out. */
export async function toStatuses(app: AppContext, rows: readonly StatusRow[], viewerId: string | null) {
  const origin = app.config.publicOrigin;
  // The page's local authors and bodies with their counts in one read, not one by one.
  const local = new Set<string>();
  for (const r of rows) for (const uri of [r.attributed_to, r.audience]) if (uri && localActorId(origin, uri)) local.add(localActorId(origin, uri)!);
  const known = new Map<string, AccountEntity>();
  for (const [id, entity] of await accountEntities(app, [...local])) known.set(actorUri(origin, id).href, entity);
  const accountOf = accountCache(app, known);
  const mentionFromStore = mentionCache(app);
  const mentionOf = (uri: string): Promise<MentionEntity | null> => {
    const k = known.get(uri);
    return k ? Promise.resolve({ id: k.id, username: k.username, acct: k.acct, url: k.url }) : mentionFromStore(uri);
  };
  const viewerUri = viewerId ? actorUri(origin, viewerId).href : null;
  const parents = new Map<string, { published: Date; attributed_to: string }>();
  const replyTo = [...new Set(rows.map((r) => r.in_reply_to).filter((u): u is string => u !== null))];
  if (replyTo.length > 0) {
    for (const p of await app.db.selectFrom("objects").select(["uri", "published", "attributed_to"]).where("uri", "in", replyTo).execute()) parents.set(p.uri, p);
  }
  const replies = new Map<string, number>();
  if (rows.length > 0) {
    const counted = await app.db
      .selectFrom("objects")
      .select((eb) => ["in_reply_to", eb.fn.countAll<string>().as("n")])
      .where(
        "in_reply_to",
        "in",
        rows.map((r) => r.uri),
      )
      .where("deleted_at", "is", null)
      .groupBy("in_reply_to")
      .execute();
    for (const c of counted) if (c.in_reply_to) replies.set(c.in_reply_to, Number(c.n));
  }
  // The page's proposals are read at once, not status by status.
  const proposals = await loadProposalStates(
    app,
    rows.map((r) => r.proposal_id).filter((id): id is string => id !== null),
  );
  // Polls of other servers (a remote body's proposals): from the Question as received.
  const remoteQuestions = rows.filter((r) => r.type === "Question" && r.proposal_id === null).map((r) => r.uri);
  const remotePolls = new Map<string, ReturnType<typeof remotePollEntity>>();
  if (remoteQuestions.length > 0) {
    for (const q of await app.db.selectFrom("objects").select(["uri", "raw"]).where("uri", "in", remoteQuestions).execute()) remotePolls.set(q.uri, remotePollEntity(q.uri, q.raw));
  }
  const out = [];
  for (const row of rows) {
    const loaded = row.proposal_id ? proposals.get(row.proposal_id) : undefined;
    // A proposal the viewer may not read (a members-only record) is left out.
    if (row.proposal_id && (!loaded || !mayReadProposal(loaded.state, loaded.proposal, viewerUri))) continue;
    const account = await accountOf(row.attributed_to);
    if (!account) continue;
    const parent = row.in_reply_to ? parents.get(row.in_reply_to) : undefined;
    const parentAccount = parent ? await accountOf(parent.attributed_to) : null;
    const body = row.audience && row.audience !== row.attributed_to ? await mentionOf(row.audience) : null;
    const p = row.proposal_id && loaded ? pollOf(app, row.proposal_id, loaded, viewerId) : null;
    out.push({
      ...statusShape(origin, {
        id: rowId(row),
        uri: row.uri,
        url: row.url ?? (row.local_id ? new URL(`/notes/${row.local_id}`, origin).href : row.uri),
        published: row.published,
        account,
        content: row.content,
        summary: row.summary,
        visibility: row.audience !== null || localActorId(origin, row.attributed_to) !== null ? "public" : "direct",
        mentions: body ? [body] : [],
      }),
      replies_count: replies.get(row.uri) ?? 0,
      in_reply_to_id: parent && row.in_reply_to ? statusId(parent.published, row.in_reply_to) : null,
      in_reply_to_account_id: parentAccount?.id ?? null,
      poll: p?.entity ?? remotePolls.get(row.uri) ?? null,
    });
  }
  return out;
}

/** The Status entity's fields, for a post or for a message made for a notification. */
export function statusShape(
  origin: URL,
  s: { id: string; uri: string; url: string; published: Date; account: AccountEntity; content: string; summary: string | null; visibility: string; mentions: MentionEntity[] },
) {
  return {
    id: s.id,
    uri: s.uri,
    url: s.url,
    created_at: new Date(s.published).toISOString(),
    account: s.account,
    content: s.content,
    visibility: s.visibility,
    sensitive: !!s.summary,
    spoiler_text: s.summary ?? "",
    media_attachments: [],
    application: null,
    mentions: s.mentions.map((m) => ({ id: m.id, username: m.username, url: m.url, acct: m.acct })),
    tags: hashtagsOf(s.content).map((name) => ({ name, url: new URL(`/tags/${encodeURIComponent(name)}`, origin).href })),
    emojis: [],
    reblogs_count: 0,
    favourites_count: 0,
    replies_count: 0,
    in_reply_to_id: null as string | null,
    in_reply_to_account_id: null as string | null,
    reblog: null,
    poll: null as unknown,
    card: null,
    language: "en",
    text: null as string | null,
    edited_at: null,
    favourited: false,
    reblogged: false,
    muted: false,
    bookmarked: false,
    pinned: false,
    filtered: [],
  };
}
