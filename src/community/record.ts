import type { AppContext } from "../context.ts";
import { findBody } from "./actors.ts";
import { ok, type Result, failWith } from "../shared/result.ts";

export interface RecordEntry {
  seq: string;
  uri: string;
  type: string;
  object: string | null;
  published: Date;
  activity: unknown;
}

/** A body's public record (its outbox), newest first, paged by `before` (a sequence number). */
export async function readRecord(
  app: AppContext,
  bodyHandle: string,
  page: { before?: string; limit?: number } = {},
): Promise<Result<{ items: RecordEntry[]; next: string | null }>> {
  const body = await findBody(app, bodyHandle);
  if (!body.ok) return body;
  const limit = Math.min(Math.max(page.limit ?? 20, 1), 100);
  if (page.before !== undefined && !/^\d+$/.test(page.before)) return failWith("invalid", "page-invalid", "before is a sequence number", { field: "before" });
  const rows = await app.db
    .selectFrom("activities")
    .select(["seq", "uri", "type", "object_uri", "published", "payload"])
    .where("actor_id", "=", body.value.id)
    .where("public", "=", true)
    .$if(page.before !== undefined, (q) => q.where("seq", "<", page.before!))
    .orderBy("seq", "desc")
    .limit(limit + 1)
    .execute();
  const items = rows.slice(0, limit).map((r) => ({
    seq: String(r.seq),
    uri: r.uri,
    type: r.type,
    object: r.object_uri,
    published: r.published,
    activity: JSON.parse(r.payload) as unknown,
  }));
  return ok({ items, next: rows.length > limit ? items.at(-1)!.seq : null });
}
