import type { Kysely } from "kysely";

// The home timeline (src/mastodon/timelines.ts) reads statuses by author as well as by
// body, newest first, and an account's status count is by author: without this, each
// was a scan of every status (bench/home-timeline.ts). The index by date alone comes with
// the statuses' own migration (2026-12-04-1700_mastodon-statuses.ts).

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex("objects_attributed_to").on("objects").columns(["attributed_to", "published"]).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex("objects_attributed_to").execute();
}
