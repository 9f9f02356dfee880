import type { ColumnType, Generated } from "kysely";

// Table types for Folkmoot's own data; see migrations/2026-11-22-0001_actors-and-social.ts.

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

export type ActorKind = "person" | "assembly" | "council" | "committee" | "confederation" | "instance";
export type BodyKind = Exclude<ActorKind, "person" | "instance">;
export const BODY_KINDS: readonly BodyKind[] = ["assembly", "council", "committee", "confederation"];

export interface ActorsTable {
  id: string;
  handle: string;
  kind: ActorKind;
  name: string;
  summary: Generated<string>;
  manually_approves_followers: Generated<boolean>;
  admission: Generated<"open" | "by-decision">;
  /** The bylaws (JSON) the body was created with, until its record starts with them; null for the defaults. */
  founding_bylaws: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: Generated<Date>;
  /** A person's account deleted (migrations/2026-12-03-2100_deleted-accounts.ts): the profile is gone, the handle stays taken. */
  deleted_at: NullableTimestamp;
}

export interface ActorKeysTable {
  actor_id: string;
  algorithm: "RSASSA-PKCS1-v1_5" | "Ed25519";
  public_jwk: string;
  private_jwk: string;
  created_at: Generated<Date>;
}

export interface AccountsTable {
  actor_id: string;
  password_hash: string;
  created_at: Generated<Date>;
  /** May use the operator pages; see migrations/2026-12-03-0200_invitations-and-administrators.ts. */
  is_admin: Generated<boolean>;
}

/** A sign-up invitation: usable once, until it expires. */
export interface InvitationsTable {
  code: string;
  created_by: string | null;
  note: Generated<string>;
  created_at: Generated<Date>;
  expires_at: Timestamp;
  used_by: string | null;
  used_at: NullableTimestamp;
}

export interface RemoteActorsTable {
  uri: string;
  handle: string | null;
  type: string;
  name: string | null;
  inbox: string;
  shared_inbox: string | null;
  url: string | null;
  fetched_at: Timestamp;
}

export interface FollowsTable {
  id: Generated<string>;
  follower_uri: string;
  followee_uri: string;
  activity_uri: string;
  state: "pending" | "accepted";
  created_at: Generated<Date>;
  accepted_at: NullableTimestamp;
}

export interface MembershipsTable {
  id: Generated<string>;
  body_id: string;
  member_uri: string;
  admitted_at: Generated<Date>;
  admitted_by: string;
  /** A member body's own member count, as its actor advertises it (its weight in a confederation). */
  member_count: number | null;
}

export interface ObjectsTable {
  uri: string;
  local_id: string | null;
  type: string;
  attributed_to: string;
  audience: string | null;
  in_reply_to: string | null;
  content: Generated<string>;
  url: string | null;
  published: Timestamp;
  updated: NullableTimestamp;
  deleted_at: NullableTimestamp;
  raw: string | null;
  /** A content warning (Mastodon's `spoiler_text`); see migrations/2026-12-04-1700_mastodon-statuses.ts. */
  summary: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface InboxLogTable {
  activity_uri: string;
  /** The local body a per-body claim is for; "" for a claim of the whole activity. */
  scope: Generated<string>;
  actor_uri: string;
  type: string;
  received_at: Generated<Date>;
}

export interface ActivitiesTable {
  seq: Generated<string>;
  uri: string;
  actor_id: string;
  type: string;
  object_uri: string | null;
  /** The activity as compacted JSON-LD. */
  payload: string;
  /** JSON: `"followers"` or an array of actor URIs. */
  recipients: string;
  public: boolean;
  published: Timestamp;
  enqueued_at: NullableTimestamp;
  handoff_until: NullableTimestamp;
}

export interface InstanceSecretsTable {
  name: string;
  value: string;
}

/** One issued bearer token (id = its `jti`); see migrations/2026-12-03-0100_sessions.ts. */
export interface SessionsTable {
  id: string;
  actor_id: string;
  label: Generated<string>;
  created_at: Generated<Date>;
  last_used_at: Generated<Date>;
  expires_at: Timestamp;
  revoked_at: NullableTimestamp;
}

/** Sign-in attempts for one account in the current throttle window. */
export interface SignInAttemptsTable {
  actor_id: string;
  attempts: number;
  window_started_at: Timestamp;
}

/** An in-app notification for a local person; see migrations/2026-12-03-0300_notifications.ts. */
export interface NotificationsTable {
  id: Generated<string>;
  recipient_id: string;
  /** vote-opened | outcome | reply | follow */
  kind: string;
  body_id: string | null;
  proposal_uri: string | null;
  object_uri: string | null;
  actor_uri: string | null;
  title: Generated<string>;
  detail: Generated<string>;
  created_at: Generated<Date>;
  read_at: NullableTimestamp;
}

/** A setting an administrator changed (migrations/2026-12-03-2000_instance-settings.ts); without a row, the environment's. */
export interface InstanceSettingsTable {
  key: string;
  value: string;
  updated_at: Generated<Date>;
  updated_by: string | null;
}

export interface AppTables {
  actors: ActorsTable;
  actor_keys: ActorKeysTable;
  accounts: AccountsTable;
  remote_actors: RemoteActorsTable;
  follows: FollowsTable;
  memberships: MembershipsTable;
  objects: ObjectsTable;
  inbox_log: InboxLogTable;
  activities: ActivitiesTable;
  instance_secrets: InstanceSecretsTable;
  sessions: SessionsTable;
  sign_in_attempts: SignInAttemptsTable;
  invitations: InvitationsTable;
  notifications: NotificationsTable;
  instance_settings: InstanceSettingsTable;
}
