import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { testMessageQueue } from "@fedify/testing";
// Fedify's types use the global Temporal (lib esnext.temporal); Node has none
// at runtime, so durations come from the polyfill Fedify itself uses.
import { Temporal as Polyfill } from "@js-temporal/polyfill";
import { type KyselyPlugin, sql } from "kysely";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Database, StoreLogger } from "../../src/store/database.ts";
import { KyselyMessageQueue } from "../../src/store/message-queue.ts";
import { createTestDatabase, testBackend } from "../support/database.ts";
import type { TestDatabase } from "../support/database.ts";

let tdb: TestDatabase;
let database: Database;
/** A second connection setup: its own pool on PostgreSQL (like a second process); the same PGlite. */
let database2: Database;

beforeAll(async () => {
  tdb = await createTestDatabase();
  database = await tdb.open();
  database2 = testBackend === "postgres" ? await tdb.open() : database;
});
afterAll(async () => {
  await tdb?.drop();
});

interface Running {
  controller: AbortController;
  done: Promise<void>;
}
const running: Running[] = [];

function start(queue: KyselyMessageQueue, handler: (message: any) => Promise<void> | void): Running {
  const controller = new AbortController();
  const r = { controller, done: queue.listen(handler, { signal: controller.signal }) };
  running.push(r);
  return r;
}

async function stop(r: Running): Promise<void> {
  r.controller.abort();
  await r.done;
}

beforeEach(async () => {
  await sql`delete from fedify_mq`.execute(database.db);
});
afterEach(async () => {
  await Promise.all(running.splice(0).map(stop));
});

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const dur = (milliseconds: number) => Polyfill.Duration.from({ milliseconds }) as unknown as Temporal.Duration;

