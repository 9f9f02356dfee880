import { MemoryKvStore, type KvKey, type KvStore } from "@fedify/fedify";
import { Temporal as Polyfill } from "@js-temporal/polyfill";
import { describe, expect, it } from "vitest";
import { CachedKvStore } from "../../src/store/cached-kv-store.ts";
import { KyselyKvStore } from "../../src/store/kv-store.ts";
import { createTestDatabase } from "../support/database.ts";

const seconds = (s: number) => Polyfill.Duration.from({ seconds: s }) as unknown as Temporal.Duration;

/** A MemoryKvStore that counts what reaches it. */
function counting(): { store: KvStore; calls: string[] } {
  const inner = new MemoryKvStore();
  const calls: string[] = [];
  const log = (what: string, key: KvKey) => {
    calls.push(`${what} ${key.join("/")}`);
  };
  const store: KvStore = {
    get: (key) => {
      log("get", key);
      return inner.get(key);
    },
    set: (key, value, options) => {
      log("set", key);
      return inner.set(key, value, options);
    },
    delete: (key) => {
      log("delete", key);
      return inner.delete(key);
    },
    cas: (key, expected, value, options) => {
      log("cas", key);
      return inner.cas(key, expected, value, options);
    },
    list: (prefix) => inner.list(prefix),
  };
  return { store, calls };
}

const doc: KvKey = ["_fedify", "remoteDocument", "https://x.example/a"];
const circuit: KvKey = ["_fedify", "circuit", "x.example"];
const spec: KvKey = ["_fedify", "httpMessageSignaturesSpec", "https://x.example"];
const other: KvKey = ["_fedify", "someOtherKey", "https://x.example/1"];
const handled: KvKey = ["_fedify", "activityIdempotence", "https://here.example", "https://x.example/1"];

describe("CachedKvStore", () => {
  it("answers cached prefixes from memory, absence included, and writes through", async () => {
    const { store, calls } = counting();
    const kv = new CachedKvStore(store);
    expect(await kv.get(circuit)).toBeUndefined();
    expect(await kv.get(circuit)).toBeUndefined();
    expect(calls).toEqual([`get ${circuit.join("/")}`]);
    await kv.set(doc, { a: 1 });
    const got = await kv.get<{ a: number }>(doc);
    expect(got).toEqual({ a: 1 });
    got!.a = 2; // a caller's change does not reach the cache
    expect(await kv.get(doc)).toEqual({ a: 1 });
    expect(calls.filter((c) => c.startsWith("get")).length).toBe(1);
    await kv.delete(doc);
    expect(await kv.get(doc)).toBeUndefined();
    expect(await store.get(doc)).toBeUndefined();
  });

  it("passes other keys through", async () => {
    const { store, calls } = counting();
    const kv = new CachedKvStore(store);
    await kv.set(other, true);
    expect(await kv.get(other)).toBe(true);
    expect(await kv.get(other)).toBe(true);
    expect(calls.filter((c) => c.startsWith("get")).length).toBe(2);
  });

  it("keeps idempotence records in this process only, until their TTL", async () => {
    let now = 1_000_000;
    const { store, calls } = counting();
    const kv = new CachedKvStore(store, { now: () => now });
    expect(await kv.get(handled)).toBeUndefined();
    await kv.set(handled, true, { ttl: seconds(60) });
    expect(await kv.get(handled)).toBe(true);
    expect(calls).toEqual([]);
    expect(await store.get(handled)).toBeUndefined();
    expect(await kv.cas!(handled, true, false, { ttl: seconds(60) })).toBe(true);
    expect(await kv.get(handled)).toBe(false);
    expect(await kv.cas!(handled, true, true)).toBe(false);
    now += 61_000;
    expect(await kv.get(handled)).toBeUndefined();
    await kv.set(handled, true);
    await kv.delete(handled);
    expect(await kv.get(handled)).toBeUndefined();
    // The one call that reached the store is the test's own read above.
    expect(calls).toEqual([`get ${handled.join("/")}`]);
  });

  it("does not rewrite an unchanged value without TTL, but rewrites a changed one", async () => {
    const { store, calls } = counting();
    const kv = new CachedKvStore(store);
    await kv.set(spec, "draft-cavage-http-signatures-12");
    await kv.set(spec, "draft-cavage-http-signatures-12");
    expect(calls.filter((c) => c.startsWith("set")).length).toBe(1);
    await kv.set(spec, "rfc9421");
    expect(calls.filter((c) => c.startsWith("set")).length).toBe(2);
    expect(await store.get(spec)).toBe("rfc9421");
  });

  it("asks the store again once an entry is older than its prefix allows, or past its TTL", async () => {
    let now = 1_000_000;
    const { store, calls } = counting();
    const kv = new CachedKvStore(store, { now: () => now });
    await kv.get(circuit);
    now += 4_000;
    await kv.get(circuit);
    now += 2_000; // circuit state: 5 s
    await kv.get(circuit);
    expect(calls.filter((c) => c.startsWith("get")).length).toBe(2);
    await kv.set(doc, "d", { ttl: seconds(10) });
    now += 11_000;
    await kv.get(doc);
    expect(calls.filter((c) => c === `get ${doc.join("/")}`).length).toBe(1);
  });

  it("forgets a key whose cas failed, so the retry reads the store", async () => {
    const { store } = counting();
    const kv = new CachedKvStore(store);
    expect(await kv.get(circuit)).toBeUndefined();
    await store.set(circuit, { state: "open" }); // another process
    expect(await kv.cas!(circuit, undefined, { state: "closed" })).toBe(false);
    expect(await kv.get(circuit)).toEqual({ state: "open" });
    expect(await kv.cas!(circuit, { state: "open" }, { state: "half-open" })).toBe(true);
    expect(await kv.get(circuit)).toEqual({ state: "half-open" });
  });

  it("keeps an entry read from the database no longer than its expiry there", async () => {
    const tdb = await createTestDatabase();
    try {
      const database = await tdb.open();
      let now = Date.now();
      const pg = new KyselyKvStore(database.db);
      await pg.set(doc, "d", { ttl: seconds(30) });
      const kv = new CachedKvStore(pg, { now: () => now });
      expect(await kv.get(doc)).toBe("d");
      await pg.set(doc, "e", { ttl: seconds(30) });
      expect(await kv.get(doc)).toBe("d");
      now += 31_000;
      expect(await kv.get(doc)).toBe("e");
    } finally {
      await tdb.drop();
    }
  });
});
