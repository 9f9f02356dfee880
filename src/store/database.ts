import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { Kysely, PostgresDialect, sql } from "kysely";
import pg from "pg";
import { PGliteDialect } from "./pglite-dialect.ts";
import type { Schema } from "./schema.ts";

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
}

/** Thrown when another live process holds a PGlite data directory. */
export class DataDirectoryLockedError extends Error {
  readonly pid: number;
  readonly dataDir: string;

  constructor(dataDir: string, pid: number) {
    super(
      `The data directory ${dataDir} is in use by process ${pid}. ` +
        "PGlite allows one process per data directory; stop that process, " +
        "or use PostgreSQL (a database URL) to run several processes.",
    );
    this.name = "DataDirectoryLockedError";
    this.pid = pid;
    this.dataDir = dataDir;
  }
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
  return await openPGlite(opts.dataDir, logger);
}

async function openPostgres(url: string, poolSize: number, logger: StoreLogger): Promise<Database> {
  const describe = `PostgreSQL at ${describePostgresUrl(url)}`;
  const pool = new pg.Pool({ connectionString: url, max: poolSize, application_name: "folkmoot" });
  // Without a listener an idle client's error (e.g. server restart) crashes the process.
  pool.on("error", (err) => logger.warn({ err }, "idle PostgreSQL connection failed"));
  try {
    await pool.query("select 1");
  } catch (err) {
    await pool.end().catch(() => {});
    throw new Error(`Cannot connect to ${describe}: ${(err as Error).message}`, { cause: err });
  }
  const db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) });
  const listener = new PgListener(url, logger);
  let closing: Promise<void> | undefined;
  return {
    db,
    kind: "postgres",
    describe,
    listen: (channel, onNotify) => listener.add(channel, onNotify),
    notify: async (channel, payload) => {
      await sql`select pg_notify(${channel}, ${payload})`.execute(db);
    },
    close: () =>
      (closing ??= (async () => {
        await listener.close();
        await db.destroy();
      })()),
  };
}

