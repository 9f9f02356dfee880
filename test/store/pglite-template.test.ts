import { existsSync, readFileSync, statSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/store/database.ts";
import { installedPGliteVersion, pgliteTemplate, pgliteTemplateFile } from "../../src/store/pglite-template.ts";

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
});
