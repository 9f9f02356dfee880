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

export interface OAuthTables {
  oauth_apps: OAuthAppsTable;
  oauth_codes: OAuthCodesTable;
  oauth_tokens: OAuthTokensTable;
}
