// Fedify's types use the global Temporal (lib esnext.temporal); Node has none
// at runtime, so durations come from the polyfill Fedify itself uses.
import { Temporal as Polyfill } from "@js-temporal/polyfill";
import { sql } from "kysely";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Database } from "../../src/store/database.ts";
import { KyselyKvStore } from "../../src/store/kv-store.ts";
import { createTestDatabase } from "../support/database.ts";
import type { TestDatabase } from "../support/database.ts";

let tdb: TestDatabase;
let database: Database;
let kv: KyselyKvStore;

beforeAll(async () => {
  tdb = await createTestDatabase();
  database = await tdb.open();
  kv = new KyselyKvStore(database.db);
});
afterAll(async () => {
  await tdb?.drop();
});
beforeEach(async () => {
  await sql`delete from fedify_kv`.execute(database.db);
});

const ms = (milliseconds: number) => Polyfill.Duration.from({ milliseconds }) as unknown as Temporal.Duration;

async function collect(prefix?: readonly [string, ...string[]]) {
  const out: { key: readonly string[]; value: unknown }[] = [];
  for await (const entry of kv.list(prefix)) out.push(entry);
  return out;
}

describe("KyselyKvStore", () => {
  it("gets, sets, overwrites and deletes", async () => {
    expect(await kv.get(["a", "b"])).toBeUndefined();
    await kv.set(["a", "b"], { x: 1, list: [1, "two", null], nested: { ok: true } });
    expect(await kv.get(["a", "b"])).toEqual({ x: 1, list: [1, "two", null], nested: { ok: true } });
    await kv.set(["a", "b"], "replaced");
    expect(await kv.get(["a", "b"])).toBe("replaced");
    await kv.delete(["a", "b"]);
    expect(await kv.get(["a", "b"])).toBeUndefined();
    await kv.delete(["never", "there"]); // no error
  });

  it("stores scalars, false, 0 and null as themselves; undefined deletes", async () => {
    for (const value of [true, false, 0, 42.5, "", null, [], {}]) {
      await kv.set(["scalar"], value);
      expect(await kv.get(["scalar"])).toEqual(value);
    }
    await kv.set(["scalar"], undefined);
    expect(await kv.get(["scalar"])).toBeUndefined();
    expect(await collect(["scalar"])).toEqual([]);
  });

  it("round-trips \\u0000, lone surrogates and quoting characters in values, and odd keys", async () => {
    const value = { text: "nul\u0000byte", lone: "\ud800x", quotes: `"'\\{}`, emoji: "🗳️" };
    const key = ["_fedify", "remoteDocument", 'https://example.com/a,b"c\\d{e}'] as const;
    await kv.set(key, value);
    expect(await kv.get(key)).toEqual(value);
    expect(await collect(["_fedify", "remoteDocument"])).toEqual([{ key: [...key], value }]);
    await kv.set(["", "with space"], 1);
    expect(await kv.get(["", "with space"])).toBe(1);
  });

  it("hides expired entries at once and sweeps them later", async () => {
    await kv.set(["ttl", "short"], "soon gone", { ttl: ms(300) });
    await kv.set(["ttl", "long"], "stays", { ttl: Polyfill.Duration.from({ hours: 1 }) as unknown as Temporal.Duration });
    await kv.set(["ttl", "none"], "forever");
    expect(await kv.get(["ttl", "short"])).toBe("soon gone");
    await new Promise((r) => setTimeout(r, 600));
    expect(await kv.get(["ttl", "short"])).toBeUndefined();
    expect((await collect(["ttl"])).map((e) => e.key)).toEqual([
      ["ttl", "long"],
      ["ttl", "none"],
    ]);
    expect(await kv.sweepExpired()).toBe(1);
    expect(await kv.sweepExpired()).toBe(0);
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from fedify_kv`.execute(database.db);
    expect(rows[0]?.n).toBe(2);
    // Setting without a ttl clears an earlier one.
    await kv.set(["ttl", "long"], "now forever");
    const expires = await sql<{ e: Date | null }>`select expires_at as e from fedify_kv where key = ${["ttl", "long"]}::text[]`.execute(database.db);
    expect(expires.rows[0]?.e).toBeNull();
  });

  it("lists by prefix: exact key included, shorter keys and other prefixes excluded, across pages", async () => {
    const small = new KyselyKvStore(database.db, { listPageSize: 3 });
    for (let i = 0; i < 10; i++) await kv.set(["p", "q", `k${i}`], i);
    await kv.set(["p", "q"], "exact");
    await kv.set(["p"], "shorter");
    await kv.set(["p", "qq", "x"], "sibling");
    await kv.set(["other", "q", "k1"], "other");
    const entries: { key: readonly string[]; value: unknown }[] = [];
    for await (const entry of small.list(["p", "q"])) entries.push(entry);
    expect(entries.map((e) => e.value)).toEqual(["exact", ...Array.from({ length: 10 }, (_, i) => i)]);
    expect((await collect()).length).toBe(14);
    expect((await collect(["p"])).length).toBe(13);
    expect(await collect(["nothing"])).toEqual([]);
  });

  it("cas: compares structurally, treats absent and expired as undefined", async () => {
    expect(await kv.cas(["c"], undefined, { n: 1 })).toBe(true);
    expect(await kv.cas(["c"], undefined, { n: 2 })).toBe(false);
    expect(await kv.get(["c"])).toEqual({ n: 1 });
    expect(await kv.cas(["c"], { n: 2 }, { n: 3 })).toBe(false);
    expect(await kv.cas(["c"], { n: 1 }, { n: 3 })).toBe(true);
    expect(await kv.get(["c"])).toEqual({ n: 3 });
    expect(await kv.cas(["c"], { n: 3 }, undefined)).toBe(true);
    expect(await kv.get(["c"])).toBeUndefined();

    await kv.set(["c"], "old", { ttl: ms(200) });
    await new Promise((r) => setTimeout(r, 400));
    expect(await kv.cas(["c"], "old", "new")).toBe(false);
    expect(await kv.cas(["c"], undefined, "new", { ttl: ms(60_000) })).toBe(true);
    expect(await kv.get(["c"])).toBe("new");
  });

  it("cas is atomic under concurrency: one winner per round", async () => {
    const rounds = 5;
    for (let round = 0; round < rounds; round++) {
      const results = await Promise.all(Array.from({ length: 6 }, () => kv.cas(["counter"], round === 0 ? undefined : round - 1, round)));
      expect(results.filter(Boolean).length, `round ${round}: ${results}`).toBe(1);
    }
    expect(await kv.get(["counter"])).toBe(rounds - 1);
    // Concurrent creation of an absent key: exactly one wins.
    const created = await Promise.all(Array.from({ length: 6 }, (_, i) => kv.cas(["fresh"], undefined, i)));
    expect(created.filter(Boolean).length).toBe(1);
  });
});
