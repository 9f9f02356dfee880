import { readFileSync } from "node:fs";
import { join, relative, resolve, dirname } from "node:path";
import { describe, expect, it } from "vitest";
import { ALLOWED, cycles, importEdges, layerGraph, layerOf, sourceFiles, specifiers, srcRoot, violations } from "../../scripts/deps.ts";

// The layers of src/ and the direction of their imports (docs/architecture.md, "Layers");
// `npm run deps` prints the same graph.

const edges = importEdges();

describe("the import scanner", () => {
  it("sees every kind of import, across lines", () => {
    expect(specifiers('import type {\n  A,\n  B,\n} from "node:fs";\nexport * from "x";\nawait import("./y.ts");')).toEqual(["node:fs", "x", "./y.ts"]);
  });

  it("sees the imports of src/", () => {
    expect(sourceFiles().length).toBeGreaterThan(100);
    expect(edges).toContainEqual(expect.objectContaining({ file: "instance.ts", specifier: "./http/app.ts", from: "instance", to: "http" }));
    expect(layerOf(join(srcRoot, "cli/main.ts"))).toBe("main");
    expect(layerOf(join(srcRoot, "cli/operations.ts"))).toBe("cli");
    expect(layerOf(join(srcRoot, "context.ts"))).toBe("context");
  });
});

describe("layers point one way", () => {
  it("knows every top-level folder and module of src/", () => {
    const layers = new Set(sourceFiles().map((f) => layerOf(f)));
    expect([...layers].filter((l) => !(l in ALLOWED))).toEqual([]);
  });

  it("every relative import goes to a layer its layer may import", () => {
    const wrong = violations(edges).map((e) => `src/${e.file} imports ${e.specifier} (${e.from} may not import ${e.to})`);
    expect(wrong).toEqual([]);
  });

  it("nothing leaves src/ but shared reading package.json", () => {
    const outside = edges.filter((e) => e.to === "..").map((e) => `${e.file} ${e.specifier}`);
    expect(outside).toEqual(["shared/version.ts ../../package.json"]);
  });

  it("the table has no cycle, and neither has the import graph", () => {
    const table = new Map(Object.entries(ALLOWED).map(([from, tos]) => [from, new Map(tos.filter((t) => t !== "..").map((t) => [t, 1]))]));
    expect(cycles(table)).toEqual([]);
    expect(cycles(layerGraph(edges))).toEqual([]);
  });

  it("catches a wrong import and a cycle", () => {
    const file = join(srcRoot, "community/posts.ts");
    const wrong = { file: "community/posts.ts", specifier: "../decisions/index.ts", from: "community", to: layerOf(resolve(dirname(file), "../decisions/index.ts")) };
    expect(violations([...edges, wrong])).toEqual([wrong]);
    expect(cycles(layerGraph([...edges, wrong]))).toContainEqual(["community", "decisions", "community"]);
  });
});

describe("src/governance is pure", () => {
  const root = join(srcRoot, "governance");
  const files = sourceFiles(root);

  it("has source files, and the scanner sees their imports", () => {
    expect(files.length).toBeGreaterThan(10);
    expect(specifiers(readFileSync(join(root, "index.ts"), "utf8"))).toContain("./tally.ts");
  });

  it.each(files.map((f) => [relative(root, f), f]))("%s imports only from src/governance", (_name, file) => {
    for (const spec of specifiers(readFileSync(file, "utf8"))) {
      expect(spec.startsWith("./") || spec.startsWith("../"), `${spec} is not a relative import`).toBe(true);
      expect(spec.endsWith(".ts"), `${spec} lacks its .ts extension`).toBe(true);
      expect(resolve(dirname(file), spec).startsWith(`${root}/`), `${spec} leaves src/governance`).toBe(true);
    }
  });

  it("reads no clock and does no I/O", () => {
    for (const file of files) {
      expect(readFileSync(file, "utf8"), relative(root, file)).not.toMatch(/Date\.now\(|new Date\(\)|Math\.random\(|performance\.now\(|\bfetch\(|\bprocess\./);
    }
  });
});

describe("src/shared is a kernel", () => {
  it("imports nothing of ours but package.json", () => {
    const ours = edges.filter((e) => e.from === "shared" && e.to !== "shared").map((e) => `${e.file} ${e.specifier}`);
    expect(ours).toEqual(["shared/version.ts ../../package.json"]);
  });
});
