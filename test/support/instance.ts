import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { vi } from "vitest";
import { loadConfig, type Config } from "../../src/config.ts";
import { startInstance, type Instance } from "../../src/instance.ts";
import { createLogger } from "../../src/logging.ts";
import { createTestDatabase, pgliteTemplate, type TestDatabase } from "./database.ts";
import { TLS_DIR_ENV, TLS_FILES } from "./tls.ts";

export interface TestInstance extends Instance {
  config: Config;
  origin: string;
  host: string;
  /** Stops the instance and deletes its database. */
  stop(): Promise<void>;
  /** Stops the instance but keeps its database, to start it again with `restart`. */
  restart(): Promise<TestInstance>;
}

let nextPort = 20_000 + (process.pid % 2000) * 10;

/**
 * A real Folkmoot instance on a loopback address, on PGlite by default or on a
 * fresh PostgreSQL database when TEST_DATABASE_URL is set.
 */
export async function startTestInstance(opts: {
  host: string;
  tls?: boolean;
  env?: Record<string, string>;
  database?: TestDatabase;
  dataDir?: string;
  port?: number;
  /** Where the instance's JSON log lines go (at `LOG_LEVEL`), e.g. to look for errors in them. */
  logDestination?: { write(line: string): void };
}): Promise<TestInstance> {
  const port = opts.port ?? nextPort++;
  const ownsDatabase = !opts.database;
  const database = opts.database ?? (process.env.TEST_DATABASE_URL ? await createTestDatabase() : undefined);
  const ownsDataDir = !opts.dataDir;
  const dataDir = opts.dataDir ?? (await mkdtemp(join(tmpdir(), "folkmoot-test-")));
  // A new instance on PGlite starts from a copy of the migrated template: PGlite's initdb takes seconds.
  if (!database && ownsDataDir) await cp(await pgliteTemplate(), join(dataDir, "db"), { recursive: true });
  const tlsDir = process.env[TLS_DIR_ENV];
  if (opts.tls && !tlsDir) throw new Error("TLS tests need the vitest globalSetup that makes a test CA");
  const env: Record<string, string> = {
    PORT: String(port),
    HOST: opts.host,
    PUBLIC_ORIGIN: `${opts.tls ? "https" : "http"}://${opts.host}:${port}`,
    DATA_DIR: dataDir,
    ALLOW_PRIVATE_ADDRESS: "true",
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
    QUEUE_WORKERS: "2",
    ...(database?.url ? { DATABASE_URL: database.url } : {}),
    ...(opts.tls ? { TLS_CERT_FILE: join(tlsDir!, TLS_FILES.serverCert), TLS_KEY_FILE: join(tlsDir!, TLS_FILES.serverKey) } : {}),
    ...opts.env,
  };
  const config = loadConfig(env);
  const instance = await startInstance(config, { logger: createLogger(config.logLevel, opts.logDestination) });
  const stopOnly = () => instance.close();
  return {
    ...instance,
    config,
    origin: config.publicOrigin.origin,
    host: opts.host,
    stop: async () => {
      await stopOnly();
      if (ownsDatabase) await database?.drop();
      if (ownsDataDir) await rm(dataDir, { recursive: true, force: true });
    },
    restart: async () => {
      await stopOnly();
      const again = await startTestInstance({ ...opts, port, database, dataDir });
      // The restarted instance cleans up what this one owned.
      return {
        ...again,
        stop: async () => {
          await again.stop();
          if (ownsDatabase) await database?.drop();
          if (ownsDataDir) await rm(dataDir, { recursive: true, force: true });
        },
      };
    },
  };
}

/**
 * Polls `check` (vitest's `vi.waitFor`) until it returns a truthy value, for at most
 * `timeoutMs`; the same contract as the demo's `eventually` (src/demo/steps.ts), polled
 * more often.
 */
export async function eventually<T>(check: () => Promise<T | null | undefined | false>, timeoutMs = 15_000, label = "condition"): Promise<T> {
  return await vi.waitFor(
    async () => {
      const value = await check();
      if (!value) throw new Error(`timed out after ${timeoutMs} ms waiting for ${label}`);
      return value;
    },
    { timeout: timeoutMs, interval: 50 },
  );
}

export const AP_JSON = "application/activity+json";