async function waitFor(what: string, predicate: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

interface Row {
  id: string;
  message: string;
  leased_until: Date | null;
  lease_owner: string | null;
  attempts: number;
  deliver_at: Date;
}

async function rows(): Promise<Row[]> {
  const result = await sql<Row>`
    select id, message::text as message, leased_until, lease_owner, attempts, deliver_at
    from fedify_mq order by id`.execute(database.db);
  return result.rows;
}

function recordingLogger() {
  const entries: { level: "debug" | "warn" | "error"; obj: object; msg: string | undefined }[] = [];
  const logger: StoreLogger = {
    debug: (obj, msg) => entries.push({ level: "debug", obj, msg }),
    warn: (obj, msg) => entries.push({ level: "warn", obj, msg }),
    error: (obj, msg) => entries.push({ level: "error", obj, msg }),
  };
  return { entries, logger };
}

describe("KyselyMessageQueue", () => {
  it("passes Fedify's testMessageQueue with ordering keys", { timeout: 120_000 }, async () => {
    let created = 0;
    await testMessageQueue(
      () => new KyselyMessageQueue(created++ === 0 ? database : database2, { channel: "conformance" }),
      async ({ controller }) => controller.abort(),
      { testOrderingKey: true },
    );
  });

  it("hands each message to exactly one worker across two instances (200 messages)", async () => {
    const q1 = new KyselyMessageQueue(database, { workers: 3, channel: "once" });
    const q2 = new KyselyMessageQueue(database2, { workers: 3, channel: "once" });
    const seen = new Map<number, number>();
    const handler = async (m: { n: number }) => {
      seen.set(m.n, (seen.get(m.n) ?? 0) + 1);
      await sleep(Math.random() * 3);
    };
    start(q1, handler);
    start(q2, handler);
    await q1.enqueueMany(Array.from({ length: 100 }, (_, n) => ({ n })));
    for (let n = 100; n < 200; n++) await (n % 2 === 0 ? q1 : q2).enqueue({ n });
    await waitFor("200 messages", () => seen.size === 200, 30_000);
    await waitFor("an empty table", async () => (await rows()).length === 0);
    await sleep(300); // a duplicate would surface now
    expect([...seen.entries()].filter(([, count]) => count !== 1)).toEqual([]);
    expect(await q1.getDepth()).toEqual({ queued: 0, ready: 0, delayed: 0 });
  });

  it("delivers delayed messages at their time, not at the next poll", async () => {
    const q1 = new KyselyMessageQueue(database, { pollIntervalMs: 10_000, channel: "delay" });
    const q2 = new KyselyMessageQueue(database2, { pollIntervalMs: 10_000, channel: "delay" });
    const got = new Map<string, number>();
    const t0 = Date.now();
    await q2.enqueue("queued before listen", { delay: dur(1200) });
    start(q1, (m: string) => void got.set(m, Date.now()));
    await sleep(300);
    // Enqueued by the other instance: only its NOTIFY can wake q1 in time.
    const t1 = Date.now();
    await q2.enqueue("queued while listening", { delay: dur(1000) });
    expect((await q1.getDepth()).delayed).toBe(2);
    await waitFor("both delayed messages", () => got.size === 2, 5_000);
    const early = got.get("queued before listen")! - t0;
    const late = got.get("queued while listening")! - t1;
    expect(early).toBeGreaterThanOrEqual(1150);
    expect(early).toBeLessThan(2200);
    expect(late).toBeGreaterThanOrEqual(950);
    expect(late).toBeLessThan(2000);
  });

  it("redelivers a message whose lease expired (a worker that died)", async () => {
    const q = new KyselyMessageQueue(database, { pollIntervalMs: 10_000, channel: "lease" });
    await q.enqueue({ crashed: true });
    await sql`update fedify_mq set leased_until = now() + interval '1 second', lease_owner = 'dead-worker', attempts = 1`.execute(database.db);
    expect(await q.getDepth()).toEqual({ queued: 0, ready: 0, delayed: 0 }); // in flight
    const t0 = Date.now();
    let deliveredAfter = 0;
    let during: Row | undefined;
    start(q, async () => {
      const after = Date.now() - t0;
      during = (await rows())[0];
      deliveredAfter = after; // set last: the test reads both once this is set
    });
    await waitFor("redelivery", () => deliveredAfter > 0, 5_000);
    expect(deliveredAfter).toBeGreaterThanOrEqual(800);
    expect(deliveredAfter).toBeLessThan(2500);
    expect(during?.attempts).toBe(2);
    expect(during?.lease_owner).not.toBe("dead-worker");
    await waitFor("the ack", async () => (await rows()).length === 0);
  });

  it("keeps a message leased while its handler runs, renewing a short lease, and deletes it only after success", async () => {
    const q1 = new KyselyMessageQueue(database, { leaseSeconds: 1, channel: "renew" });
    const q2 = new KyselyMessageQueue(database2, { leaseSeconds: 1, channel: "renew" });
    let calls = 0;
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    const handler = async () => {
      calls++;
      await finished;
    };
    start(q1, handler);
    start(q2, handler);
    await q1.enqueue("long job");
    await waitFor("the handler", () => calls === 1);
    await sleep(2500); // 2.5 leases: without renewal the other instance would take it
    const [row] = await rows();
    expect(row?.lease_owner).toBeTruthy();
    expect(row!.leased_until!.getTime()).toBeGreaterThan(Date.now());
    expect(calls).toBe(1);
    finish();
    await waitFor("the ack", async () => (await rows()).length === 0);
    expect(calls).toBe(1);
  });

  it("retries a message whose handler threw, after a short backoff", async () => {
    const { entries, logger } = recordingLogger();
    const q = new KyselyMessageQueue(database, { channel: "retry", logger });
    const calls: number[] = [];
    start(q, () => {
      calls.push(Date.now());
      if (calls.length === 1) throw new Error("boom");
    });
    await q.enqueue("flaky");
    await waitFor("the first attempt", () => calls.length === 1);
    await waitFor("the release", async () => (await rows())[0]?.lease_owner == null, 2_000);
    const [released] = await rows();
    expect(released?.leased_until).toBeNull();
    expect(released!.deliver_at.getTime()).toBeGreaterThan(Date.now() - 100);
    await waitFor("the retry", () => calls.length === 2, 5_000);
    expect(calls[1]! - calls[0]!).toBeGreaterThanOrEqual(900);
    await waitFor("the ack", async () => (await rows()).length === 0);
    expect(entries.some((e) => e.level === "error" && /retried/.test(e.msg ?? ""))).toBe(true);
  });

  it("abandons a hung handler after handlerTimeoutMs, moves on, and retries the message", async () => {
    const q = new KyselyMessageQueue(database, { workers: 1, handlerTimeoutMs: 300, channel: "timeout" });
    let unblock!: () => void;
    const hung = new Promise<void>((resolve) => (unblock = resolve));
    const seen: string[] = [];
    start(q, async (m: string) => {
      seen.push(m);
      if (m === "hangs" && seen.filter((x) => x === "hangs").length === 1) await hung;
    });
    try {
      await q.enqueue("hangs");
      await q.enqueue("next");
      await waitFor("the next message", () => seen.includes("next"), 5_000);
      await waitFor("the retry of the hung one", () => seen.filter((x) => x === "hangs").length === 2, 5_000);
      await waitFor("an empty table", async () => (await rows()).length === 0);
    } finally {
      unblock();
    }
  });

  it("on abort, releases a message whose handler outlives drainMs, and another worker takes it", async () => {
    const q1 = new KyselyMessageQueue(database, { drainMs: 300, channel: "drain" });
    let unblock!: () => void;
    const blocked = new Promise<void>((resolve) => (unblock = resolve));
    let started = false;
    const r1 = start(q1, async () => {
      started = true;
      await blocked;
    });
    try {
      await q1.enqueue("in flight");
      await waitFor("the handler", () => started);
      const t0 = Date.now();
      await stop(r1);
      const took = Date.now() - t0;
      expect(took).toBeGreaterThanOrEqual(250);
      expect(took).toBeLessThan(2_000);
      const [row] = await rows();
      expect(row?.leased_until).toBeNull();
      expect(row?.lease_owner).toBeNull();
      // Stopped means stopped: q1 takes nothing more.
      await q1.enqueue("after stop");
      await sleep(200);
      expect((await rows()).length).toBe(2);
      const q2 = new KyselyMessageQueue(database2, { channel: "drain" });
      const got: string[] = [];
      start(q2, (m: string) => void got.push(m));
      await waitFor("the other worker", () => got.length === 2, 5_000);
      expect(got.sort()).toEqual(["after stop", "in flight"]);
    } finally {
      unblock();
    }
  });

  it("on abort, lets a handler finish within drainMs and acks it", async () => {
    const q = new KyselyMessageQueue(database, { drainMs: 5_000, channel: "drain-ok" });
    let started = false;
    let finished = false;
    const r = start(q, async () => {
      started = true;
      await sleep(300);
      finished = true;
    });
    await q.enqueue("short job");
    await waitFor("the handler", () => started);
    await stop(r);
    expect(finished).toBe(true);
    expect(await rows()).toEqual([]);
  });

  it("keeps consuming after a transient database error", async () => {
    const { entries, logger } = recordingLogger();
    const q = new KyselyMessageQueue(database, { pollIntervalMs: 100, channel: "transient", logger });
    const got: string[] = [];
    start(q, (m: string) => void got.push(m));
    await sleep(100);
    await sql`alter table fedify_mq rename to fedify_mq_away`.execute(database.db);
    try {
      await waitFor("a logged claim failure", () => entries.some((e) => e.level === "warn"), 5_000);
    } finally {
      await sql`alter table fedify_mq_away rename to fedify_mq`.execute(database.db);
    }
    await q.enqueue("after the outage");
    await waitFor("delivery after the outage", () => got.length === 1, 15_000);
  });

  it("ignores malformed notifications and is woken by another instance's NOTIFY", async () => {
    const { entries, logger } = recordingLogger();
    const q1 = new KyselyMessageQueue(database, { pollIntervalMs: 10_000, channel: "malformed", logger });
    const q2 = new KyselyMessageQueue(database2, { channel: "malformed" });
    const got: string[] = [];
    start(q1, (m: string) => void got.push(m));
    await sleep(300);
    for (const payload of ["", "garbage", "-5", "1.5", "99999999999999999999", '{"delay":1}']) {
      await database2.notify("malformed", payload);
    }
    const t0 = Date.now();
    await q2.enqueue("still works");
    await waitFor("delivery", () => got.length === 1, 5_000);
    expect(Date.now() - t0).toBeLessThan(2_000); // woken, not polled
    await waitFor("the debug lines", () => entries.filter((e) => /malformed/.test(e.msg ?? "")).length === 6, 2_000);
    expect(entries.filter((e) => e.level !== "debug")).toEqual([]);
  });

  it("holds back later messages with an ordering key while an earlier one is retried", async () => {
    const q = new KyselyMessageQueue(database, { workers: 4, channel: "order-retry" });
    const order: string[] = [];
    let failed = false;
    start(q, (m: { v: string }) => {
      order.push(m.v);
      if (m.v === "k1" && !failed) {
        failed = true;
        throw new Error("first try fails");
      }
    });
    await q.enqueue({ v: "k1" }, { orderingKey: "K" });
    await q.enqueue({ v: "k2" }, { orderingKey: "K" });
    await q.enqueue({ v: "free" });
    await waitFor("k1, k1, k2", () => order.filter((v) => v.startsWith("k")).length === 3, 10_000);
    expect(order.filter((v) => v.startsWith("k"))).toEqual(["k1", "k1", "k2"]);
    expect(order.indexOf("free")).toBeLessThan(order.lastIndexOf("k1")); // not blocked by K
  });

  it("never runs two messages with one ordering key at once, and keeps their order, across two instances", async () => {
    const q1 = new KyselyMessageQueue(database, { workers: 3, channel: "order" });
    const q2 = new KyselyMessageQueue(database2, { workers: 3, channel: "order" });
    const active = new Set<string>();
    const sequences = new Map<string, number[]>();
    let overlaps = 0;
    let unkeyed = 0;
    const handler = async (m: { k: string | null; i: number }) => {
      if (m.k == null) {
        unkeyed++;
        return;
      }
      if (active.has(m.k)) overlaps++;
      active.add(m.k);
      sequences.set(m.k, [...(sequences.get(m.k) ?? []), m.i]);
      await sleep(Math.random() * 4);
      active.delete(m.k);
    };
    // Queue everything first, so each key has a backlog the workers compete for.
    const keys = ["a", "b", "c", "d"];
    for (let i = 0; i < 15; i++) {
      for (const k of keys) await (i % 2 ? q1 : q2).enqueue({ k, i }, { orderingKey: k });
      if (i % 3 === 0) await q1.enqueue({ k: null, i });
    }
    start(q1, handler);
    start(q2, handler);
    await waitFor("all messages", () => [...sequences.values()].reduce((n, s) => n + s.length, 0) === 60 && unkeyed === 5, 30_000);
    expect(overlaps).toBe(0);
    for (const k of keys) expect(sequences.get(k)).toEqual(Array.from({ length: 15 }, (_, i) => i));
  });

  it("reports depth without in-flight messages", async () => {
    const q = new KyselyMessageQueue(database, { workers: 1, channel: "depth" });
    await q.enqueue("a");
    await q.enqueue("b");
    await q.enqueue("later", { delay: dur(60_000) });
    expect(await q.getDepth()).toEqual({ queued: 3, ready: 2, delayed: 1 });
    let unblock!: () => void;
    const blocked = new Promise<void>((resolve) => (unblock = resolve));
    let started = false;
    start(q, async () => {
      started = true;
      await blocked;
    });
    try {
      await waitFor("the handler", () => started);
      expect(await q.getDepth()).toEqual({ queued: 2, ready: 1, delayed: 1 });
    } finally {
      unblock();
    }
  });

  it("enqueueMany is all-or-nothing and handles large batches", async () => {
    // An empty channel name makes the NOTIFY at the end of the transaction fail.
    const broken = new KyselyMessageQueue(database, { channel: "" });
    await expect(broken.enqueueMany(["x", "y", "z"])).rejects.toThrow();
    await expect(broken.enqueue("x")).rejects.toThrow();
    expect(await rows()).toEqual([]);
    await expect(broken.enqueue(undefined)).rejects.toThrow(TypeError);

    const q = new KyselyMessageQueue(database, { channel: "many" });
    await q.enqueueMany(
      Array.from({ length: 1100 }, (_, i) => ({ i })),
      { orderingKey: "batch" },
    );
    const all = await rows();
    expect(all.length).toBe(1100);
    expect(all.map((r) => JSON.parse(r.message).i)).toEqual(Array.from({ length: 1100 }, (_, i) => i));
    await q.enqueueMany([]);
  });

  it("enqueues made in one turn go in one statement, and each ack goes with the next claim", async () => {
    let statements = 0;
    const counting: KyselyPlugin = {
      transformQuery: (args) => {
        statements++;
        return args.node;
      },
      transformResult: async (args) => args.result,
    };
    const q = new KyselyMessageQueue({ ...database, db: database.db.withPlugin(counting) } as Database, { channel: "turn", workers: 1 });
    // As Fedify fans an activity out with an ordering key: one enqueue per inbox, all at once.
    await Promise.all(Array.from({ length: 40 }, (_, i) => q.enqueue({ i }, { orderingKey: `inbox-${i % 4}` })));
    expect(statements).toBe(1);
    const all = await rows();
    expect(all.map((r) => JSON.parse(r.message).i)).toEqual(Array.from({ length: 40 }, (_, i) => i));

    statements = 0;
    const seen: number[] = [];
    start(q, (m: { i: number }) => {
      seen.push(m.i);
    });
    await waitFor("every message handled and deleted", async () => seen.length === 40 && (await rows()).length === 0);
    // One claim per message, each deleting the message handled before it (not a claim and an ack each).
    expect(statements).toBeLessThanOrEqual(40 + 5);
    for (let k = 0; k < 4; k++) {
      const ofKey = seen.filter((i) => i % 4 === k);
      expect(ofKey).toEqual([...ofKey].sort((a, b) => a - b));
    }
  });

  it("round-trips payloads containing \\u0000 and lone surrogates", async () => {
    const q = new KyselyMessageQueue(database, { channel: "payload" });
    const message = { type: "inbox", activity: { content: "a\u0000b", odd: "\udc00", nested: [1, null, { x: "é" }] } };
    const got: unknown[] = [];
    start(q, (m) => void got.push(m));
    await q.enqueue(message);
    await waitFor("delivery", () => got.length === 1);
    expect(got[0]).toEqual(message);
  });

  it("listen() resolves at once for an aborted signal and never rejects, even when the database closes", async () => {
    const q = new KyselyMessageQueue(database, { channel: "aborted" });
    await q.listen(() => {}, { signal: AbortSignal.abort() });

    const other = await createTestDatabase();
    try {
      const db = await other.open();
      const { entries, logger } = recordingLogger();
      const doomed = new KyselyMessageQueue(db, { pollIntervalMs: 50, channel: "doomed", logger });
      const r = start(doomed, () => {});
      await sleep(100);
      await db.close();
      await waitFor("logged failures", () => entries.some((e) => e.level === "warn"), 5_000);
      await stop(r);
    } finally {
      await other.drop();
    }
  });

  it("loses nothing when a worker process is killed with SIGKILL mid-handler", { timeout: 60_000 }, async () => {
    const crash = await createTestDatabase();
    let child: ReturnType<typeof spawn> | undefined;
    try {
      let db = await crash.open();
      await new KyselyMessageQueue(db).enqueue({ important: true });
      // PGlite: one process per data directory, so hand it over to the child.
      if (testBackend === "pglite") await db.close();
      const fixture = fileURLToPath(new URL("./fixtures/crash-worker.ts", import.meta.url));
      child = spawn(process.execPath, [fixture], {
        env: { ...process.env, CRASH_DB_URL: crash.url ?? "", CRASH_DB_DIR: crash.dataDir ?? "" },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let output = "";
      child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
      child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
      const exited = new Promise<void>((resolve) => child!.once("exit", () => resolve()));
      await waitFor(`the child to take the message (output: ${output})`, () => output.includes("handling"), 30_000);
      child.kill("SIGKILL");
      await exited;

      if (testBackend === "pglite") db = await crash.open(); // the dead child's lock is stale
      const [row] = (await sql<{ lease_owner: string | null }>`select lease_owner from fedify_mq`.execute(db.db)).rows;
      expect(row?.lease_owner).toMatch(new RegExp(`:${child.pid}:`));
      const got: unknown[] = [];
      const q = new KyselyMessageQueue(db, { pollIntervalMs: 200 });
      start(q, (m) => void got.push(m));
      await waitFor("redelivery after the lease expired", () => got.length === 1, 10_000);
      expect(got).toEqual([{ important: true }]);
      await waitFor("the ack", async () => (await sql`select 1 from fedify_mq`.execute(db.db)).rows.length === 0);
    } finally {
      await Promise.all(running.splice(0).map(stop));
      if (child != null && child.exitCode == null && child.signalCode == null) child.kill("SIGKILL");
      await crash.drop();
    }
  });
});
