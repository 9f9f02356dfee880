import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../src/governance");

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith(".ts") ? [join(dir, entry.name)] : [],
  );
}

/** Every module specifier: static imports and re-exports, dynamic imports, require calls. */
function specifiers(source: string): string[] {
  const patterns = [
    /\b(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\s+from\s+)?["']([^"']+)["']/g,
    /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g,
    /\brequire\s*\(\s*["']([^"']+)["']\s*\)/g,
  ];
  return patterns.flatMap((p) => [...source.matchAll(p)].map((m) => m[1]!));
}

describe("src/governance is self-contained", () => {
  const files = sources(root);

  it("has source files, and the scanner sees their imports", () => {
    expect(files.length).toBeGreaterThan(10);
    const index = readFileSync(join(root, "index.ts"), "utf8");
    expect(specifiers(index)).toContain("./tally.ts");
    expect(specifiers('import type {\n  A,\n  B,\n} from "node:fs";\nexport * from "x";')).toEqual(["node:fs", "x"]);
  });

  it.each(files.map((f) => [relative(root, f), f]))("%s imports only from src/governance", (_name, file) => {
    const source = readFileSync(file, "utf8");
    for (const spec of specifiers(source)) {
      expect(spec.startsWith("./") || spec.startsWith("../"), `${spec} is not a relative import`).toBe(true);
      expect(spec.endsWith(".ts"), `${spec} lacks its .ts extension`).toBe(true);
      const target = resolve(dirname(file), spec);
      expect(target.startsWith(root + "/"), `${spec} leaves src/governance`).toBe(true);
    }
  });

  it("reads no clock and does no I/O", () => {
    for (const file of files) {
      const source = readFileSync(file, "utf8");
      expect(source, relative(root, file)).not.toMatch(/Date\.now\(|new Date\(\)|Math\.random\(|performance\.now\(|\bfetch\(|\bprocess\./);
    }
  });
});
