import type { ColumnType, Generated } from "kysely";

/**
 * Row of `fedify_kv`, Fedify's key–value store (see `KyselyKvStore`).
 * `value` is `json` (not `jsonb`: a `\u0000` in remote documents breaks jsonb).
 */
export interface FedifyKvTable {
  key: string[];
  value: unknown;
  expires_at: Date | null;
}

/**
 * Row of `fedify_mq`, Fedify's message queue (see `KyselyMessageQueue`).
 * A row lives until its handler succeeds; `leased_until` marks a message
 * being handled, and an expired lease makes it claimable again.
 */
export interface FedifyMqTable {
  /** `bigserial`; node-postgres (and our PGlite setup) return int8 as a string. */
  id: Generated<string>;
  message: unknown;
  ordering_key: string | null;
  deliver_at: ColumnType<Date, Date | string | undefined, Date | string>;
  leased_until: Date | null;
  lease_owner: string | null;
  attempts: Generated<number>;
  enqueued_at: ColumnType<Date, Date | string | undefined, never>;
}

/** Tables created by `migrations/2026-11-22-0000_fedify-storage.ts`. */
export interface FedifyTables {
  fedify_kv: FedifyKvTable;
  fedify_mq: FedifyMqTable;
}
