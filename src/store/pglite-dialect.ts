// PGlite's declarations use the Emscripten globals without referencing them.
/// <reference types="emscripten" />
import type { PGlite } from "@electric-sql/pglite";
import { AbortedTransactionError, CompiledQuery, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler } from "kysely";
import type { DatabaseConnection, DatabaseIntrospector, Dialect, DialectAdapter, Driver, Kysely, QueryCompiler, QueryResult, TransactionSettings } from "kysely";

/** Options of {@link PGliteDialect}. */
export interface PGliteDialectConfig {
  /** An open PGlite instance; the dialect closes it on `Kysely#destroy()`. */
  pglite: PGlite;
}

/**
 * A Kysely dialect for PGlite: PostgreSQL's adapter, query compiler and
 * introspector over a driver that hands out PGlite's single connection to one
 * holder at a time, so transactions are never interleaved with other queries.
 *
 * Code running inside a transaction must use the transaction object, never the
 * outer `Kysely` instance: the outer instance waits for the connection the
 * transaction holds and the two deadlock.
 */
export class PGliteDialect implements Dialect {
  readonly #config: PGliteDialectConfig;
  #driver: PGliteDriver | undefined;

  constructor(config: PGliteDialectConfig) {
    this.#config = config;
  }

  createAdapter(): DialectAdapter {
    return new PostgresAdapter();
  }

  createDriver(): Driver {
    this.#driver = new PGliteDriver(this.#config.pglite);
    return this.#driver;
  }

  createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new PostgresIntrospector(db);
  }

  createQueryCompiler(): QueryCompiler {
    return new PostgresQueryCompiler();
  }

  /**
   * Runs `fn` while holding the connection lock. Used for PGlite calls that
   * bypass Kysely (LISTEN/UNLISTEN): issued while a Kysely transaction is open
   * they would silently become part of it.
   */
  async runExclusive<T>(fn: () => Promise<T>): Promise<T> {
    const driver = this.#driver;
    if (driver == null) return await fn();
    return await driver.runExclusive(fn);
  }
}

/** A FIFO mutex; `acquire` resolves to the release function. */
class Mutex {
  #tail: Promise<void> = Promise.resolve();

  acquire(signal?: AbortSignal): Promise<() => void> {
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const previous = this.#tail;
    this.#tail = previous.then(() => mine);
    return new Promise((resolve, reject) => {
      let aborted = false;
      const onAbort = () => {
        aborted = true;
        reject(signal?.reason ?? new Error("aborted"));
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      void previous.then(() => {
        signal?.removeEventListener("abort", onAbort);
        // An aborted waiter still has its turn in the chain; pass it on.
        if (aborted) release();
        else resolve(once(release));
      });
      if (signal?.aborted) onAbort();
    });
  }
}

function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    fn();
  };
}

class PGliteDriver implements Driver {
  readonly #pglite: PGlite;
  readonly #mutex = new Mutex();
  readonly #releases = new WeakMap<PGliteConnection, () => void>();
  #connection: PGliteConnection;
  #destroyed = false;

  constructor(pglite: PGlite) {
    this.#pglite = pglite;
    this.#connection = new PGliteConnection(pglite);
  }

  async init(): Promise<void> {
    await this.#pglite.waitReady;
  }

  async acquireConnection(options?: { signal?: AbortSignal | undefined }): Promise<DatabaseConnection> {
    if (this.#destroyed) throw new Error("The PGlite database has been closed");
    const release = await this.#mutex.acquire(options?.signal ?? undefined);
    if (this.#destroyed) {
      release();
      throw new Error("The PGlite database has been closed");
    }
    this.#releases.set(this.#connection, release);
    return this.#connection;
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    const conn = connection as PGliteConnection;
    const release = this.#releases.get(conn);
    this.#releases.delete(conn);
    release?.();
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    let sql = "begin";
    if (settings.isolationLevel || settings.accessMode) {
      sql = "start transaction";
      if (settings.isolationLevel) sql += ` isolation level ${settings.isolationLevel}`;
      if (settings.accessMode) sql += ` ${settings.accessMode}`;
    }
    await connection.executeQuery(CompiledQuery.raw(sql));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const { rows } = await connection.executeQuery<{ command?: string }>(CompiledQuery.raw("commit"));
    // PostgreSQL answers COMMIT of an aborted transaction with a ROLLBACK tag.
    if (rows[0]?.command === "ROLLBACK") throw new AbortedTransactionError();
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("rollback"));
  }

  async savepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`savepoint ${quoteIdent(name)}`));
  }

  async rollbackToSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`rollback to savepoint ${quoteIdent(name)}`));
  }

  async releaseSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`release savepoint ${quoteIdent(name)}`));
  }

  async runExclusive<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#destroyed) throw new Error("The PGlite database has been closed");
    const release = await this.#mutex.acquire();
    try {
      return await fn();
    } finally {
      release();
    }
  }

  async destroy(): Promise<void> {
    if (this.#destroyed) return;
    this.#destroyed = true;
    // Let a running query or transaction finish, but never hang shutdown on a
    // connection somebody forgot to release.
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 5_000);
    try {
      const release = await this.#mutex.acquire(controller.signal).catch(() => undefined);
      try {
        if (!this.#pglite.closed) await this.#pglite.close();
      } finally {
        release?.();
      }
    } finally {
      clearTimeout(timer);
    }
  }
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

class PGliteConnection implements DatabaseConnection {
  readonly #pglite: PGlite;

  constructor(pglite: PGlite) {
    this.#pglite = pglite;
  }

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    const params = compiledQuery.parameters as unknown[];
    if (params.length === 0) {
      // Without parameters use the simple protocol, as node-postgres does, so a
      // multi-statement raw query behaves the same on both backends.
      const results = await this.#pglite.exec(compiledQuery.sql);
      const last = results[results.length - 1];
      if (last == null) return { rows: [] };
      return toQueryResult<R>(last.command, last.rowCount, last.rows as R[]);
    }
    const result = await this.#pglite.query<R>(compiledQuery.sql, params as any[]);
    return toQueryResult<R>(result.command, result.rowCount, result.rows);
  }

  async *streamQuery<R>(compiledQuery: CompiledQuery, chunkSize: number): AsyncIterableIterator<QueryResult<R>> {
    // PGlite has no cursors over its JS API; the result is already in memory.
    const { rows } = await this.executeQuery<R>(compiledQuery);
    const size = Math.max(1, chunkSize);
    for (let i = 0; i < rows.length; i += size) yield { rows: rows.slice(i, i + size) };
  }
}

function toQueryResult<R>(command: string | undefined, rowCount: number | undefined, rows: R[]): QueryResult<R> {
  if (command === "ROLLBACK" || command === "COMMIT") return { rows: [{ command } as R] };
  const affects = command === "INSERT" || command === "UPDATE" || command === "DELETE" || command === "MERGE";
  return {
    ...(affects ? { numAffectedRows: BigInt(rowCount ?? 0) } : {}),
    rows: rows ?? [],
  };
}
