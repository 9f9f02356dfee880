import { sql } from "kysely";
import type { Kysely } from "kysely";

// Fedify's key–value store and message queue. Payloads are `json`, never
// `jsonb`: remote documents may contain \u0000, which jsonb rejects.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table fedify_kv (
      key text[] primary key,
      value json not null,
      expires_at timestamptz
    )`.execute(db);
  await sql`create index fedify_kv_expires_at on fedify_kv (expires_at) where expires_at is not null`.execute(db);

  await sql`
    create table fedify_mq (
      id bigserial primary key,
      message json not null,
      ordering_key text,
      deliver_at timestamptz not null default now(),
      leased_until timestamptz,
      lease_owner text,
      attempts integer not null default 0,
      enqueued_at timestamptz not null default now()
    )`.execute(db);
  // Claim scan: due messages in delivery order.
  await sql`create index fedify_mq_deliver_at on fedify_mq (deliver_at, id)`.execute(db);
  // "Is there an older message with this ordering key?"
  await sql`create index fedify_mq_ordering_key on fedify_mq (ordering_key, id) where ordering_key is not null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table if exists fedify_mq`.execute(db);
  await sql`drop table if exists fedify_kv`.execute(db);
}
