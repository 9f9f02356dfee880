import { createHash, randomBytes } from "node:crypto";
import { cp, mkdtemp, readdir, readFile, rename, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { openDatabase } from "../../src/store/database.ts";
import type { Database } from "../../src/store/database.ts";
import { migrateToLatest, migrationFolder } from "../../src/store/migrator.ts";

/**
 * A throw-away database for one test file or test: a fresh PostgreSQL
 * database when `TEST_DATABASE_URL` is set, else a fresh PGlite directory.
 */
export interface TestDatabase {
  /** Set on PostgreSQL: the URL of the fresh database. */
  url?: string;
  /** Set on PGlite: the data directory. */
  dataDir?: string;
  /**
   * Opens the database and runs the migrations. On PGlite only one `open()`
   * may be live at a time (one process per data directory): share it, or
   * close it before opening again.
   */
  open(): Promise<Database>;
  /** Closes whatever `open()` returned that is still open, then deletes the database. */
  drop(): Promise<void>;
}

/** Which backend the tests run on: `TEST_DATABASE_URL` selects PostgreSQL. */
export const testBackend: "pglite" | "postgres" = process.env.TEST_DATABASE_URL ? "postgres" : "pglite";

/** Creates an empty database (see {@link TestDatabase}). */
export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = process.env.TEST_DATABASE_URL;
  const opened = new Set<Database>();
  const open = async (options: { url?: string; dataDir?: string }): Promise<Database> => {
    const database = await openDatabase({ ...options, poolSize: 8 });
    try {
      await migrateToLatest(database.db);
    } catch (err) {
      await database.close();
      throw err;
    }
    const close = database.close;
    const tracked: Database = {
      ...database,
      close: async () => {
        opened.delete(tracked);
        await close();
      },
    };
    opened.add(tracked);
    return tracked;
  };
  const closeAll = async () => {
    await Promise.allSettled([...opened].map((d) => d.close()));
  };

  if (adminUrl) {
    const name = `folkmoot_t_${randomBytes(6).toString("hex")}`;
    await withAdmin(adminUrl, (client) => client.query(`create database ${name}`));
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    let dropped = false;
    return {
      url: url.href,
      open: () => open({ url: url.href }),
      drop: async () => {
        if (dropped) return;
        dropped = true;
        await closeAll();
        await withAdmin(adminUrl, (client) => client.query(`drop database if exists ${name} with (force)`));
      },
    };
  }

  const dataDir = await mkdtemp(join(tmpdir(), "folkmoot-test-db-"));
  return {
    dataDir,
    open: async () => {
      // A fresh directory starts as a copy of the migrated template: PGlite's
      // initdb takes seconds, a copy a fraction of that.
      if ((await readdir(dataDir)).length === 0) await cp(await pgliteTemplate(), dataDir, { recursive: true });
      return await open({ dataDir });
    },
    drop: async () => {
      await closeAll();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

let template: Promise<string> | undefined;

/**
 * A migrated PGlite data directory to copy, shared by all test processes and
 * runs: its name carries a hash of the migrations and of PGlite's version, so
 * any change builds a new one. It is only ever copied, never opened.
 */
export function pgliteTemplate(): Promise<string> {
  return (template ??= (async () => {
    const hash = createHash("sha256");
    const pglitePackage = fileURLToPath(new URL("../../node_modules/@electric-sql/pglite/package.json", import.meta.url));
    hash.update(JSON.parse(await readFile(pglitePackage, "utf8")).version as string);
    for (const file of (await readdir(migrationFolder)).sort()) {
      hash.update(file).update(await readFile(join(migrationFolder, file)));
    }
    const dir = join(tmpdir(), `folkmoot-pglite-template-${hash.digest("hex").slice(0, 16)}`);
    if ((await readdir(dir).catch(() => [])).length > 0) return dir;
    const building = await mkdtemp(join(tmpdir(), "folkmoot-pglite-template-build-"));
    try {
      const database = await openDatabase({ dataDir: building });
      try {
        await migrateToLatest(database.db);
      } finally {
        await database.close();
      }
      // Atomic publish; if another process got there first, use theirs.
      await rename(building, dir).catch(async (err: NodeJS.ErrnoException) => {
        if (err.code !== "ENOTEMPTY" && err.code !== "EEXIST") throw err;
      });
    } finally {
      await rm(building, { recursive: true, force: true });
    }
    return dir;
  })());
}

async function withAdmin<T>(adminUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
