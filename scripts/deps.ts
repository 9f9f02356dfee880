// The folder-level import graph of src/: which top-level folder imports which, and how often.
// `npm run deps` prints it; test/unit/layers.test.ts checks it against the layer table.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

export const srcRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../src");

/** Every .ts file under `dir`, recursively. */
export function sourceFiles(dir: string = srcRoot): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith(".ts") ? [join(dir, entry.name)] : []))
    .sort();
}

/** Every module specifier: static imports and re-exports, dynamic imports, require calls. */
export function specifiers(source: string): string[] {
  const patterns = [
    /\b(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\s+from\s+)?["']([^"']+)["']/g,
    /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g,
    /\brequire\s*\(\s*["']([^"']+)["']\s*\)/g,
  ];
  return patterns.flatMap((p) => [...source.matchAll(p)].map((m) => m[1]!));
}

/**
 * The files that start a program: `node src/main.ts` (the server: it keeps the compile
 * cache and imports serve.ts) and `bin/folkmoot`
 * (src/cli/main.ts, which starts the server or opens the app in-process for an operation).
 * They form the `main` layer, whatever their folder.
 */
export const ENTRY_POINTS: readonly string[] = ["main.ts", "serve.ts", "cli/main.ts"];

/**
 * The layer a path under src/ belongs to: its top-level folder, or for a file directly
 * in src/ its name without `.ts` (context, config, logging, instance, main); an entry
 * point is `main`. Anything outside src/ (package.json, say) is `..`.
 */
export function layerOf(path: string): string {
  const rel = relative(srcRoot, path);
  if (rel.startsWith("..")) return "..";
  if (ENTRY_POINTS.includes(rel.split(sep).join("/"))) return "main";
  const first = rel.split(sep)[0]!;
  return first.endsWith(".ts") ? first.slice(0, -3) : first;
}

const KERNEL = ["shared", "config", "logging", "context"];
const BELOW_ADAPTERS = [...KERNEL, "governance", "store", "community", "decisions"];

/**
 * Which layers each layer may import (besides itself). Read it bottom up: shared and
 * governance import nothing of ours; store keeps the tables; community (accounts, bodies,
 * members, follows, posts) and decisions (the only place that runs governance) are the
 * application, decisions above community; federation, http, cli and demo are adapters;
 * instance wires them; the entry points start it all.
 */
export const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  // Results, URL templates and ids, text, time, the version: libraries only (and package.json).
  shared: [".."],
  // The pure core: not even shared, no library, no clock, no I/O.
  governance: [],
  config: [],
  logging: ["config"],
  store: ["shared"],
  // AppContext and the ports adapters (and decisions, for community) implement.
  context: ["shared", "config", "logging", "governance", "store"],
  community: [...KERNEL, "store"],
  decisions: [...KERNEL, "governance", "store", "community"],
  // Object Integrity Proofs: libraries only, so the verifier can trust them alone.
  proofs: [],
  // The independent verifier behind `folkmoot verify`: the pure core and the proofs, nothing of the instance.
  verify: ["shared", "governance", "proofs"],
  federation: [...BELOW_ADAPTERS, "proofs"],
  http: [...BELOW_ADAPTERS, "federation", "proofs", "mastodon"],
  // The Mastodon client API (issue 11): an adapter like http, which registers it.
  mastodon: BELOW_ADAPTERS,
  cli: [...BELOW_ADAPTERS, "federation", "proofs", "verify"],
  // The demo starts instances of its own, and drives them with the CLI's operations.
  demo: [...BELOW_ADAPTERS, "federation", "cli", "instance", "proofs", "verify"],
  instance: [...BELOW_ADAPTERS, "federation", "http", "cli", "proofs", "mastodon"],
  main: [...BELOW_ADAPTERS, "federation", "http", "cli", "instance", "proofs", "verify"],
};

/** The imports that break the table: from a layer it does not know, or to a layer it may not import. */
export function violations(edges: Edge[]): Edge[] {
  return edges.filter((e) => e.from !== e.to && !(ALLOWED[e.from] ?? []).includes(e.to));
}

export interface Edge {
  /** The importing file, relative to src/. */
  file: string;
  specifier: string;
  from: string;
  to: string;
}

/** Every relative import of every file under src/, with the layers it connects. */
export function importEdges(files: string[] = sourceFiles()): Edge[] {
  return files.flatMap((file) =>
    specifiers(readFileSync(file, "utf8"))
      .filter((spec) => spec.startsWith("./") || spec.startsWith("../"))
      .map((specifier) => ({
        file: relative(srcRoot, file),
        specifier,
        from: layerOf(file),
        to: layerOf(resolve(dirname(file), specifier)),
      })),
  );
}

/** Layer -> layer -> number of imports, leaving out imports within a layer. */
export function layerGraph(edges: Edge[]): Map<string, Map<string, number>> {
  const graph = new Map<string, Map<string, number>>();
  for (const { from, to } of edges) {
    if (from === to) continue;
    const targets = graph.get(from) ?? new Map<string, number>();
    targets.set(to, (targets.get(to) ?? 0) + 1);
    graph.set(from, targets);
  }
  return graph;
}

/** The cycles of a directed graph, each as a path that returns to its first node (one per strongly connected component). */
export function cycles(graph: Map<string, Map<string, number>>): string[][] {
  const found: string[][] = [];
  const seen = new Set<string>();
  const visit = (node: string, path: string[]): void => {
    for (const next of graph.get(node)?.keys() ?? []) {
      const at = path.indexOf(next);
      if (at >= 0) {
        const cycle = [...path.slice(at), next];
        const key = [...cycle.slice(0, -1)].sort().join(" ");
        if (!seen.has(key)) {
          seen.add(key);
          found.push(cycle);
        }
      } else visit(next, [...path, next]);
    }
  };
  for (const node of graph.keys()) visit(node, [node]);
  return found;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const edges = importEdges();
  const verbose = process.argv.includes("--files");
  for (const [from, targets] of [...layerGraph(edges)].sort(([a], [b]) => a.localeCompare(b))) {
    for (const [to, count] of [...targets].sort(([a], [b]) => a.localeCompare(b))) {
      console.log(`${from} -> ${to} (${count})`);
      if (verbose) {
        const targetsOf = new Map<string, number>();
        for (const e of edges.filter((e) => e.from === from && e.to === to)) {
          const target = relative(srcRoot, resolve(srcRoot, dirname(e.file), e.specifier));
          targetsOf.set(target, (targetsOf.get(target) ?? 0) + 1);
        }
        for (const [target, n] of [...targetsOf].sort()) console.log(`    ${target} (${n})`);
      }
    }
  }
  for (const e of violations(edges)) console.log(`not allowed: src/${e.file} imports ${e.specifier} (${e.from} -> ${e.to})`);
  const loops = cycles(layerGraph(edges));
  for (const loop of loops) console.log(`cycle: ${loop.join(" -> ")}`);
  if (loops.length === 0) console.log("no cycle between top-level folders");
}
