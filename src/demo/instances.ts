import { cp, mkdir, mkdtemp, rm } from "node:fs/promises";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../config.ts";
import type { AppContext } from "../context.ts";
import { startInstance } from "../instance.ts";
import { createLogger } from "../logging.ts";
import { openDatabase } from "../store/database.ts";
import { migrateToLatest } from "../store/migrator.ts";

// The demonstration's instances: each a whole Folkmoot server in this process, with its
// own embedded PGlite database in its own directory under one fresh temporary directory
// (deleted at the end), listening on its own loopback address. Private addresses are
// allowed (they federate with each other over 127.0.0.x), which a public instance would
// refuse. PGlite's initdb takes seconds: the first database is migrated once and each
// instance starts from a copy of it (then each creates its own keys and actors).

export interface DemoInstance {
  readonly name: string;
  readonly host: string;
  readonly origin: string;
  readonly app: AppContext;
  /** Stops the server (its data is deleted with the whole demo directory). */
  stop(): Promise<void>;
}

export interface DemoWorld {
  /** The temporary directory holding every instance's data. */
  readonly dir: string;
  start(name: string, host: string): Promise<DemoInstance>;
  /** Stops every instance started and deletes the directory. */
  close(): Promise<void>;
}

/** A free TCP port on `host` (asked of the system, then released). */
async function freePort(host: string): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A fresh directory for the demo's instances; `logLevel` (default silent) is the servers' own log level. */
export async function createDemoWorld(logLevel = "silent"): Promise<DemoWorld> {
  const dir = await mkdtemp(join(tmpdir(), "folkmoot-demo-"));
  let template: Promise<string> | null = null;
  const buildTemplate = () =>
    (template ??= (async () => {
      const path = join(dir, "template");
      const database = await openDatabase({ dataDir: path });
      try {
        await migrateToLatest(database.db);
      } finally {
        await database.close();
      }
      return path;
    })());
  const started: DemoInstance[] = [];
  return {
    dir,
    async start(name, host) {
      const dataDir = join(dir, name);
      await mkdir(dataDir);
      await cp(await buildTemplate(), join(dataDir, "db"), { recursive: true });
      const port = await freePort(host);
      const config = loadConfig({
        HOST: host,
        PORT: String(port),
        PUBLIC_ORIGIN: `http://${host}:${port}`,
        DATA_DIR: dataDir,
        ALLOW_PRIVATE_ADDRESS: "true",
        LOG_LEVEL: logLevel,
        QUEUE_WORKERS: "2",
        INSTANCE_NAME: name,
      });
      const instance = await startInstance(config, { logger: createLogger(config.logLevel) });
      const demo: DemoInstance = { name, host, origin: config.publicOrigin.origin, app: instance.app, stop: () => instance.close() };
      started.push(demo);
      return demo;
    },
    async close() {
      try {
        const stopped = await Promise.allSettled(started.map((i) => i.stop()));
        const failed = stopped.find((s) => s.status === "rejected");
        if (failed) throw (failed as PromiseRejectedResult).reason;
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}
