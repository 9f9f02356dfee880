// Bench only: loaded into a server started by a benchmark (`node --import
// ./bench/count-sql.ts src/main.ts`, see spawnServer's `countSql`). It wraps the
// drivers' query calls (node-postgres `Client#query`, PGlite `query`/`exec`) with a
// counter and answers the benchmark's "sql-counts" message on the IPC channel with
// the counts so far. Nothing in src/ knows about it.
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";

export interface SqlCounts {
  /** Every statement sent to the database (a multi-statement simple query counts once). */
  total: number;
  /** begin/commit/rollback/savepoints. */
  transaction: number;
  /** Fedify's key–value store (`fedify_kv`). */
  kv: number;
  /** Fedify's message queue (`fedify_mq`, its NOTIFYs). */
  queue: number;
  /** Everything else: the application's tables. */
  app: number;
  /** The application's statements by first table named, and the KV's by verb and key, for the breakdown. */
  byTable: Record<string, number>;
}

const counts: SqlCounts = { total: 0, transaction: 0, kv: 0, queue: 0, app: 0, byTable: {} };

function count(text: unknown, values?: unknown): void {
  const sql = typeof text === "string" ? text : typeof (text as { text?: unknown })?.text === "string" ? (text as { text: string }).text : "";
  // A prepared statement (store/prepared-statements.ts) comes as one object with its values.
  const params = values ?? (text as { values?: unknown } | null)?.values;
  counts.total++;
  const head = sql.trimStart().slice(0, 40).toLowerCase();
  if (/^(begin|commit|rollback|start transaction|savepoint|release savepoint)/.test(head)) counts.transaction++;
  else if (sql.includes("fedify_kv")) {
    counts.kv++;
    // Which of Fedify's keys: the statement's verb and the key's first two parts.
    const key = Array.isArray(params) && Array.isArray(params[0]) ? (params[0] as unknown[]).slice(0, 2).join("/") : "(no key)";
    const name = `kv ${/^\s*(\w+)/.exec(sql)?.[1]?.toLowerCase() ?? "?"} ${key}`;
    counts.byTable[name] = (counts.byTable[name] ?? 0) + 1;
  } else if (sql.includes("fedify_mq") || (sql.includes("pg_notify") && Array.isArray(params) && params[0] === "fedify_mq")) {
    counts.queue++;
    const name = `queue ${queueOp(sql)}`;
    counts.byTable[name] = (counts.byTable[name] ?? 0) + 1;
  } else {
    counts.app++;
    // A statement of several writes (community/inbound-post.ts) is named by its first CTE.
    const table = /^\s*with\s+claim\s+as\s*\(\s*insert into inbox_log/i.test(sql)
      ? "post taken in (claim, post, announces, stream event)"
      : (/\b(?:from|into|update)\s+"?([a-z_]+)"?/i.exec(sql)?.[1] ?? "(other)");
    counts.byTable[table] = (counts.byTable[table] ?? 0) + 1;
  }
}

function queueOp(sql: string): string {
  if (/insert into fedify_mq/i.test(sql)) return "enqueue";
  if (/lease_owner = \$\d+,\s*attempts = attempts \+ 1/i.test(sql)) return "claim";
  if (/delete from fedify_mq/i.test(sql)) return "ack";
  if (/update fedify_mq/i.test(sql)) return "lease renewal or release";
  return /^\s*(\w+)/.exec(sql)?.[1]?.toLowerCase() ?? "?";
}

function wrap(proto: object, name: string): void {
  // The method may live on a base class: patch it where it is defined.
  let owner: object | null = proto;
  while (owner && !Object.hasOwn(owner, name)) owner = Object.getPrototypeOf(owner);
  if (!owner) throw new Error(`count-sql: no ${name} to wrap`);
  const original = (owner as Record<string, (...args: unknown[]) => unknown>)[name]!;
  Object.defineProperty(owner, name, {
    configurable: true,
    writable: true,
    value: function (this: unknown, ...args: unknown[]) {
      count(args[0], args[1]);
      return original.apply(this, args);
    },
  });
}

wrap(pg.Client.prototype, "query");
wrap(PGlite.prototype, "query");
wrap(PGlite.prototype, "exec");

if (process.send) {
  process.on("message", (m) => {
    if (m === "sql-counts") process.send?.({ sqlCounts: structuredClone(counts) });
  });
  // The channel must not keep the server alive: it stops on SIGTERM as usual.
  process.channel?.unref();
}

/** The counts so far, for a benchmark that runs its servers in its own process (bench/confederation.ts). */
export function sqlCountsSoFar(): SqlCounts {
  return structuredClone(counts);
}

/** The statements counted between `before` and `after` (two {@link sqlCountsSoFar}). */
export function sqlCountsBetween(before: SqlCounts, after: SqlCounts): SqlCounts {
  const byTable: Record<string, number> = {};
  for (const [k, n] of Object.entries(after.byTable)) if (n - (before.byTable[k] ?? 0) > 0) byTable[k] = n - (before.byTable[k] ?? 0);
  return {
    total: after.total - before.total,
    transaction: after.transaction - before.transaction,
    kv: after.kv - before.kv,
    queue: after.queue - before.queue,
    app: after.app - before.app,
    byTable,
  };
}
