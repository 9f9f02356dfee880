import { sql, type Kysely } from "kysely";

// Reminders that a vote closes soon (src/decisions/reminders.ts): one row per proposal and
// closing time once its members on the roll who had not voted were reminded, so a reminder
// is sent once, whichever worker sends it and however often the timer runs.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("vote_reminders")
    .addColumn("proposal_id", "text", (c) => c.notNull())
    .addColumn("closes_at", "timestamptz", (c) => c.notNull())
    .addColumn("reminded_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint("vote_reminders_pk", ["proposal_id", "closes_at"])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("vote_reminders").execute();
}
