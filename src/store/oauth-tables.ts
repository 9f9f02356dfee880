import type { ColumnType, Generated } from "kysely";

// Table types for the Mastodon client API's OAuth 2; see migrations/2026-12-03-2200_mastodon-oauth.ts.

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

export interface OAuthAppsTable {
  id: string;
  client_id: string;
  client_secret_hash: string;
  name: string;
  website: string | null;
  /** Space-separated. */
  redirect_uris: string;
  /** Space-separated. */
  scopes: string;
  created_at: Generated<Date>;
}

export interface OAuthCodesTable {
  code_hash: string;
  app_id: string;
  actor_id: string;
  redirect_uri: string;
  scopes: string;
  code_challenge: string | null;
  code_challenge_method: string | null;
  created_at: Generated<Date>;
  expires_at: Timestamp;
  used_at: NullableTimestamp;
  /** The token its exchange gave. */
  token_id: string | null;
}

export interface OAuthTokensTable {
  id: string;
  token_hash: string;
  app_id: string;
  actor_id: string | null;
  session_id: string | null;
  scopes: string;
  created_at: Generated<Date>;
  revoked_at: NullableTimestamp;
}

/** Where a person stopped reading; see migrations/2026-12-04-1700_mastodon-statuses.ts. */
export interface MastodonMarkersTable {
  actor_id: string;
  /** `home` or `notifications`. */
  timeline: string;
  last_read_id: string;
  version: Generated<number>;
  updated_at: Timestamp;
}

/** An `Idempotency-Key` sent with a post, and the post it gave (null while it is being made). */
export interface MastodonIdempotencyTable {
  actor_id: string;
  key: string;
  object_uri: string | null;
  created_at: Generated<Date>;
}

export interface OAuthTables {
  mastodon_markers: MastodonMarkersTable;
  mastodon_idempotency: MastodonIdempotencyTable;
  oauth_apps: OAuthAppsTable;
  oauth_codes: OAuthCodesTable;
  oauth_tokens: OAuthTokensTable;
}
