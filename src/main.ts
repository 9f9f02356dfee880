// `npm start` (and `folkmoot start`): keeps Node's compile cache, then starts the server
// (serve.ts). With the cache, a start loads the sources without stripping their types and
// compiling them again: about 40 % less time spent loading modules (docs/performance.md).
import { existsSync, statSync } from "node:fs";
import { constants, enableCompileCache } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The install's own cache, shared by every instance started from these sources: so the
 * first start of a new instance finds the sources compiled already. The first start of
 * any instance fills it (or `npm run compile-cache`; the Dockerfile does so at build).
 */
const INSTALL_COMPILE_CACHE = fileURLToPath(new URL("../node_modules/.cache/folkmoot-compile-cache", import.meta.url));

// Every file this process creates (the database, the lock, the admin socket, the cache)
// is the operator's alone: the data holds password hashes, private keys and the token secret.
process.umask(0o077);
enableStartupCache();
await import("./serve.ts");

/**
 * NODE_COMPILE_CACHE, when set, is Node's own choice and wins; NODE_DISABLE_COMPILE_CACHE=1
 * turns it off. Otherwise the install's cache, when this user may write it or it was filled
 * for this user (Node keeps one per user id) and no other user may write it: cached code is
 * run as it is, so it must be as safe as the sources. Failing that, `DATA_DIR/compile-cache/`
 * (private): with the embedded database always, with PostgreSQL when the data directory
 * exists. A cache that cannot be used is skipped.
 */
function enableStartupCache(): void {
  if (process.env.NODE_COMPILE_CACHE || process.env.NODE_DISABLE_COMPILE_CACHE) return;
  try {
    if (installCacheSafe() && enableCompileCache(INSTALL_COMPILE_CACHE).status === constants.compileCacheStatus.ENABLED) return;
  } catch {
    // Fall back to the data directory's.
  }
  const dataDir = resolve(process.env.DATA_DIR?.trim() || "./data");
  if (process.env.DATABASE_URL?.trim() && !existsSync(dataDir)) return;
  try {
    enableCompileCache(join(dataDir, "compile-cache"));
  } catch {
    // Only a speed-up: start without it.
  }
}

/** node_modules is there, and neither it nor the cache (when it exists) is writable by group or others. */
function installCacheSafe(): boolean {
  const nodeModules = dirname(dirname(INSTALL_COMPILE_CACHE));
  for (const path of [nodeModules, dirname(INSTALL_COMPILE_CACHE), INSTALL_COMPILE_CACHE]) {
    if (!existsSync(path)) return path !== nodeModules;
    if ((statSync(path).mode & 0o022) !== 0) return false;
  }
  return true;
}
