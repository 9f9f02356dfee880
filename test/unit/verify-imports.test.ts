import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// The independent verifier trusts nothing of the server it checks, so it shares no code
// with it beyond the shared kernel, the governance core and the proof code; the proof
// code, which federation signs with, depends on no folder of src/ at all.

const src = resolve(dirname(fileURLToPath(import.meta.url)), "../../src");

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith(".ts") ? [join(dir, entry.name)] : [],
  );
}

/** Every relative module specifier: static imports and re-exports, dynamic imports. */
function localImports(file: string): string[] {
  const source = readFileSync(file, "utf8");
  const patterns = [/\b(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\s+from\s+)?["']([^"']+)["']/g, /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g];
  return patterns
    .flatMap((p) => [...source.matchAll(p)].map((m) => m[1]!))
    .filter((spec) => spec.startsWith("."))
    .map((spec) => resolve(dirname(file), spec));
}

/** The top-level folder of src/ a file is in. */
const folderOf = (file: string): string => relative(src, file).split("/")[0]!;

describe.each([
  ["verify", ["verify", "shared", "governance", "proofs"]],
  ["proofs", ["proofs"]],
])("src/%s", (folder, allowed) => {
  const files = sources(join(src, folder));

  it.each(files.map((f) => [relative(src, f), f]))(`%s imports only from ${allowed.join(", ")}`, (_name, file) => {
    for (const target of localImports(file)) expect(allowed, relative(src, target)).toContain(folderOf(target));
  });

  it("has no import cycle between its files", () => {
    const inFolder = new Map(files.map((f) => [f, localImports(f).filter((t) => folderOf(t) === folder)]));
    const done = new Set<string>();
    const visit = (file: string, path: string[]): void => {
      if (path.includes(file)) throw new Error(`cycle: ${[...path, file].map((f) => relative(src, f)).join(" → ")}`);
      if (done.has(file)) return;
      for (const next of inFolder.get(file) ?? []) visit(next, [...path, file]);
      done.add(file);
    };
    expect(files.length).toBeGreaterThan(2);
    for (const file of files) visit(file, []);
  });
});
