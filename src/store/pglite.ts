import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { Kysely, sql } from "kysely";
import { acquireLock, releaseLock } from "./data-dir-lock.ts";
import type { Database, StoreLogger } from "./database.ts";
import { PGliteDialect } from "./pglite-dialect.ts";
import type { Schema } from "./schema.ts";

/**
 * PGlite in memory (no `dataDir`, or `memory://`) or in a data directory, which it
 * creates and locks for this process.
 */
export async function openPGlite(dataDir: string | undefined, logger: StoreLogger): Promise<Database> {
  const inMemory = dataDir == null || dataDir === "" || dataDir.startsWith("memory://");
  let dir: string | undefined;
  let lockPath: string | undefined;
  if (!inMemory) {
    dir = path.resolve(dataDir.startsWith("file://") ? fileURLToPath(dataDir) : dataDir);
    fs.mkdirSync(dir, { recursive: true });
    lockPath = acquireLock(dir);
  }
  let pglite: PGlite;
  try {
    pglite = await PGlite.create({
      ...(dir != null ? { dataDir: dir } : {}),
      // int8 as a string, like node-postgres: one behaviour on both backends.
      parsers: { 20: (value: string) => value },
    });
  } catch (err) {
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
        await dialect.runExclusive(() => unsubscribe()).catch((err) => {
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
        } finally {
          if (lockPath != null) releaseLock(lockPath);
        }
      })()),
  };
}
