import type { Kysely } from "kysely";

// Where each proposal's Question stands on the network: created once, then
// updated (debounced, durably: a restart loses no pending update), closed once.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("proposal_publications")
    .addColumn("proposal_id", "text", (c) => c.primaryKey().references("proposals.id").onDelete("cascade"))
    .addColumn("created_at", "timestamptz", (c) => c.notNull())
    .addColumn("dirty_since", "timestamptz")
    .addColumn("updated_at", "timestamptz")
    .addColumn("outcome_posted_at", "timestamptz")
    .execute();
  await db.schema.createIndex("proposal_publications_dirty").on("proposal_publications").column("dirty_since").execute();
  // Each round after the first is its own poll (amendments, second checks, final vote).
  await db.schema
    .createTable("round_publications")
    .addColumn("proposal_id", "text", (c) => c.notNull().references("proposals.id").onDelete("cascade"))
    .addColumn("round_id", "text", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull())
    .addPrimaryKeyConstraint("round_publications_pk", ["proposal_id", "round_id"])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("round_publications").ifExists().execute();
  await db.schema.dropTable("proposal_publications").ifExists().execute();
}
