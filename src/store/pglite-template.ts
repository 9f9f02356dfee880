import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { gunzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";

// A new PGlite database starts from a copy of the data directory PGlite's own initdb
// makes, kept in the repository (`npm run pglite-template` writes it): unpacking it takes
// a fraction of initdb's time and memory at an instance's first start, and in every test
// that opens a fresh database. It is used only with the PGlite version that made it;
// otherwise PGlite runs initdb as usual. A second template has the migrations of its day
// applied too: a server's new data directory starts from it and applies only the later
// ones (about 1.1 s of CPU less at the first start); tests and in-memory databases start
// from the plain one. A data directory on disk is unpacked here, with Node's own gunzip
// and file writes (about 0.25 s), not by PGlite (which writes each file through its
// emulated file system: about 1.5 s of CPU at a first start, docs/performance.md).

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

/** The template's bytes (gzipped tar) for the installed PGlite, or undefined when there is none. */
export function pgliteTemplateBytes(options: { migrated?: boolean } = {}): Uint8Array | undefined {
  try {
    const file = pgliteTemplateFile(installedPGliteVersion(), options.migrated ?? false);
    return existsSync(file) ? new Uint8Array(readFileSync(file)) : undefined;
  } catch {
    return undefined;
  }
}

// Kept for the in-memory databases a test run opens by the hundred; a server reads its
// template once, and does not keep it.
let plain: Uint8Array | null | undefined;

/** The plain template for the installed PGlite, or undefined when there is none (then initdb runs). */
export function pgliteTemplate(): Blob | undefined {
  if (plain === undefined) plain = pgliteTemplateBytes() ?? null;
  return plain == null ? undefined : new Blob([plain as Uint8Array<ArrayBuffer>]);
}

/**
 * Writes a template's files into `dir` (directories 0700, files 0600), `PG_VERSION` last:
 * until it is there, the directory counts as new and a later start unpacks it again.
 * Reads the plain ustar archives PGlite's `dumpDataDir` writes (regular files and
 * directories, names under 100 bytes or with a prefix).
 *
 * @throws Error on anything else in the archive (then nothing counts as unpacked).
 */
export function unpackPGliteTemplate(gzipped: Uint8Array, dir: string): void {
  const tar = gunzipSync(gzipped);
  const text = (at: number, length: number) => {
    const field = tar.subarray(at, at + length);
    const end = field.indexOf(0);
    return Buffer.from(end < 0 ? field : field.subarray(0, end)).toString("utf8");
  };
  let pgVersion: Uint8Array | null = null;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (let at = 0; at + 512 <= tar.length; ) {
    if (tar[at] === 0) break; // the end-of-archive blocks
    const prefix = text(at + 257, 6) === "ustar" ? text(at + 345, 155) : "";
    const name = (prefix ? `${prefix}/` : "") + text(at, 100);
    const size = Number.parseInt(text(at + 124, 12).trim() || "0", 8);
    const type = String.fromCharCode(tar[at + 156] ?? 0);
    const relative = name.replace(/^\/+/, "").replace(/\/+$/, "");
    if (Number.isNaN(size) || relative.split("/").some((part) => part === ".." || part === "")) throw new Error(`bad entry in the PGlite template: ${name}`);
    const target = join(dir, relative);
    const body = tar.subarray(at + 512, at + 512 + size);
    if (type === "5") mkdirSync(target, { recursive: true, mode: 0o700 });
    else if (type === "0" || type === "\0") {
      mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
      if (relative === "PG_VERSION") pgVersion = body;
      else writeFileSync(target, body, { mode: 0o600 });
    } else throw new Error(`unexpected entry type ${JSON.stringify(type)} in the PGlite template: ${name}`);
    at += 512 + Math.ceil(size / 512) * 512;
  }
  if (pgVersion == null) throw new Error("the PGlite template has no PG_VERSION");
  writeFileSync(join(dir, "PG_VERSION"), pgVersion, { mode: 0o600 });
}
