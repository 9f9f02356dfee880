import { sql, type Kysely } from "kysely";

// The Mastodon client API's OAuth 2 (src/mastodon/): the apps that registered, the
// authorization codes (single use, ten minutes) and the access tokens. Client secrets,
// codes and tokens are kept as SHA-256 hashes only. A token for an account names a
// session (sessions), so signing out everywhere or changing the password ends it too.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("oauth_apps")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("client_id", "text", (c) => c.notNull().unique())
    .addColumn("client_secret_hash", "text", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("website", "text")
    .addColumn("redirect_uris", "text", (c) => c.notNull())
    .addColumn("scopes", "text", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable("oauth_codes")
    .addColumn("code_hash", "text", (c) => c.primaryKey())
    .addColumn("app_id", "text", (c) => c.notNull().references("oauth_apps.id").onDelete("cascade"))
    .addColumn("actor_id", "text", (c) => c.notNull().references("actors.id").onDelete("cascade"))
    .addColumn("redirect_uri", "text", (c) => c.notNull())
    .addColumn("scopes", "text", (c) => c.notNull())
    .addColumn("code_challenge", "text")
    .addColumn("code_challenge_method", "text")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("expires_at", "timestamptz", (c) => c.notNull())
    .addColumn("used_at", "timestamptz")
    // The token its exchange gave: revoked if the code is presented again.
    .addColumn("token_id", "text")
    .execute();

  await db.schema
    .createTable("oauth_tokens")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("token_hash", "text", (c) => c.notNull().unique())
    .addColumn("app_id", "text", (c) => c.notNull().references("oauth_apps.id").onDelete("cascade"))
    // Null for a client_credentials token (the app alone).
    .addColumn("actor_id", "text", (c) => c.references("actors.id").onDelete("cascade"))
    .addColumn("session_id", "text", (c) => c.references("sessions.id").onDelete("cascade"))
    .addColumn("scopes", "text", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("revoked_at", "timestamptz")
    .execute();
  await db.schema.createIndex("oauth_tokens_app_idx").on("oauth_tokens").column("app_id").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("oauth_tokens").execute();
  await db.schema.dropTable("oauth_codes").execute();
  await db.schema.dropTable("oauth_apps").execute();
}
