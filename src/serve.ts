import { flushCompileCache } from "node:module";
import { ConfigError, loadConfig, startupProblem, type Config } from "./config.ts";
import { startInstance, type Instance } from "./instance.ts";
import { createLogger } from "./logging.ts";
import { DataDirectoryLockedError, DataDirectoryModeError } from "./store/database.ts";

// The server, started by main.ts: one process serving HTTP and running the queues on the
// embedded database, unless the environment says otherwise (see docs/configuration.md).
async function main(): Promise<void> {
  // The operator's alone (main.ts sets it first; again here for those who import this file).
  process.umask(0o077);
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`folkmoot: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const log = createLogger(config.logLevel);
  let instance: Instance;
  try {
    instance = await startInstance(config, { logger: log });
  } catch (err) {
    if (err instanceof DataDirectoryLockedError || err instanceof DataDirectoryModeError) {
      process.stderr.write(`folkmoot: ${err.message}\n`);
      process.exit(1);
    }
    // Mistakes of set-up get one line that says what to change, like configuration errors.
    const setUp = startupProblem(err, config);
    if (setUp !== null) {
      process.stderr.write(`folkmoot: ${setUp}\n`);
      process.exit(1);
    }
    log.fatal({ err }, "could not start");
    process.exit(1);
  }
  const database = instance.app.database.describe;
  if (instance.listening) {
    log.info(
      { role: config.role, listen: instance.listening, publicOrigin: config.publicOrigin.origin, database },
      `Folkmoot listening on ${instance.listening} (public origin ${config.publicOrigin.origin}), database: ${database}`,
    );
  } else {
    log.info({ role: config.role, database }, `Folkmoot worker running, database: ${database}`);
  }
  // Write the compile cache (main.ts) now rather than only at a clean exit.
  flushCompileCache();
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "stopping: finishing in-flight work");
    const force = setTimeout(() => {
      log.error("graceful stop took too long; exiting");
      process.exit(1);
    }, 30_000);
    force.unref();
    instance
      .close()
      .then(() => {
        log.info("stopped cleanly");
        process.exit(0);
      })
      .catch((err) => {
        log.error({ err }, "error while stopping");
        process.exit(1);
      });
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

await main();
