import { signRequestCavage } from "../test/support/mastodon-peer.ts";
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { loadConfig, type Config } from "../src/config.ts";
import { openApp } from "../src/instance.ts";
import { createLogger } from "../src/logging.ts";
import type { AppContext } from "../src/context.ts";
import type { SqlCounts } from "./count-sql.ts";
import { serverNodeFlags as startFlags } from "../scripts/node-flags.ts";

export const REPO_ROOT = fileURLToPath(new URL("../", import.meta.url));

/**
 * A loopback address for a benchmark's server or peer: `127.0.0.<last>`, or with
 * BENCH_IP_BASE (e.g. 240) `127.0.0.<base + last % 10>`, so that benchmarks run side by
 * side on one machine keep to their own addresses.
 */
export function benchIp(last: number): string {
  const base = process.env.BENCH_IP_BASE;
  return base ? `127.0.0.${Number(base) + (last % 10)}` : `127.0.0.${last}`;
}

/** Which databases to measure: PGlite always, PostgreSQL when BENCH_DATABASE_URL (an admin URL) is set. */
export function backends(): ("pglite" | "postgres")[] {
  return process.env.BENCH_DATABASE_URL ? ["pglite", "postgres"] : ["pglite"];
}

export interface BenchTarget {
  env: Record<string, string>;
  config: Config;
  origin: string;
  cleanup(): Promise<void>;
}

