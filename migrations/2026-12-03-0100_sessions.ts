import { sql, type Kysely } from "kysely";

// Sessions: one row per bearer token issued (id = the token's `jti`), so one token can be
// ended without changing the instance's signing secret; a token without a live row is refused.
// Sign-in attempts: the per-account throttle, in the database so every web process agrees;
// one row per account at most, removed by a successful sign-in.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("sessions")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("actor_id", "text", (c) => c.notNull().references("actors.id").onDelete("cascade"))
    // What signed in (its user agent), for the list of one's sessions.
    .addColumn("label", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("last_used_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("expires_at", "timestamptz", (c) => c.notNull())
    .addColumn("revoked_at", "timestamptz")
    .execute();
  await db.schema.createIndex("sessions_actor_idx").on("sessions").column("actor_id").execute();

  await db.schema
    .createTable("sign_in_attempts")
    .addColumn("actor_id", "text", (c) => c.primaryKey().references("actors.id").onDelete("cascade"))
    .addColumn("attempts", "integer", (c) => c.notNull())
    .addColumn("window_started_at", "timestamptz", (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("sign_in_attempts").execute();
  await db.schema.dropTable("sessions").execute();
}
