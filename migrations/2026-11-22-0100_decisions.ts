import { sql, type Kysely } from "kysely";

// Frozen once shipped: later changes go in new, later-dated migrations.

export async function up(db: Kysely<any>): Promise<void> {
  // Each body's record of decisions: append-only, in `seq` order. A stream is the body's
  // own events (proposal_id null) or one proposal's; `position` numbers the events of a
  // stream, so two writers appending the same transition collide instead of both winning.
  await db.schema
    .createTable("governance_events")
    .addColumn("seq", "bigserial", (c) => c.primaryKey())
    .addColumn("body_id", "text", (c) => c.notNull().references("actors.id").onDelete("cascade"))
    .addColumn("proposal_id", "text")
    .addColumn("position", "integer", (c) => c.notNull().check(sql`position >= 0`))
    .addColumn("type", "text", (c) => c.notNull())
    .addColumn("event", "text", (c) => c.notNull()) // the event as JSON text, never jsonb: kept byte for byte
    .addColumn("recorded_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  // One index for both kinds of stream: a body's own events have proposal_id null.
  await sql`create unique index governance_events_stream_position on governance_events (body_id, coalesce(proposal_id, ''), position)`.execute(db);
  await db.schema.createIndex("governance_events_body_seq").on("governance_events").columns(["body_id", "seq"]).execute();
  // Append-only: no updates, no deletes, except when the body itself is deleted (cascade).
  await sql`
    create function governance_events_append_only() returns trigger language plpgsql as $$
    begin
      if tg_op = 'DELETE' and pg_trigger_depth() > 1 then
        return old;
      end if;
      raise exception 'governance_events is append-only' using errcode = 'P0001';
    end
    $$`.execute(db);
  await sql`
    create trigger governance_events_append_only before update or delete on governance_events
    for each row execute function governance_events_append_only()`.execute(db);

  // A projection of the record for listing and scheduling; rebuilt from the events at will.
  await db.schema
    .createTable("proposals")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("body_id", "text", (c) => c.notNull().references("actors.id").onDelete("cascade"))
    .addColumn("uri", "text", (c) => c.notNull().unique())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("title", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("rule", "text") // the decision rule as JSON text
    .addColumn("next_deadline", "timestamptz")
    .addColumn("decided_at", "timestamptz")
    .addColumn("outcome", "text", (c) => c.check(sql`outcome in ('passed', 'rejected', 'tabled', 'withdrawn')`))
    .addColumn("drafted_at", "timestamptz", (c) => c.notNull())
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`create index proposals_next_deadline on proposals (next_deadline) where next_deadline is not null`.execute(db);
  await db.schema.createIndex("proposals_body").on("proposals").columns(["body_id", "drafted_at"]).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("proposals").ifExists().execute();
  await db.schema.dropTable("governance_events").ifExists().execute();
  await sql`drop function if exists governance_events_append_only()`.execute(db);
}
