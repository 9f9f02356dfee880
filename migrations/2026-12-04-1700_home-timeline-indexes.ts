import type { Kysely } from "kysely";

// The home timeline (src/mastodon/timelines.ts) reads statuses by author as well as by
// body, newest first, and an account's status count is by author: without these, each
// was a scan of every status (bench/home-timeline.ts).

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex("objects_attributed_to").on("objects").columns(["attributed_to", "published"]).execute();
  await db.schema.createIndex("objects_published").on("objects").column("published").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex("objects_published").execute();
  await db.schema.dropIndex("objects_attributed_to").execute();
}
