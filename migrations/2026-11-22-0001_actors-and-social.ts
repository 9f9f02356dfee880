import { sql, type Kysely } from "kysely";

// Frozen once shipped: later changes go in new, later-dated migrations.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("actors")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("handle", "text", (c) => c.notNull().unique())
    .addColumn("kind", "text", (c) => c.notNull().check(sql`kind in ('person', 'assembly', 'council', 'committee', 'confederation', 'instance')`))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("summary", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("manually_approves_followers", "boolean", (c) => c.notNull().defaultTo(false))
    // How a body admits members until its bylaws say otherwise; unused for people.
    .addColumn("admission", "text", (c) => c.notNull().defaultTo("open").check(sql`admission in ('open', 'by-decision')`))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint("actors_handle_format", sql`handle ~ '^[a-z0-9_]{1,30}$'`)
    .execute();

  // Private keys stay here: never selected by API or page code.
  await db.schema
    .createTable("actor_keys")
    .addColumn("actor_id", "text", (c) => c.notNull().references("actors.id").onDelete("cascade"))
    .addColumn("algorithm", "text", (c) => c.notNull().check(sql`algorithm in ('RSASSA-PKCS1-v1_5', 'Ed25519')`))
    .addColumn("public_jwk", "text", (c) => c.notNull())
    .addColumn("private_jwk", "text", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint("actor_keys_pk", ["actor_id", "algorithm"])
    .execute();

  await db.schema
    .createTable("accounts")
    .addColumn("actor_id", "text", (c) => c.primaryKey().references("actors.id").onDelete("cascade"))
    .addColumn("password_hash", "text", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  // Remote actors we deliver to or show; refreshed from their documents.
  await db.schema
    .createTable("remote_actors")
    .addColumn("uri", "text", (c) => c.primaryKey())
    .addColumn("handle", "text")
    .addColumn("type", "text", (c) => c.notNull())
    .addColumn("name", "text")
    .addColumn("inbox", "text", (c) => c.notNull())
    .addColumn("shared_inbox", "text")
    .addColumn("url", "text")
    .addColumn("fetched_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  // Both directions: remote people following local bodies, local actors following remote ones.
  await db.schema
    .createTable("follows")
    .addColumn("id", "bigserial", (c) => c.primaryKey())
    .addColumn("follower_uri", "text", (c) => c.notNull())
    .addColumn("followee_uri", "text", (c) => c.notNull())
    .addColumn("activity_uri", "text", (c) => c.notNull().unique())
    .addColumn("state", "text", (c) => c.notNull().check(sql`state in ('pending', 'accepted')`))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("accepted_at", "timestamptz")
    .addUniqueConstraint("follows_pair", ["follower_uri", "followee_uri"])
    .execute();
  await db.schema.createIndex("follows_followee").on("follows").columns(["followee_uri", "state"]).execute();

  await db.schema
    .createTable("memberships")
    .addColumn("id", "bigserial", (c) => c.primaryKey())
    .addColumn("body_id", "text", (c) => c.notNull().references("actors.id").onDelete("cascade"))
    .addColumn("member_uri", "text", (c) => c.notNull())
    .addColumn("admitted_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("admitted_by", "text", (c) => c.notNull())
    .addUniqueConstraint("memberships_pair", ["body_id", "member_uri"])
    .execute();

  // Notes posted to or by local actors, and remote notes received; content is sanitised HTML.
  await db.schema
    .createTable("objects")
    .addColumn("uri", "text", (c) => c.primaryKey())
    .addColumn("local_id", "text", (c) => c.unique())
    .addColumn("type", "text", (c) => c.notNull())
    .addColumn("attributed_to", "text", (c) => c.notNull())
    .addColumn("audience", "text")
    .addColumn("in_reply_to", "text")
    .addColumn("content", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("url", "text")
    .addColumn("published", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("updated", "timestamptz")
    .addColumn("deleted_at", "timestamptz")
    .addColumn("raw", "text") // remote document as received (text, never jsonb)
    .execute();
  await db.schema.createIndex("objects_in_reply_to").on("objects").column("in_reply_to").execute();
  await db.schema.createIndex("objects_audience").on("objects").columns(["audience", "published"]).execute();

  // Durable inbox idempotence: a second delivery of an activity id has no effect, forever.
  await db.schema
    .createTable("inbox_log")
    .addColumn("activity_uri", "text", (c) => c.primaryKey())
    .addColumn("actor_uri", "text", (c) => c.notNull())
    .addColumn("type", "text", (c) => c.notNull())
    .addColumn("received_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  // Every activity a local actor sends: its outbox (public record) and a transactional outbox
  // for delivery (enqueued_at is set once handed to the delivery queue).
  await db.schema
    .createTable("activities")
    .addColumn("seq", "bigserial", (c) => c.primaryKey())
    .addColumn("uri", "text", (c) => c.notNull().unique())
    .addColumn("actor_id", "text", (c) => c.notNull().references("actors.id").onDelete("cascade"))
    .addColumn("type", "text", (c) => c.notNull())
    .addColumn("object_uri", "text")
    .addColumn("payload", "text", (c) => c.notNull())
    .addColumn("recipients", "text", (c) => c.notNull())
    .addColumn("public", "boolean", (c) => c.notNull())
    .addColumn("published", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("enqueued_at", "timestamptz")
    // Set while one process hands the row to the queue, so two processes never both do.
    .addColumn("handoff_until", "timestamptz")
    .execute();
  await db.schema.createIndex("activities_outbox").on("activities").columns(["actor_id", "public", "seq"]).execute();
  await sql`create index activities_undelivered on activities (seq) where enqueued_at is null`.execute(db);

  await db.schema
    .createTable("instance_secrets")
    .addColumn("name", "text", (c) => c.primaryKey())
    .addColumn("value", "text", (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ["instance_secrets", "activities", "inbox_log", "objects", "memberships", "follows", "remote_actors", "accounts", "actor_keys", "actors"]) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}
