import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { serverNodeFlags } from "../../scripts/node-flags.ts";
import { REPO_ROOT } from "../support/process.ts";

// The server is started three ways: `npm start`, the Docker image's CMD and `folkmoot start`
// (bin/folkmoot.js, through its first line). Node options cannot be set once the process
// runs, so each of them names them: the same list everywhere, and in the demo and
// bench:confederation, whose instances run in one process.
describe("the server's Node options", () => {
  const flags = serverNodeFlags();

  it("are set in npm start: a small young generation (docs/configuration.md)", () => {
    expect(flags).toContainEqual(expect.stringMatching(/^--max-semi-space-size=\d+$/));
  });

  it("are the same in the Dockerfile's CMD", () => {
    const cmd = /^CMD (\[.*\])$/m.exec(readFileSync(join(REPO_ROOT, "Dockerfile"), "utf8"))?.[1];
    expect(JSON.parse(cmd ?? "null")).toEqual(["node", ...flags, "src/main.ts"]);
  });

  it("are the same for the demo and the confederation benchmark, which run their instances in one process", () => {
    const scripts = (JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
    expect(scripts.demo).toBe(["node", ...flags, "src/demo/main.ts"].join(" "));
    expect(scripts["bench:confederation"]).toBe(["node", ...flags, "bench/confederation.ts"].join(" "));
  });

  it("are the same in bin/folkmoot.js's first line", () => {
    const shebang = readFileSync(join(REPO_ROOT, "bin/folkmoot.js"), "utf8").split("\n")[0];
    expect(shebang).toBe(["#!/usr/bin/env -S node", ...flags].join(" "));
  });
});
