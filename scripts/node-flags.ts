// The Node options the server runs with, read from package.json's `start` script: the one
// place they are written down. The Dockerfile's CMD and bin/folkmoot.js's first line repeat
// them (test/unit/node-flags.test.ts keeps them equal); benchmarks and
// scripts/compile-cache.ts start the server with them.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const PACKAGE_JSON = fileURLToPath(new URL("../package.json", import.meta.url));

/** The words between `node` and `src/main.ts` in `npm start`. */
export function serverNodeFlags(): string[] {
  const pkg = JSON.parse(readFileSync(PACKAGE_JSON, "utf8")) as { scripts: Record<string, string> };
  const words = (pkg.scripts.start ?? "").trim().split(/\s+/);
  if (words[0] !== "node" || words.at(-1) !== "src/main.ts")
    throw new Error(`package.json: expected "node <options> src/main.ts" as the start script, got ${JSON.stringify(pkg.scripts.start)}`);
  return words.slice(1, -1);
}
