import { readdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/store/database.ts";
import type { Database } from "../../src/store/database.ts";
import { migrateToLatest, migrationFolder } from "../../src/store/migrator.ts";
import { createTestDatabase, testBackend } from "../support/database.ts";
import type { TestDatabase } from "../support/database.ts";

let tdb: TestDatabase;
const opened: Database[] = [];

/** Opens the test database *without* migrating it (unlike `tdb.open()`). */
async function openRaw(): Promise<Database> {
  const database = await openDatabase(tdb.url != null ? { url: tdb.url } : { dataDir: tdb.dataDir! });
  opened.push(database);
  return database;
}

beforeEach(async () => {
  tdb = await createTestDatabase();
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((d) => d.close()));
  await tdb.drop();
});

async function tables(database: Database): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`
    select table_name as name from information_schema.tables where table_schema = 'public' order by 1`.execute(database.db);
  return rows.map((r) => r.name);
}

describe(`migrateToLatest (${testBackend})`, () => {
  it("applies every migration once, then nothing", { timeout: 30_000 }, async () => {
    const all = (await readdir(migrationFolder))
      .filter((f) => f.endsWith(".ts"))
      .map((f) => f.replace(/\.ts$/, ""))
      .sort();
    const database = await openRaw();
    const first = await migrateToLatest(database.db);
    expect(first.applied).toEqual(all);
    expect(first.applied).toContain("2026-11-22-0000_fedify-storage");
    expect(await tables(database)).toEqual(expect.arrayContaining(["fedify_kv", "fedify_mq"]));
    expect(await migrateToLatest(database.db)).toEqual({ applied: [] });
  });

  it("is safe when two callers migrate at once", { timeout: 30_000 }, async () => {
    // On PostgreSQL two pools (two processes, in effect); PGlite has only one.
    const a = await openRaw();
    const b = testBackend === "postgres" ? await openRaw() : a;
    const [ra, rb] = await Promise.all([migrateToLatest(a.db), migrateToLatest(b.db)]);
    const applied = [...ra.applied, ...rb.applied].sort();
    expect(applied).toEqual([...new Set(applied)]);
    expect(applied).toContain("2026-11-22-0000_fedify-storage");
    expect(ra.applied.length === 0 || rb.applied.length === 0).toBe(true);
  });

  it("names the failing migration and rolls back the whole run", { timeout: 30_000 }, async () => {
    const folder = await mkdtemp(join(tmpdir(), "folkmoot-migrations-"));
    try {
      await writeFile(
        join(folder, "2030-01-01-0000_good.ts"),
        `export async function up(db) { await db.schema.createTable("good_table").addColumn("id", "integer").execute(); }\n`,
      );
      await writeFile(
        join(folder, "2030-01-01-0001_bad.ts"),
        `export async function up(db) {
           await db.schema.createTable("half_done").addColumn("id", "integer").execute();
           await db.schema.createTable("good_table").addColumn("id", "integer").execute();
         }\n`,
      );
      const database = await openRaw();
      const error = await migrateToLatest(database.db, { migrationFolder: folder }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toMatch(/^Migration 2030-01-01-0001_bad failed: .*good_table/);
      // Kysely runs all pending migrations in one transaction.
      const names = await tables(database);
      expect(names).not.toContain("good_table");
      expect(names).not.toContain("half_done");
      const done = await sql<{ name: string }>`select name from kysely_migration`.execute(database.db);
      expect(done.rows).toEqual([]);

      await writeFile(join(folder, "2030-01-01_misnamed.ts"), "export async function up() {}\n");
      await expect(migrateToLatest(database.db, { migrationFolder: folder })).rejects.toThrow(/not named YYYY-MM-DD-HHMM_name/);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it("on an up-to-date database loads no migration module, and applies a new file when one appears", { timeout: 30_000 }, async () => {
    const folder = await mkdtemp(join(tmpdir(), "folkmoot-migrations-"));
    try {
      await writeFile(
        join(folder, "2030-01-01-0000_first.ts"),
        `export async function up(db) { await db.schema.createTable("first_table").addColumn("id", "integer").execute(); }\n`,
      );
      const database = await openRaw();
      expect(await migrateToLatest(database.db, { migrationFolder: folder })).toEqual({ applied: ["2030-01-01-0000_first"] });
      // Loading this file now would throw: a restart must not load it.
      await writeFile(join(folder, "2030-01-01-0000_first.ts"), `throw new Error("loaded a migration that was already applied");\n`);
      expect(await migrateToLatest(database.db, { migrationFolder: folder })).toEqual({ applied: [] });
      // A new migration is applied (the Migrator then loads every file, so the first is made loadable again).
      await writeFile(join(folder, "2030-01-01-0000_first.ts"), "export async function up() {}\n");
      await writeFile(
        join(folder, "2030-01-01-0001_second.ts"),
        `export async function up(db) { await db.schema.createTable("second_table").addColumn("id", "integer").execute(); }\n`,
      );
      expect(await migrateToLatest(database.db, { migrationFolder: folder })).toEqual({ applied: ["2030-01-01-0001_second"] });
      expect(await tables(database)).toEqual(expect.arrayContaining(["first_table", "second_table"]));
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});
