import { existsSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readdir } from "node:fs/promises";
import { openDatabase } from "../../src/store/database.ts";
import { migrateToLatest, migrationFolder } from "../../src/store/migrator.ts";
import { installedPGliteVersion, pgliteTemplate, pgliteTemplateBytes, pgliteTemplateFile, unpackPGliteTemplate } from "../../src/store/pglite-template.ts";
import { gzipSync } from "node:zlib";

const silent = { debug() {}, warn() {}, error() {} };

describe("the PGlite data-directory template", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "folkmoot-template-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("exists for the installed PGlite (run `npm run pglite-template` after changing its version)", () => {
    const version = installedPGliteVersion();
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
    expect(existsSync(pgliteTemplateFile(version))).toBe(true);
    expect(pgliteTemplate()?.size).toBeGreaterThan(1_000_000);
  });

  it("gives a new data directory a working, private database that keeps its data", async () => {
    const dataDir = join(dir, "db");
    let database = await openDatabase({ dataDir, logger: silent });
    await sql`create table kept (v text not null)`.execute(database.db);
    await sql`insert into kept values ('here')`.execute(database.db);
    await database.close();
    expect(readFileSync(join(dataDir, "PG_VERSION"), "utf8").trim()).toMatch(/^\d+$/);
    expect(statSync(dataDir).mode & 0o077).toBe(0);
    expect(statSync(join(dataDir, "PG_VERSION")).mode & 0o077).toBe(0);
    database = await openDatabase({ dataDir, logger: silent });
    const { rows } = await sql<{ v: string }>`select v from kept`.execute(database.db);
    await database.close();
    expect(rows).toEqual([{ v: "here" }]);
  });

  it("with the migrations applied starts a server's new data directory; only migrations added since run", { timeout: 60_000 }, async () => {
    expect(existsSync(pgliteTemplateFile(installedPGliteVersion(), true))).toBe(true);
    const files = (await readdir(migrationFolder))
      .filter((f) => f.endsWith(".ts"))
      .map((f) => f.replace(/\.ts$/, ""))
      .sort();
    const dataDir = join(dir, "migrated");
    const database = await openDatabase({ dataDir, logger: silent, migratedTemplate: true });
    try {
      const { rows } = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(database.db);
      const inTemplate = rows.map((r) => r.name);
      // The template's migrations are the first files of the folder (migrations are never
      // edited or removed once shipped): run `npm run pglite-template` if this fails.
      expect(inTemplate.length).toBeGreaterThan(0);
      expect(files.slice(0, inTemplate.length)).toEqual(inTemplate);
      expect((await migrateToLatest(database.db)).applied).toEqual(files.slice(inTemplate.length));
      expect(statSync(dataDir).mode & 0o077).toBe(0);
      // The schema is there and empty: no row of an instance's own comes with the template.
      const actors = await sql<{ n: string }>`select count(*)::text as n from actors`.execute(database.db);
      expect(actors.rows).toEqual([{ n: "0" }]);
    } finally {
      await database.close();
    }
  });

  it("is unpacked private, with PG_VERSION last: a directory left without it is unpacked again", async () => {
    const dataDir = join(dir, "unpacked");
    unpackPGliteTemplate(pgliteTemplateBytes()!, dataDir);
    const modes = (path: string): number[] =>
      readdirSync(path, { withFileTypes: true }).flatMap((e) => [statSync(join(path, e.name)).mode & 0o777, ...(e.isDirectory() ? modes(join(path, e.name)) : [])]);
    expect(new Set(modes(dataDir))).toEqual(new Set([0o600, 0o700]));
    expect(existsSync(join(dataDir, "pg_tblspc"))).toBe(true); // empty directories too
    // As if the first start stopped before finishing: the next one starts afresh and works.
    rmSync(join(dataDir, "PG_VERSION"));
    const database = await openDatabase({ dataDir, logger: silent });
    try {
      const { rows } = await sql<{ n: number }>`select 1 as n`.execute(database.db);
      expect(rows).toEqual([{ n: 1 }]);
    } finally {
      await database.close();
    }
  });

  it("refuses an archive with entries it does not write", () => {
    const header = Buffer.alloc(1024);
    header.write("/a-link", 0);
    header.write("0000000", 124);
    header.write("2", 156); // a symbolic link
    expect(() => unpackPGliteTemplate(gzipSync(header), join(dir, "refused"))).toThrow(/unexpected entry type/);
    header.fill(0, 0, 100);
    header.write("../up", 0);
    header.write("0", 156);
    expect(() => unpackPGliteTemplate(gzipSync(header), join(dir, "refused"))).toThrow(/bad entry/);
  });

  it("is not used for an in-memory database, which starts empty", async () => {
    const database = await openDatabase({ dataDir: "memory://", logger: silent, migratedTemplate: true });
    try {
      const { rows } = await sql<{ t: string | null }>`select to_regclass('kysely_migration')::text as t`.execute(database.db);
      expect(rows).toEqual([{ t: null }]);
    } finally {
      await database.close();
    }
  });
});
