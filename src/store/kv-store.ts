import { isDeepStrictEqual } from "node:util";
import type { KvKey, KvStore, KvStoreListEntry, KvStoreSetOptions } from "@fedify/fedify";
import { sql } from "kysely";
import type { Kysely } from "kysely";

/**
 * Fedify's key–value store in the `fedify_kv` table.
 *
 * Values are stored as `json` text (JSON.stringify), so `\u0000` and lone
 * surrogates survive; storing `undefined` deletes the key (as absent and
 * `undefined` are indistinguishable to `get`). Expired entries are invisible
 * at once and removed by {@link KyselyKvStore.sweepExpired}, which callers
 * schedule (this class starts no timers).
 */
export class KyselyKvStore implements KvStore {
  readonly #db: Kysely<any>;
  readonly #pageSize: number;

  constructor(db: Kysely<any>, options: { listPageSize?: number } = {}) {
    this.#db = db;
    this.#pageSize = options.listPageSize ?? 500;
  }

  async get<T = unknown>(key: KvKey): Promise<T | undefined> {
    return (await this.getEntry<T>(key))?.value;
  }

  /** The value and when it expires (epoch ms, by this process's clock; Infinity without a TTL). */
  async getEntry<T = unknown>(key: KvKey): Promise<{ value: T; expiresAt: number } | undefined> {
    const { rows } = await sql<{ value: string; ms_left: string | number | null }>`
      select value::text as value, extract(epoch from (expires_at - now())) * 1000 as ms_left from fedify_kv
      where key = ${[...key]}::text[] and (expires_at is null or expires_at > now())`.execute(this.#db);
    const row = rows[0];
    if (row == null) return undefined;
    return { value: JSON.parse(row.value) as T, expiresAt: row.ms_left == null ? Number.POSITIVE_INFINITY : Date.now() + Number(row.ms_left) };
  }

  async set(key: KvKey, value: unknown, options?: KvStoreSetOptions): Promise<void> {
    if (value === undefined) return await this.delete(key);
    await this.#upsert(this.#db, key, value, options);
  }

  async delete(key: KvKey): Promise<void> {
    await sql`delete from fedify_kv where key = ${[...key]}::text[]`.execute(this.#db);
  }

  /**
   * Sets `key` to `newValue` only if its current value deep-equals `expected`
   * (`undefined` = absent or expired), atomically even across processes.
   */
  async cas(key: KvKey, expected: unknown, newValue: unknown, options?: KvStoreSetOptions): Promise<boolean> {
    const expectedJson = expected === undefined ? undefined : roundTrip(expected);
    return await this.#db.transaction().execute(async (trx) => {
      // Lock the row, expired or not, so concurrent cas calls queue up here.
      const { rows } = await sql<{ value: string; expired: boolean }>`
        select value::text as value, (expires_at is not null and expires_at <= now()) as expired
        from fedify_kv where key = ${[...key]}::text[] for update`.execute(trx);
      const row = rows[0];
      const current = row == null || row.expired ? undefined : JSON.parse(row.value);
      if (!isDeepStrictEqual(current, expectedJson)) return false;
      if (newValue === undefined) {
        if (row != null) await sql`delete from fedify_kv where key = ${[...key]}::text[]`.execute(trx);
        return true;
      }
      if (row != null) {
        await this.#upsert(trx, key, newValue, options);
        return true;
      }
      // No row to lock: a concurrent insert of the same key wins, we lose.
      const inserted = await sql`
        insert into fedify_kv (key, value, expires_at)
        values (${[...key]}::text[], ${JSON.stringify(newValue)}::text::json, ${expiresAt(options)})
        on conflict (key) do nothing`.execute(trx);
      return (inserted.numAffectedRows ?? 0n) > 0n;
    });
  }

  /**
   * Entries whose key starts with `prefix` (all entries without one), in key
   * order, fetched in pages so a large cache is never loaded at once.
   */
  async *list(prefix?: KvKey): AsyncIterable<KvStoreListEntry> {
    const p = prefix == null ? [] : [...prefix];
    let after: string[] | null = null;
    for (;;) {
      const { rows }: { rows: { key: string[]; value: string }[] } = await sql<{ key: string[]; value: string }>`
        select key, value::text as value from fedify_kv
        where (expires_at is null or expires_at > now())
          ${p.length > 0 ? sql`and cardinality(key) >= ${p.length} and key[1:${p.length}] = ${p}::text[]` : sql``}
          ${after != null ? sql`and key > ${after}::text[]` : p.length > 0 ? sql`and key >= ${p}::text[]` : sql``}
        order by key
        limit ${this.#pageSize}`.execute(this.#db);
      for (const row of rows) {
        yield { key: row.key as unknown as KvKey, value: JSON.parse(row.value) };
      }
      if (rows.length < this.#pageSize) return;
      after = rows[rows.length - 1]!.key;
    }
  }

  /** Deletes expired entries, at most `limit` per call; returns how many. */
  async sweepExpired(limit = 10_000): Promise<number> {
    const result = await sql`
      delete from fedify_kv where key in (
        select key from fedify_kv where expires_at <= now() limit ${limit})`.execute(this.#db);
    return Number(result.numAffectedRows ?? 0n);
  }

  async #upsert(db: Kysely<any>, key: KvKey, value: unknown, options?: KvStoreSetOptions): Promise<void> {
    await sql`
      insert into fedify_kv (key, value, expires_at)
      values (${[...key]}::text[], ${JSON.stringify(value)}::text::json, ${expiresAt(options)})
      on conflict (key) do update set value = excluded.value, expires_at = excluded.expires_at`.execute(db);
  }
}

function expiresAt(options?: KvStoreSetOptions) {
  const ttl = options?.ttl;
  if (ttl == null) return sql`null::timestamptz`;
  return sql`now() + ${durationToMilliseconds(ttl)}::float8 * interval '1 millisecond'`;
}

function roundTrip(value: unknown): unknown {
  const json = JSON.stringify(value);
  return json === undefined ? undefined : JSON.parse(json);
}

/** The fields of a `Temporal.Duration` (which fits), all optional. */
export interface DurationFields {
  years?: number;
  months?: number;
  weeks?: number;
  days?: number;
  hours?: number;
  minutes?: number;
  seconds?: number;
  milliseconds?: number;
  microseconds?: number;
  nanoseconds?: number;
}

/**
 * Plain field arithmetic, without a calendar: a day is 24 h, a month 30 days,
 * a year 365 days. Avoids `Duration#total`, which throws for calendar units.
 */
export function durationToMilliseconds(d: DurationFields): number {
  const days = (d.years ?? 0) * 365 + (d.months ?? 0) * 30 + (d.weeks ?? 0) * 7 + (d.days ?? 0);
  const seconds = ((days * 24 + (d.hours ?? 0)) * 60 + (d.minutes ?? 0)) * 60 + (d.seconds ?? 0);
  return seconds * 1000 + (d.milliseconds ?? 0) + (d.microseconds ?? 0) / 1000 + (d.nanoseconds ?? 0) / 1e6;
}
