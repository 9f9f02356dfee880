import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openPostgres } from "../../src/store/postgres.ts";
import { StatementNames } from "../../src/store/prepared-statements.ts";
import { createTestDatabase, type TestDatabase, testBackend } from "../support/database.ts";

const silent = { debug() {}, warn() {}, error() {} };

describe("which statements are prepared", () => {
  it("names a text on its third sending, and always the same name after", () => {
    const names = new StatementNames();
    expect(names.nameOf("select $1")).toBeUndefined();
    expect(names.nameOf("select $1")).toBeUndefined();
    const name = names.nameOf("select $1");
    expect(name).toMatch(/^folkmoot_\d+$/);
    expect(names.nameOf("select $1")).toBe(name);
    expect(names.nameOf("select $2")).toBeUndefined();
  });

  it("hands out a bounded number of names, and never one name to two texts", () => {
    const names = new StatementNames({ after: 1, maxNamed: 3 });
    const a = names.nameOf("a");
    names.unname("a");
    expect(names.nameOf("a")).toBeUndefined();
    const given = ["b", "c", "d"].map((t) => names.nameOf(t));
    expect(given.filter((n) => n !== undefined)).toHaveLength(2);
    expect(new Set([a, ...given.filter((n) => n !== undefined)]).size).toBe(3);
  });
});

describe.runIf(testBackend === "postgres")("prepared statements on PostgreSQL", () => {
  let tdb: TestDatabase;
  beforeAll(async () => {
    tdb = await createTestDatabase();
    await (await tdb.open()).close();
  });
  afterAll(async () => {
    await tdb.drop();
  });

  it("answers a repeated statement as before, from one prepared statement per connection", async () => {
    const database = await openPostgres(tdb.url!, 1, silent);
    try {
      const answers: unknown[] = [];
      for (let i = 0; i < 6; i++) answers.push((await sql<{ n: number }>`select ${i}::int + 1 as n`.execute(database.db)).rows[0]!.n);
      expect(answers).toEqual([1, 2, 3, 4, 5, 6]);
      const { rows } = await sql<{ statement: string }>`select statement from pg_prepared_statements where name like 'folkmoot_%'`.execute(database.db);
      expect(rows.map((r) => r.statement)).toContain("select $1::int + 1 as n");
    } finally {
      await database.close();
    }
  });

  it("sends a statement unnamed once its table changed under it, and goes on", async () => {
    const database = await openPostgres(tdb.url!, 1, silent);
    const other = await openPostgres(tdb.url!, 1, silent);
    try {
      await sql`create table prepared_probe (id int primary key)`.execute(database.db);
      await sql`insert into prepared_probe values (1)`.execute(database.db);
      const read = () => sql<{ id: number }>`select * from prepared_probe where id = ${1}`.execute(database.db);
      for (let i = 0; i < 4; i++) expect((await read()).rows).toEqual([{ id: 1 }]);
      // Another process migrates: the prepared `select *` no longer fits.
      await sql`alter table prepared_probe add column note text`.execute(other.db);
      await expect(read()).rejects.toMatchObject({ code: "0A000" });
      expect((await read()).rows).toEqual([{ id: 1, note: null }]);
    } finally {
      await sql`drop table if exists prepared_probe`.execute(other.db);
      await other.close();
      await database.close();
    }
  });
});
