import { sql, type Kysely } from "kysely";

// An inbound activity is claimed in the transaction of its effect; one that has an effect
// on several local bodies (a referral reaching several member bodies) is claimed once per
// body, so a crash between two bodies leaves the rest to the redelivery. `scope` is the
// body's id, or "" for a claim of the whole activity (every claim made before this).

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable("inbox_log")
    .addColumn("scope", "text", (c) => c.notNull().defaultTo(""))
    .execute();
  await sql`alter table inbox_log drop constraint inbox_log_pkey`.execute(db);
  await sql`alter table inbox_log add primary key (activity_uri, scope)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`delete from inbox_log where scope <> ''`.execute(db);
  await sql`alter table inbox_log drop constraint inbox_log_pkey`.execute(db);
  await sql`alter table inbox_log add primary key (activity_uri)`.execute(db);
  await db.schema.alterTable("inbox_log").dropColumn("scope").execute();
}
