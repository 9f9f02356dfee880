// `npm start` (and `folkmoot start`): keeps Node's compile cache, then starts the server
// (serve.ts). With the cache, the second and later starts load the sources without
// stripping their types and compiling them again: about 40 % less time spent loading
// modules and 15 MiB less resident memory (docs/performance.md).
import { existsSync } from "node:fs";
import { enableCompileCache } from "node:module";
import { join, resolve } from "node:path";

// Every file this process creates (the database, the lock, the admin socket, the cache)
// is the operator's alone: the data holds password hashes, private keys and the token secret.
process.umask(0o077);
enableStartupCache();
await import("./serve.ts");

/**
 * The cache lives in the data directory (private, and the operator's own), under
 * `compile-cache/`: with the embedded database always, with PostgreSQL when the data
 * directory exists. NODE_COMPILE_CACHE, when set, is Node's own choice and wins;
 * NODE_DISABLE_COMPILE_CACHE=1 turns it off. A cache that cannot be written is skipped.
 */
function enableStartupCache(): void {
  if (process.env.NODE_COMPILE_CACHE || process.env.NODE_DISABLE_COMPILE_CACHE) return;
  const dataDir = resolve(process.env.DATA_DIR?.trim() || "./data");
  if (process.env.DATABASE_URL?.trim() && !existsSync(dataDir)) return;
  try {
    enableCompileCache(join(dataDir, "compile-cache"));
  } catch {
    // Only a speed-up: start without it.
  }
}
