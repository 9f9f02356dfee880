import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

// A new PGlite database starts from a copy of the data directory PGlite's own initdb
// makes, kept in the repository (`npm run pglite-template` writes it): unpacking it takes
// a fraction of initdb's time and memory at an instance's first start, and in every test
// that opens a fresh database. It is used only with the PGlite version that made it;
// otherwise PGlite runs initdb as usual. A second template has the migrations of its day
// applied too: a server's new data directory starts from it and applies only the later
// ones (about 1.1 s of CPU less at the first start); tests and in-memory databases start
// from the plain one.

/** Where the templates are, one per PGlite version. */
export const PGLITE_TEMPLATE_DIR = fileURLToPath(new URL("./pglite-template/", import.meta.url));

/** The installed PGlite's version (its package.json, found next to its wasm file). */
export function installedPGliteVersion(): string {
  const wasm = fileURLToPath(import.meta.resolve("@electric-sql/pglite/pglite.wasm"));
  let dir = dirname(wasm);
  for (let i = 0; i < 4; i++) {
    const file = join(dir, "package.json");
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, "utf8")) as { name?: string; version?: string };
      if (pkg.name === "@electric-sql/pglite" && pkg.version) return pkg.version;
    }
    dir = dirname(dir);
  }
  throw new Error("cannot tell the installed PGlite's version");
}

/** The template file for a PGlite version (`migrated`: with the migrations applied). */
export function pgliteTemplateFile(version: string, migrated = false): string {
  return join(PGLITE_TEMPLATE_DIR, `pglite-${version}${migrated ? "-migrated" : ""}.tar.gz`);
}

const cached = new Map<boolean, Uint8Array | null>();

/** The template for the installed PGlite, or undefined when there is none (then initdb runs). */
export function pgliteTemplate(options: { migrated?: boolean } = {}): Blob | undefined {
  const migrated = options.migrated ?? false;
  if (!cached.has(migrated)) {
    try {
      const file = pgliteTemplateFile(installedPGliteVersion(), migrated);
      cached.set(migrated, existsSync(file) ? new Uint8Array(readFileSync(file)) : null);
    } catch {
      cached.set(migrated, null);
    }
  }
  const bytes = cached.get(migrated);
  return bytes == null ? undefined : new Blob([bytes as Uint8Array<ArrayBuffer>]);
}
