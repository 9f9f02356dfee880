import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { Kysely, sql } from "kysely";
import { acquireLock, releaseLock } from "./data-dir-lock.ts";
import type { Database, StoreLogger } from "./database.ts";
import { PGliteDialect } from "./pglite-dialect.ts";
import { pgliteTemplate, pgliteTemplateBytes, unpackPGliteTemplate } from "./pglite-template.ts";
import { makeTreePrivate } from "./private-directory.ts";
import type { Schema } from "./schema.ts";

/** PostgreSQL settings PGlite starts with, on top of its own. */
export const PGLITE_SETTINGS: readonly string[] = ["shared_buffers=16MB"];

/**
 * PGlite in memory (no `dataDir`, or `memory://`) or in a data directory, which it
 * creates and locks for this process.
 */
export async function openPGlite(dataDir: string | undefined, logger: StoreLogger, options: { migratedTemplate?: boolean } = {}): Promise<Database> {
  const inMemory = dataDir == null || dataDir === "" || dataDir.startsWith("memory://");
  let dir: string | undefined;
  let lockPath: string | undefined;
  let fresh = false;
  if (!inMemory) {
    dir = path.resolve(dataDir.startsWith("file://") ? fileURLToPath(dataDir) : dataDir);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fresh = !fs.existsSync(path.join(dir, "PG_VERSION"));
    lockPath = acquireLock(dir);
  }
  let pglite: PGlite | undefined;
  // A new database: unpacked from the template rather than made by initdb (store/pglite-template.ts),
  // into a data directory by us, in memory by PGlite. A server's new data directory may
  // start migrated (then only later migrations run).
  let template: Blob | undefined;
  try {
    if (fresh && dir != null) {
      const bytes = (options.migratedTemplate ? pgliteTemplateBytes({ migrated: true }) : undefined) ?? pgliteTemplateBytes();
      if (bytes) unpackPGliteTemplate(bytes, dir);
    } else if (inMemory) template = pgliteTemplate();
    pglite = await PGlite.create({
      ...(dir != null ? { dataDir: dir } : {}),
      ...(template ? { loadDataDir: template } : {}),
      // int8 as a string, like node-postgres: one behaviour on both backends.
      parsers: { 20: (value: string) => value },
      // PGlite's defaults, with a 16 MB buffer pool instead of 128 MB: the pool's pages
      // live in this process's memory once touched, and an instance's working set is small.
      startParams: [...PGlite.defaultStartParams, ...PGLITE_SETTINGS.flatMap((s) => ["-c", s])],
    });
    // PGlite's initdb writes its files 0666 whatever the umask (Emscripten chmods
    // them); PostgreSQL creates its later files 0600, except the relation cache
    // (0644, tightened at close; the directory is 0700 meanwhile).
    if (fresh && dir != null) makeTreePrivate(dir);
  } catch (err) {
    await pglite?.close().catch(() => {});
    if (lockPath != null) releaseLock(lockPath);
    throw err;
  }
  const dialect = new PGliteDialect({ pglite });
  const db = new Kysely<Schema>({ dialect });
  let closing: Promise<void> | undefined;
  return {
    db,
    kind: "pglite",
    describe: inMemory ? "PGlite in memory" : `PGlite at ${dataDir}`,
    listen: async (channel, onNotify) => {
      const unsubscribe = await dialect.runExclusive(() => pglite.listen(channel, onNotify));
      let done = false;
      return async () => {
        if (done) return;
        done = true;
        if (pglite.closed) return;
        await dialect
          .runExclusive(() => unsubscribe())
          .catch((err) => {
            if (!pglite.closed) logger.debug({ err, channel }, "UNLISTEN failed");
          });
      };
    },
    notify: async (channel, payload) => {
      await sql`select pg_notify(${channel}, ${payload})`.execute(db);
    },
    close: () =>
      (closing ??= (async () => {
        try {
          await db.destroy();
          if (dir != null) tightenAtClose(dir, logger);
        } finally {
          if (lockPath != null) releaseLock(lockPath);
        }
      })()),
  };
}

function tightenAtClose(dir: string, logger: StoreLogger): void {
  try {
    makeTreePrivate(dir);
  } catch (err) {
    logger.warn({ err, dir }, "could not make the data directory private at close");
  }
}
