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

export const REPO_ROOT = fileURLToPath(new URL("../", import.meta.url));

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
  stop(): Promise<void>;
}

/** Starts `src/main.ts` as its own process; BENCH_CPU_PROFILE (a directory) has it write a CPU profile when it stops. */
export function spawnServer(env: Record<string, string>): Server {
  const profile = process.env.BENCH_CPU_PROFILE ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_CPU_PROFILE}`] : [];
  const child = spawn(process.execPath, [...profile, "src/main.ts"], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "inherit"] });
  const exited = new Promise<number | string>((resolve) => child.on("exit", (code, signal) => resolve(code ?? signal ?? -1)));
  return {
    child,
    pid: child.pid!,
    exited,
    stop: async () => {
      if (child.exitCode === null) child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
      await exited;
      clearTimeout(timer);
    },
  };
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
