import type { FastifyReply, FastifyRequest } from "fastify";
import { compareIds } from "./ids.ts";

// Mastodon's paging on every list: `limit`, `max_id` (older than), `since_id` (newer than,
// newest first), `min_id` (newer than, the oldest of those first, for reading forward), and
// a `Link` header with `rel="next"` (older) and `rel="prev"` (newer).

export interface Paging {
  limit: number;
  maxId: string | null;
  sinceId: string | null;
  minId: string | null;
}

const isId = (v: unknown): v is string => typeof v === "string" && /^\d{1,20}$/.test(v);

export function paging(p: Record<string, unknown>, defaultLimit = 20, maxLimit = 40): Paging {
  const n = Number(p.limit);
  return {
    limit: Number.isInteger(n) && n > 0 ? Math.min(n, maxLimit) : defaultLimit,
    maxId: isId(p.max_id) ? p.max_id : null,
    sinceId: isId(p.since_id) ? p.since_id : null,
    minId: isId(p.min_id) ? p.min_id : null,
  };
}

/**
 * The page of `items` (any order, each with a numeric-string id) that `pg` asks for,
 * newest first. The caller fetches a few more than `limit` around the bounds.
 */
export function pageOf<T>(items: readonly T[], pg: Paging, idOf: (t: T) => string): T[] {
  const kept = items.filter((t) => {
    const id = idOf(t);
    if (pg.maxId && compareIds(id, pg.maxId) >= 0) return false;
    if (pg.sinceId && compareIds(id, pg.sinceId) <= 0) return false;
    if (pg.minId && compareIds(id, pg.minId) <= 0) return false;
    return true;
  });
  kept.sort((a, b) => compareIds(idOf(b), idOf(a)));
  // With min_id, the page is the oldest `limit` above it (still shown newest first).
  return pg.minId ? kept.slice(-pg.limit) : kept.slice(0, pg.limit);
}

/** Sets Mastodon's `Link` header for a page whose newest id is `first` and oldest `last`. */
export function setLinks(req: FastifyRequest, reply: FastifyReply, origin: URL, ids: readonly string[]): void {
  if (ids.length === 0) return;
  const url = new URL(req.url, origin);
  const base = new URL(url.pathname, origin);
  for (const [k, v] of url.searchParams) if (!["max_id", "since_id", "min_id"].includes(k)) base.searchParams.append(k, v);
  const next = new URL(base);
  next.searchParams.set("max_id", ids.at(-1)!);
  const prev = new URL(base);
  prev.searchParams.set("min_id", ids[0]!);
  reply.header("link", `<${next.href}>; rel="next", <${prev.href}>; rel="prev"`);
}
