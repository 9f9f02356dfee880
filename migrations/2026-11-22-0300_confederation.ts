import type { Kysely } from "kysely";

// Confederation: referrals (their deadlines, for the timer), the signed documents other
// bodies sent (verdicts, mandates), embedded as received in what the confederation
// publishes, and each member body's member count (its weight).

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("referrals")
    .addColumn("uri", "text", (c) => c.primaryKey())
    .addColumn("body_id", "text", (c) => c.notNull().references("actors.id").onDelete("cascade"))
    .addColumn("title", "text", (c) => c.notNull())
    .addColumn("opened_at", "timestamptz", (c) => c.notNull())
    .addColumn("deadline", "timestamptz", (c) => c.notNull())
    .addColumn("closed_at", "timestamptz")
    .addColumn("outcome", "text")
    .addColumn("parent", "text")
    .execute();
  await db.schema.createIndex("referrals_open").on("referrals").columns(["closed_at", "deadline"]).execute();
  await db.schema.createIndex("referrals_body").on("referrals").columns(["body_id", "opened_at"]).execute();
  await db.schema
    .createTable("signed_documents")
    .addColumn("uri", "text", (c) => c.primaryKey())
    .addColumn("type", "text", (c) => c.notNull())
    .addColumn("signer", "text", (c) => c.notNull())
    // `text`, not `jsonb`: kept byte for byte as it was signed.
    .addColumn("document", "text", (c) => c.notNull())
    .addColumn("received_at", "timestamptz", (c) => c.notNull())
    .execute();
  await db.schema.alterTable("memberships").addColumn("member_count", "integer").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("memberships").dropColumn("member_count").execute();
  await db.schema.dropTable("signed_documents").ifExists().execute();
  await db.schema.dropTable("referrals").ifExists().execute();
}
