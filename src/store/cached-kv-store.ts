import { isDeepStrictEqual } from "node:util";
import type { KvKey, KvStore, KvStoreListEntry, KvStoreSetOptions } from "@fedify/fedify";
import { durationToMilliseconds } from "./kv-store.ts";

/** How long this process may answer one kind of key without asking the store. */
export interface CachedPrefix {
  /** The key's first parts, e.g. `["_fedify", "publicKey"]`. */
  prefix: readonly string[];
  /** The longest an entry (or its absence) is answered from memory; never past the entry's own expiry when the store tells it. */
  maxAgeMs: number;
  /**
   * Kept in this process only, never written to the store (until its TTL, or evicted).
   * For records that only spare work another, durable check also does.
   */
  memoryOnly?: boolean;
}

/**
 * Fedify's caches as Folkmoot uses them: remote documents and public keys (they carry
 * their own TTL, so the store's answer stays right until then), which signature spec a
 * server takes (changes only when a server stops accepting one), and the outbound circuit
 * breaker's state (read twice per delivery; changes only when a server fails). Entries
 * written by another process are seen after `maxAgeMs` at the latest; with PGlite there
 * is no other process.
 */
export const FEDIFY_CACHED_PREFIXES: readonly CachedPrefix[] = [
  { prefix: ["_fedify", "remoteDocument"], maxAgeMs: 3_600_000 },
  { prefix: ["_fedify", "publicKey"], maxAgeMs: 3_600_000 },
  { prefix: ["_fedify", "httpMessageSignaturesSpec"], maxAgeMs: 3_600_000 },
  { prefix: ["_fedify", "circuit"], maxAgeMs: 5_000 },
  // Which activities the worker handled: a miss only lets a redelivery reach the listener,
  // where the inbox_log claim in the effect's transaction finds it (community/inbound.ts).
  // In the store it cost a read and a write per delivery.
  { prefix: ["_fedify", "activityIdempotence"], maxAgeMs: Number.POSITIVE_INFINITY, memoryOnly: true },
];

/** A store that also tells when an entry expires (KyselyKvStore). */
export interface EntryReader {
  getEntry<T = unknown>(key: KvKey): Promise<{ value: T; expiresAt: number } | undefined>;
}

interface Entry {
  /** `undefined`: known to be absent. */
  value: unknown;
  /** When this process must ask the store again (epoch ms). */
  freshUntil: number;
  /** When the stored entry expires (epoch ms); Infinity without a TTL; NaN when unknown. */
  expiresAt: number;
}

/**
 * An in-process, bounded cache in front of a {@link KvStore}, for the key prefixes
 * given. Reads of those keys are answered from memory while fresh (absence too);
 * writes, deletes and `cas` go to the store first and then update the memory (a `cas`
 * that fails forgets the key, so the retry reads the store). A `set` that writes what
 * the store already holds, with at least half its TTL left, is not sent. Other keys,
 * and `list`, pass through. Keys of a `memoryOnly` prefix never reach the store.
 */
export class CachedKvStore implements KvStore {
  readonly #store: KvStore;
  readonly #prefixes: readonly CachedPrefix[];
  readonly #capacity: number;
  readonly #entries = new Map<string, Entry>();
  readonly #now: () => number;
  readonly cas?: (key: KvKey, expected: unknown, newValue: unknown, options?: KvStoreSetOptions) => Promise<boolean>;

  constructor(store: KvStore, options: { prefixes?: readonly CachedPrefix[]; capacity?: number; now?: () => number } = {}) {
    this.#store = store;
    this.#prefixes = options.prefixes ?? FEDIFY_CACHED_PREFIXES;
    this.#capacity = options.capacity ?? 10_000;
    this.#now = options.now ?? Date.now;
    const cas = store.cas?.bind(store);
    if (cas) {
      this.cas = async (key, expected, newValue, opts) => {
        if (this.#prefixOf(key)?.memoryOnly) {
          const current = await this.get(key);
          if (!isDeepStrictEqual(current, expected)) return false;
          await this.set(key, newValue, opts);
          return true;
        }
        const ok = await cas(key, expected, newValue, opts);
        const maxAge = this.#maxAge(key);
        if (maxAge != null) {
          if (ok) this.#remember(key, newValue, maxAge, opts);
          else this.#entries.delete(cacheKey(key));
        }
        return ok;
      };
    }
  }