/** A fresh data directory, and on PostgreSQL a fresh database, for one measurement. */
export async function prepareTarget(backend: "pglite" | "postgres", host: string, port: number, extra: Record<string, string> = {}): Promise<BenchTarget> {
  const dataDir = await mkdtemp(join(tmpdir(), "folkmoot-bench-"));
  let dbName: string | null = null;
  let databaseUrl: string | undefined;
  if (backend === "postgres") {
    dbName = `folkmoot_bench_${process.pid}_${Date.now()}`;
    await admin((c) => c.query(`create database ${dbName}`));
    const u = new URL(process.env.BENCH_DATABASE_URL!);
    u.pathname = `/${dbName}`;
    databaseUrl = u.href;
  }
  const origin = `http://${host}:${port}`;
  const env: Record<string, string> = {
    HOST: host,
    PORT: String(port),
    PUBLIC_ORIGIN: origin,
    DATA_DIR: dataDir,
    ALLOW_PRIVATE_ADDRESS: "true",
    LOG_LEVEL: "warn",
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    ...extra,
  };
  return {
    env,
    config: loadConfig(env),
    origin,
    cleanup: async () => {
      await rm(dataDir, { recursive: true, force: true });
      if (dbName) await admin((c) => c.query(`drop database if exists ${dbName} with (force)`));
    },
  };
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: process.env.BENCH_DATABASE_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Sets the instance up in this process, then closes it (PGlite allows one process at a time). */
export async function withApp<T>(target: BenchTarget, fn: (app: AppContext) => Promise<T>): Promise<T> {
  const opened = await openApp(target.config, createLogger("warn"));
  try {
    return await fn(opened.app);
  } finally {
    await opened.close();
  }
}

export interface Server {
  child: ChildProcess;
  pid: number;
  exited: Promise<number | string>;
  /** The SQL statements the server has sent so far (servers spawned with `countSql` only). */
  sqlCounts(): Promise<SqlCounts>;
  stop(): Promise<void>;
}

/**
 * Starts `node src/main.ts` (or `script`) with `env`. With `countSql` the server loads
 * bench/count-sql.ts first, which counts the statements its database drivers send;
 * BENCH_CPU_PROFILE (a directory) has it write a CPU profile when it stops.
 */
export function spawnServer(env: Record<string, string>, opts: { countSql?: boolean; script?: string } = {}): Server {
  const preload = opts.countSql ? ["--import", new URL("./count-sql.ts", import.meta.url).href] : [];
  const profile = process.env.BENCH_CPU_PROFILE ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_CPU_PROFILE}`] : [];
  const flags = opts.script ? [] : serverNodeFlags();
  const child = spawn(process.execPath, [...profile, ...flags, ...preload, opts.script ?? "src/main.ts"], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "ignore", "inherit", "ipc"],
  });
  const exited = new Promise<number | string>((resolve) => child.on("exit", (code, signal) => resolve(code ?? signal ?? -1)));
  return {
    child,
    pid: child.pid!,
    exited,
    sqlCounts: () =>
      new Promise<SqlCounts>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("the server did not report its SQL counts")), 10_000);
        const onMessage = (m: unknown) => {
          const counts = (m as { sqlCounts?: SqlCounts }).sqlCounts;
          if (!counts) return;
          clearTimeout(timer);
          child.off("message", onMessage);
          resolve(counts);
        };
        child.on("message", onMessage);
        child.send("sql-counts");
      }),
    stop: async () => {
      if (child.exitCode === null) child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * The Node options `npm start` gives the server (scripts/node-flags.ts), so that a
 * benchmark measures what an operator runs. BENCH_NODE_FLAGS (space-separated, `none` for
 * none) replaces them, to compare alternatives.
 */
export function serverNodeFlags(): string[] {
  const override = process.env.BENCH_NODE_FLAGS?.trim();
  if (override) return override === "none" ? [] : override.split(/\s+/);
  return startFlags();
}

export async function waitForHttp(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

/** CPU seconds (user + system) a process has used so far, from /proc. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  return ticks / 100; // USER_HZ is 100 on Linux
}

/** Resident memory in MiB, from /proc. */
export function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

export function fmt(n: number, digits = 1): string {
  return n.toFixed(digits);
}

/** Runs `tasks` with at most `concurrency` in flight. */
export async function pool<T>(items: T[], concurrency: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await task(items[next++]!);
    }),
  );
}

/** Headers for a POST of `body` to `url` signed by the test peer as Mastodon signs (draft-cavage); `fetch` sets Host itself. */
export function signedAsPeer(peer: { keyId: string; privateKeyPem: string }, url: string, body: string): Record<string, string> {
  const headers = signRequestCavage({ method: "POST", url, keyId: peer.keyId, privateKeyPem: peer.privateKeyPem, body, headers: { "content-type": "application/activity+json" } });
  delete headers.host;
  return headers;
}

/** `b - a`, field by field. */
export function sqlDelta(a: SqlCounts, b: SqlCounts): SqlCounts {
  const byTable: Record<string, number> = {};
  for (const [t, n] of Object.entries(b.byTable)) if (n - (a.byTable[t] ?? 0) > 0) byTable[t] = n - (a.byTable[t] ?? 0);
  return { total: b.total - a.total, transaction: b.transaction - a.transaction, kv: b.kv - a.kv, queue: b.queue - a.queue, app: b.app - a.app, byTable };
}

export function sqlSum(...xs: SqlCounts[]): SqlCounts {
  const out: SqlCounts = { total: 0, transaction: 0, kv: 0, queue: 0, app: 0, byTable: {} };
  for (const x of xs) {
    out.total += x.total;
    out.transaction += x.transaction;
    out.kv += x.kv;
    out.queue += x.queue;
    out.app += x.app;
    for (const [t, n] of Object.entries(x.byTable)) out.byTable[t] = (out.byTable[t] ?? 0) + n;
  }
  return out;
}

/** Statements per unit (`per` deliveries), with the breakdown, on one line. */
export function describeSql(c: SqlCounts, per: number): string {
  const r = (n: number) => fmt(n / per, 2);
  const tables = Object.entries(c.byTable)
    .sort((x, y) => y[1] - x[1])
    .map(([t, n]) => `${t} ${r(n)}`)
    .join(", ");
  return `${r(c.total)} statements (transaction control ${r(c.transaction)}, Fedify KV ${r(c.kv)}, queue ${r(c.queue)}, application ${r(c.app)}: ${tables})`;
}

/** The load average now, from /proc: print it with every figure (the machine is shared). */
export function loadAverage(): string {
  return readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
}

/** min / median / max of some runs. */
export function spread(xs: number[], digits = 0): string {
  const s = [...xs].sort((a, b) => a - b);
  return `${fmt(s[0]!, digits)} / ${fmt(s[Math.floor(s.length / 2)]!, digits)} / ${fmt(s[s.length - 1]!, digits)}`;
}

/** The name of the database in a PostgreSQL URL. */
export function databaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.slice(1));
}

/**
 * CPU seconds used by the PostgreSQL backends serving one database (from
 * pg_stat_activity and /proc; the server must run on this machine). Sampled every
 * 200 ms, so a backend that ends between samples loses its last moments. Backends that
 * appear after `start` count from zero.
 */
export class DatabaseCpu {
  readonly #db: string;
  readonly #base = new Map<number, number>();
  readonly #last = new Map<number, number>();
  #timer: NodeJS.Timeout | undefined;
  #started = false;
  #stopped = false;
  #client: pg.Client | undefined;

  constructor(databaseUrl: string) {
    this.#db = databaseName(databaseUrl);
  }

  async #sample(): Promise<void> {
    const { rows } = await this.#client!.query<{ pid: number }>("select pid from pg_stat_activity where datname = $1", [this.#db]);
    const pids = rows.map((r) => r.pid);
    for (const pid of pids) {
      let cpu: number;
      try {
        cpu = cpuSeconds(pid);
      } catch {
        continue; // gone meanwhile
      }
      if (!this.#base.has(pid)) this.#base.set(pid, this.#started ? 0 : cpu);
      this.#last.set(pid, cpu);
    }
  }

  async start(): Promise<void> {
    this.#client = new pg.Client({ connectionString: process.env.BENCH_DATABASE_URL });
    await this.#client.connect();
    await this.#sample();
    this.#started = true;
    const tick = () => {
      if (!this.#stopped) this.#timer = setTimeout(() => void this.#sample().then(tick, tick), 200);
    };
    tick();
  }

  /** Stops sampling; the CPU seconds used since `start`. */
  async stop(): Promise<number> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#sample();
    await this.#client?.end();
    let total = 0;
    for (const [pid, last] of this.#last) total += last - (this.#base.get(pid) ?? 0);
    return total;
  }
}

/** Starts the bare-Fedify reference (bench/reference-server.ts) on `host:port` and waits for it. */
export async function spawnReference(host: string, port: number): Promise<Server & { origin: string }> {
  const server = spawnServer({ HOST: host, PORT: String(port) }, { script: "bench/reference-server.ts" });
  const origin = `http://${host}:${port}`;
  await waitForHttp(`${origin}/bench/count`);
  return { ...server, origin };
}

/** Runs of a benchmark: from BENCH_RUNS, 3 unless told. */
export const RUNS = Number(process.env.BENCH_RUNS ?? 3);

/** A worker process, started with LOG_LEVEL=info so that it says when it is running. */
export function spawnWorker(env: Record<string, string>): Server & { ready: Promise<void> } {
  const child = spawn(process.execPath, [...serverNodeFlags(), "src/main.ts"], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env, ROLE: "worker", LOG_LEVEL: "info" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise<number | string>((resolve) => child.on("exit", (code, signal) => resolve(code ?? signal ?? -1)));
  const ready = new Promise<void>((resolve, reject) => {
    let seen = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      if (seen.length < 100_000) seen += chunk.toString();
      if (seen.includes("Folkmoot worker running")) resolve();
    });
    void exited.then((code) => reject(new Error(`a worker exited (${code}) before it was running`)));
  });
  ready.catch(() => {});
  return {
    child,
    pid: child.pid!,
    exited,
    ready,
    sqlCounts: () => Promise.reject(new Error("not counted")),
    stop: async () => {
      if (child.exitCode === null) {
        child.kill("SIGCONT");
        child.kill("SIGTERM");
      }
      const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
