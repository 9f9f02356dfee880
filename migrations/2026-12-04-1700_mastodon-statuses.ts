import { sql, type Kysely } from "kysely";

// The Mastodon client API's statuses, markers and idempotent posting (src/mastodon/):
// - `objects.summary`: a post's content warning (Mastodon's `spoiler_text`);
// - an index on `objects.published`: status ids are made from it (src/mastodon/ids.ts)
//   and a status is found, and timelines paged, by it;
// - `mastodon_markers`: where a person stopped reading (`home`, `notifications`);
// - `mastodon_idempotency`: an `Idempotency-Key` an app sent with a post, for an hour,
//   so a retried request gives the same status instead of a second post.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("objects").addColumn("summary", "text").execute();
  await db.schema.createIndex("objects_published").on("objects").column("published").execute();
  await db.schema
    .createTable("mastodon_markers")
    .addColumn("actor_id", "text", (c) => c.notNull().references("actors.id").onDelete("cascade"))
    .addColumn("timeline", "text", (c) => c.notNull())
    .addColumn("last_read_id", "text", (c) => c.notNull())
    .addColumn("version", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint("mastodon_markers_pk", ["actor_id", "timeline"])
    .execute();
  await db.schema
    .createTable("mastodon_idempotency")
    .addColumn("actor_id", "text", (c) => c.notNull().references("actors.id").onDelete("cascade"))
    .addColumn("key", "text", (c) => c.notNull())
    .addColumn("object_uri", "text")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint("mastodon_idempotency_pk", ["actor_id", "key"])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("mastodon_idempotency").execute();
  await db.schema.dropTable("mastodon_markers").execute();
  await db.schema.dropIndex("objects_published").execute();
  await db.schema.alterTable("objects").dropColumn("summary").execute();
}