  async get<T = unknown>(key: KvKey): Promise<T | undefined> {
    const maxAge = this.#maxAge(key);
    if (maxAge == null) return await this.#store.get<T>(key);
    const k = cacheKey(key);
    const hit = this.#entries.get(k);
    const now = this.#now();
    if (this.#prefixOf(key)?.memoryOnly) {
      if (hit && hit.freshUntil > now) return structuredClone(hit.value) as T | undefined;
      this.#entries.delete(k);
      return undefined;
    }
    if (hit && hit.freshUntil > now) {
      // Most recently used last: the oldest is evicted first.
      this.#entries.delete(k);
      this.#entries.set(k, hit);
      return structuredClone(hit.value) as T | undefined;
    }
    const store = this.#store as KvStore & Partial<EntryReader>;
    if (typeof store.getEntry === "function") {
      const entry = await store.getEntry<T>(key);
      const expiresAt = entry?.expiresAt ?? Number.NaN;
      this.#put(k, { value: structuredClone(entry?.value), freshUntil: Math.min(now + maxAge, entry ? expiresAt : Number.POSITIVE_INFINITY), expiresAt });
      return entry?.value;
    }
    const value = await this.#store.get<T>(key);
    // Its TTL is unknown here: keep it no longer than maxAge, and never skip a rewrite of it.
    this.#put(k, { value: structuredClone(value), freshUntil: now + maxAge, expiresAt: Number.NaN });
    return value;
  }

  async set(key: KvKey, value: unknown, options?: KvStoreSetOptions): Promise<void> {
    const maxAge = this.#maxAge(key);
    if (maxAge == null) return await this.#store.set(key, value, options);
    if (this.#prefixOf(key)?.memoryOnly) return this.#remember(key, value, maxAge, options);
    const hit = this.#entries.get(cacheKey(key));
    const now = this.#now();
    if (hit && hit.freshUntil > now && value !== undefined && isDeepStrictEqual(hit.value, value)) {
      const ttl = options?.ttl == null ? Number.POSITIVE_INFINITY : durationToMilliseconds(options.ttl);
      // The store already holds it for at least half the asked TTL (Infinity - Infinity is NaN: no TTL either way).
      if (hit.expiresAt === Number.POSITIVE_INFINITY ? ttl === Number.POSITIVE_INFINITY : hit.expiresAt - now >= ttl / 2) return;
    }
    await this.#store.set(key, value, options);
    this.#remember(key, value, maxAge, options);
  }

  async delete(key: KvKey): Promise<void> {
    const maxAge = this.#maxAge(key);
    if (this.#prefixOf(key)?.memoryOnly) return void this.#entries.delete(cacheKey(key));
    await this.#store.delete(key);
    if (maxAge != null) this.#remember(key, undefined, maxAge);
  }

  list(prefix?: KvKey): AsyncIterable<KvStoreListEntry> {
    return this.#store.list(prefix);
  }

  #remember(key: KvKey, value: unknown, maxAge: number, options?: KvStoreSetOptions): void {
    const now = this.#now();
    const ttl = options?.ttl == null ? Number.POSITIVE_INFINITY : durationToMilliseconds(options.ttl);
    const expiresAt = value === undefined ? Number.NaN : now + ttl;
    this.#put(cacheKey(key), { value: structuredClone(value), freshUntil: Math.min(now + maxAge, value === undefined ? Number.POSITIVE_INFINITY : expiresAt), expiresAt });
  }

  #put(k: string, entry: Entry): void {
    this.#entries.delete(k);
    this.#entries.set(k, entry);
    while (this.#entries.size > this.#capacity) this.#entries.delete(this.#entries.keys().next().value!);
  }

  #maxAge(key: KvKey): number | null {
    return this.#prefixOf(key)?.maxAgeMs ?? null;
  }

  #prefixOf(key: KvKey): CachedPrefix | undefined {
    return this.#prefixes.find((p) => key.length > p.prefix.length && p.prefix.every((part, i) => key[i] === part));
  }
}

function cacheKey(key: KvKey): string {
  return JSON.stringify(key);
}