/** `host:port/database` of a PostgreSQL URL, without user or password. */
export function describePostgresUrl(url: string): string {
  try {
    const u = new URL(url);
    const host = u.hostname || u.searchParams.get("host") || "localhost";
    const port = u.port || "5432";
    const database = decodeURIComponent(u.pathname.replace(/^\//, "")) || decodeURIComponent(u.username) || "postgres";
    return `${host}:${port}/${database}`;
  } catch {
    return "(unparseable URL)";
  }
}

async function openPGlite(dataDir: string | undefined, logger: StoreLogger): Promise<Database> {
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

/** Lock files held by this process, so a second opener here is refused too. */
const heldLocks = new Set<string>();

/**
 * Takes `<dir>/folkmoot.lock` (containing our pid). A lock whose pid is not a
 * live process is stale and replaced. The file is created by hard-linking a
 * complete temporary file, so a reader never sees a half-written pid.
 */
function acquireLock(dir: string): string {
  const lockPath = path.join(dir, "folkmoot.lock");
  if (heldLocks.has(lockPath)) throw new DataDirectoryLockedError(dir, process.pid);
  const tmp = `${lockPath}.${process.pid}.${randomBytes(4).toString("hex")}`;
  fs.writeFileSync(tmp, `${process.pid}\n`);
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        fs.linkSync(tmp, lockPath);
        heldLocks.add(lockPath);
        return lockPath;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      }
      const pid = readLockPid(lockPath);
      // Our own pid in a lock we do not hold is left over from an earlier
      // process that had the same pid (common in containers: pid 1).
      if (pid != null && pid !== process.pid && isProcessAlive(pid)) {
        throw new DataDirectoryLockedError(dir, pid);
      }
      try {
        fs.unlinkSync(lockPath);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
      }
    }
    throw new Error(`Could not take the lock ${lockPath}`);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

function releaseLock(lockPath: string): void {
  if (!heldLocks.delete(lockPath)) return;
  try {
    if (readLockPid(lockPath) === process.pid) fs.unlinkSync(lockPath);
  } catch {
    // Already gone (e.g. the directory was removed): nothing to release.
  }
}

function readLockPid(lockPath: string): number | null {
  let text: string;
  try {
    text = fs.readFileSync(lockPath, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
  const pid = Number.parseInt(text.trim(), 10);
  return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

type NotifyCallback = (payload: string) => void;

/**
 * LISTEN on PostgreSQL over one dedicated client, created on the first
 * subscription, closed after the last, and reconnected with backoff when the
 * connection drops. All state changes run one at a time on `#chain`.
 */
class PgListener {
  readonly #url: string;
  readonly #logger: StoreLogger;
  readonly #channels = new Map<string, Set<NotifyCallback>>();
  #client: pg.Client | null = null;
  #chain: Promise<unknown> = Promise.resolve();
  #reconnectTimer: NodeJS.Timeout | null = null;
  #failures = 0;
  #closed = false;

  constructor(url: string, logger: StoreLogger) {
    this.#url = url;
    this.#logger = logger;
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.#chain.then(fn);
    this.#chain = result.catch(() => {});
    return result;
  }

  async add(channel: string, callback: NotifyCallback): Promise<() => Promise<void>> {
    if (this.#closed) throw new Error("The database has been closed");
    let callbacks = this.#channels.get(channel);
    if (callbacks == null) {
      callbacks = new Set();
      this.#channels.set(channel, callbacks);
    }
    callbacks.add(callback);
    await this.#serial(async () => {
      if (this.#closed || this.#reconnectTimer != null) return;
      try {
        if (this.#client == null) await this.#connect();
        else await this.#client.query(`LISTEN ${quoteIdent(channel)}`);
      } catch (err) {
        // Keep the subscription; the reconnect loop will LISTEN once it can.
        this.#logger.warn({ err, channel }, "LISTEN failed; retrying in the background");
        this.#dropClient();
        this.#scheduleReconnect();
      }
    });
    let done = false;
    return async () => {
      if (done) return;
      done = true;
      await this.#remove(channel, callback);
    };
  }

  async #remove(channel: string, callback: NotifyCallback): Promise<void> {
    const callbacks = this.#channels.get(channel);
    if (callbacks == null || !callbacks.delete(callback) || callbacks.size > 0) return;
    this.#channels.delete(channel);
    await this.#serial(async () => {
      if (this.#channels.has(channel)) return; // re-subscribed meanwhile
      if (this.#channels.size === 0) {
        await this.#disconnect();
        return;
      }
      await this.#client?.query(`UNLISTEN ${quoteIdent(channel)}`).catch((err: unknown) => {
        this.#logger.debug({ err, channel }, "UNLISTEN failed");
      });
    });
  }

  async #connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.#url, keepAlive: true, application_name: "folkmoot-listen" });
    client.on("notification", (msg) => this.#dispatch(msg.channel, msg.payload ?? ""));
    client.on("error", (err) => {
      if (this.#client !== client) return;
      this.#logger.warn({ err }, "LISTEN connection failed; reconnecting");
      this.#lost(client);
    });
    client.on("end", () => this.#lost(client));
    try {
      await client.connect();
      for (const channel of this.#channels.keys()) await client.query(`LISTEN ${quoteIdent(channel)}`);
    } catch (err) {
      await client.end().catch(() => {});
      throw err;
    }
    this.#client = client;
    this.#failures = 0;
  }

  #dispatch(channel: string, payload: string): void {
    for (const callback of this.#channels.get(channel) ?? []) {
      try {
        callback(payload);
      } catch (err) {
        this.#logger.error({ err, channel }, "NOTIFY callback threw");
      }
    }
  }

  #lost(client: pg.Client): void {
    if (this.#client !== client) return;
    this.#dropClient();
    if (!this.#closed && this.#channels.size > 0) this.#scheduleReconnect();
  }

  #dropClient(): void {
    const client = this.#client;
    this.#client = null;
    client?.end().catch(() => {});
  }

  #scheduleReconnect(): void {
    if (this.#reconnectTimer != null || this.#closed) return;
    const delay = Math.min(30_000, 250 * 2 ** Math.min(this.#failures, 7));
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = null;
      void this.#serial(async () => {
        if (this.#closed || this.#client != null || this.#channels.size === 0) return;
        try {
          await this.#connect();
          this.#logger.debug({}, "LISTEN connection re-established");
        } catch (err) {
          this.#failures++;
          this.#logger.warn({ err, failures: this.#failures }, "LISTEN reconnect failed");
          this.#scheduleReconnect();
        }
      });
    }, delay);
  }

  async #disconnect(): Promise<void> {
    if (this.#reconnectTimer != null) clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = null;
    const client = this.#client;
    this.#client = null;
    await client?.end().catch(() => {});
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#channels.clear();
    await this.#serial(() => this.#disconnect());
  }
}
