import type { Kysely } from "kysely";
import { openPGlite } from "./pglite.ts";
import { openPostgres } from "./postgres.ts";
import type { Schema } from "./schema.ts";

// The database the instance runs on: its interface and the factory that picks the
// backend (postgres.ts, pglite.ts). Migrations are run apart (migrator.ts).

export { DataDirectoryLockedError } from "./data-dir-lock.ts";
export { DataDirectoryModeError, makeDataDirectoryPrivate } from "./private-directory.ts";
export { describePostgresUrl } from "./postgres.ts";

/** The logging calls the storage layer makes; a pino logger fits. */
export interface StoreLogger {
  debug(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** An open database: Kysely plus LISTEN/NOTIFY and a clean shutdown. */
export interface Database {
  db: Kysely<Schema>;
  kind: "pglite" | "postgres";
  /** For the startup log line; never contains a password. */
  describe: string;
  /**
   * Subscribes to a NOTIFY channel; resolves once subscribed and returns the
   * unsubscribe function. On PostgreSQL one dedicated connection (not from the
   * pool) carries every subscription and reconnects by itself; notifications
   * sent while it is down are lost, so callers must also poll.
   */
  listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>>;
  notify(channel: string, payload: string): Promise<void>;
  /** Closes listeners, the pool or PGlite, and the data directory lock. Idempotent. */
  close(): Promise<void>;
}

/** Options of {@link openDatabase}. */
export interface OpenDatabaseOptions {
  /** A `postgres://` URL; when set, PostgreSQL is used through a `pg` pool. */
  url?: string;
  /** PGlite data directory (created if missing); `memory://` or unset = in memory. */
  dataDir?: string;
  /** Size of the `pg` pool (default 10); each queue worker needs one briefly per query. */
  poolSize?: number;
  logger?: StoreLogger;
  /** A new PGlite data directory starts from the template with the migrations applied (store/pglite-template.ts). */
  migratedTemplate?: boolean;
}

const silentLogger: StoreLogger = { debug() {}, warn() {}, error() {} };

/**
 * Opens PostgreSQL (with `url`) or PGlite (otherwise). Does not run
 * migrations; see `migrateToLatest`.
 *
 * @throws DataDirectoryLockedError when another process uses `dataDir`.
 */
export async function openDatabase(opts: OpenDatabaseOptions): Promise<Database> {
  const logger = opts.logger ?? silentLogger;
  if (opts.url != null && opts.url !== "") return await openPostgres(opts.url, opts.poolSize ?? 10, logger);
  return await openPGlite(opts.dataDir, logger, { migratedTemplate: opts.migratedTemplate ?? false });
}
