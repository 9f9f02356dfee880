import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DataDirectoryLockedError, describePostgresUrl, openDatabase } from "../../src/store/database.ts";
import type { Database, StoreLogger } from "../../src/store/database.ts";
import { createTestDatabase, testBackend } from "../support/database.ts";
import type { TestDatabase } from "../support/database.ts";

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function waitFor(what: string, predicate: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

describe(`openDatabase (${testBackend})`, () => {
  let tdb: TestDatabase;
  let database: Database;

  beforeAll(async () => {
    tdb = await createTestDatabase();
    database = await tdb.open();
    await sql`create table t (id serial primary key, v text not null)`.execute(database.db);
  });
  afterAll(async () => {
    await tdb?.drop();
  });

  it("describes itself without secrets", () => {
    expect(database.kind).toBe(testBackend);
    expect(database.describe).toMatch(testBackend === "postgres" ? /^PostgreSQL at [^@]+\/folkmoot_t_/ : /^PGlite at /);
    expect(describePostgresUrl("postgres://alice:s3cret@db.example:6543/folkmoot?sslmode=require")).toBe("db.example:6543/folkmoot");
    expect(describePostgresUrl("postgres://bob@localhost/")).toBe("localhost:5432/bob");
    expect(describePostgresUrl("not a url")).not.toContain("not a url");
  });

  it("commits and rolls back transactions, and queries outside wait for them", async () => {
    await database.db.transaction().execute(async (trx) => {
      await trx
        .insertInto("t" as never)
        .values({ v: "committed" } as never)
        .execute();
    });
    await expect(
      database.db.transaction().execute(async (trx) => {
        await trx
          .insertInto("t" as never)
          .values({ v: "rolled back" } as never)
          .execute();
        throw new Error("abort the transaction");
      }),
    ).rejects.toThrow("abort the transaction");
    // A failed statement aborts the transaction; it must not leak into later queries.
    await expect(
      database.db.transaction().execute(async (trx) => {
        await sql`select 1/0`.execute(trx);
      }),
    ).rejects.toThrow(/division by zero/);

    let releaseTx!: () => void;
    const txHeld = new Promise<void>((resolve) => (releaseTx = resolve));
    const events: string[] = [];
    const tx = database.db.transaction().execute(async (trx) => {
      await trx
        .insertInto("t" as never)
        .values({ v: "in tx" } as never)
        .execute();
      events.push("tx inserted");
      await txHeld;
      events.push("tx commits");
    });
    await waitFor("the transaction", () => events.length === 1);
    const outside = sql<{ n: number }>`select count(*)::int as n from t where v = 'in tx'`.execute(database.db).then((r) => {
      events.push(`outside saw ${r.rows[0]?.n}`);
    });
    await sleep(100);
    releaseTx();
    await Promise.all([tx, outside]);
    if (testBackend === "pglite") {
      // One connection: the outside query waited for the commit.
      expect(events).toEqual(["tx inserted", "tx commits", "outside saw 1"]);
    } else {
      // Its own connection: it did not see the uncommitted row.
      expect(events).toEqual(["tx inserted", "outside saw 0", "tx commits"]);
    }
    const { rows } = await sql<{ v: string }>`select v from t order by id`.execute(database.db);
    expect(rows.map((r) => r.v)).toEqual(["committed", "in tx"]);
  });

  it("returns int8 as a string and json parsed, on both backends", async () => {
    const { rows } = await sql<{ big: unknown; j: unknown; ts: unknown }>`
      select 9007199254740993::int8 as big, '{"a":[1,"\\u0000"]}'::json as j, now() as ts`.execute(database.db);
    expect(rows[0]).toMatchObject({ big: "9007199254740993", j: { a: [1, "\u0000"] } });
    expect(rows[0]?.ts).toBeInstanceOf(Date);
  });

  it("delivers NOTIFY to listeners, only after commit, and stops after unsubscribe", async () => {
    const got: string[] = [];
    const unsubscribe = await database.listen("test_channel", (payload) => got.push(payload));
    await database.notify("test_channel", "one");
    await database.db.transaction().execute(async (trx) => {
      await sql`select pg_notify('test_channel', 'from tx')`.execute(trx);
      await sleep(100);
      expect(got).toEqual(["one"].slice(0, got.length)); // "from tx" not yet
      expect(got).not.toContain("from tx");
    });
    await waitFor("two notifications", () => got.length === 2, 5_000);
    expect(got).toEqual(["one", "from tx"]);
    await unsubscribe();
    await unsubscribe(); // idempotent
    await database.notify("test_channel", "ignored");
    await sleep(200);
    expect(got).toEqual(["one", "from tx"]);
  });

  it.skipIf(testBackend !== "postgres")("re-establishes LISTEN after its connection is killed", async () => {
    const got: string[] = [];
    const unsubscribe = await database.listen("reconnect_channel", (payload) => got.push(payload));
    try {
      const killed = await sql<{ n: number }>`
        select count(pg_terminate_backend(pid))::int as n from pg_stat_activity
        where application_name = 'folkmoot-listen' and datname = current_database()`.execute(database.db);
      expect(killed.rows[0]?.n).toBe(1);
      await waitFor(
        "the listener to come back",
        async () => {
          await database.notify("reconnect_channel", "ping");
          await sleep(100);
          return got.length > 0;
        },
        10_000,
      );
    } finally {
      await unsubscribe();
    }
  });

  it("takes a pino logger as its logger", () => {
    const logger: StoreLogger = pino({ level: "silent" });
    logger.warn({ err: new Error("x") }, "type-checks and runs");
  });

  it("close() is idempotent", async () => {
    const other = await createTestDatabase();
    try {
      const d = await other.open();
      await Promise.all([d.close(), d.close()]);
      await d.close();
      await expect(sql`select 1`.execute(d.db)).rejects.toThrow();
    } finally {
      await other.drop();
    }
  });
});

describe("PGlite data directory lock", () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "folkmoot-lock-test-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("refuses a second opener, names the holder, and frees the directory on close", async () => {
    const first = await openDatabase({ dataDir: dir });
    try {
      expect(readFileSync(join(dir, "folkmoot.lock"), "utf8").trim()).toBe(String(process.pid));
      const error = await openDatabase({ dataDir: dir }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DataDirectoryLockedError);
      expect((error as DataDirectoryLockedError).pid).toBe(process.pid);
    } finally {
      await first.close();
    }
    expect(existsSync(join(dir, "folkmoot.lock"))).toBe(false);
    const again = await openDatabase({ dataDir: dir });
    await again.close();
  });

  it("refuses while another live process holds the lock and takes over a stale one", { timeout: 30_000 }, async () => {
    const holder = spawn("sleep", ["30"], { stdio: "ignore" });
    try {
      writeFileSync(join(dir, "folkmoot.lock"), `${holder.pid}\n`);
      const error = await openDatabase({ dataDir: dir }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DataDirectoryLockedError);
      expect((error as DataDirectoryLockedError).pid).toBe(holder.pid);
      expect((error as Error).message).toContain(String(holder.pid));
    } finally {
      const exited = new Promise((resolve) => holder.once("exit", resolve));
      holder.kill("SIGKILL");
      await exited;
    }
    // The holder is dead now: its lock is stale.
    const database = await openDatabase({ dataDir: dir });
    expect(readFileSync(join(dir, "folkmoot.lock"), "utf8").trim()).toBe(String(process.pid));
    await database.close();
    // Garbage in the lock file counts as stale too.
    writeFileSync(join(dir, "folkmoot.lock"), "not a pid");
    await (await openDatabase({ dataDir: dir })).close();
  });
});
