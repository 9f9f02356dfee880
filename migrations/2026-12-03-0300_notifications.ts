import { sql, type Kysely } from "kysely";

// In-app notifications for local people: a vote opened in one of their bodies, an outcome,
// a reply to what they wrote. Written in the transaction of what caused them; derived, so
// losing them loses nothing of the record.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("notifications")
    .addColumn("id", "bigserial", (c) => c.primaryKey())
    .addColumn("recipient_id", "text", (c) => c.notNull().references("actors.id").onDelete("cascade"))
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("body_id", "text")
    .addColumn("proposal_uri", "text")
    .addColumn("object_uri", "text")
    .addColumn("actor_uri", "text")
    .addColumn("title", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("detail", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("read_at", "timestamptz")
    .execute();
  await db.schema.createIndex("notifications_recipient_idx").on("notifications").columns(["recipient_id", "id"]).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("notifications").execute();
}
