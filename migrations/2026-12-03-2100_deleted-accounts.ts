import type { Kysely } from "kysely";

// A person may delete their account: the profile, password and sessions go, the handle
// stays taken (no one else may sign up as them), and what they did stays on the record.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("actors").addColumn("deleted_at", "timestamptz").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("actors").dropColumn("deleted_at").execute();
}
