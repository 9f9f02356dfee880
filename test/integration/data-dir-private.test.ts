import { chmod, lstat, mkdtemp, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCliProcess, spawnServer, waitForHttp } from "../support/process.ts";

// DATA_DIR holds password hashes, the actors' private keys and the token secret: no
// other local user may read or write any of it. Always on the embedded database (the
// data directory is unused with PostgreSQL).

const PORT = 24_000 + (process.pid % 1000);
let base: string;
let dataDir: string;
let env: Record<string, string>;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), "folkmoot-modes-"));
  dataDir = join(base, "data");
  env = { DATA_DIR: dataDir, DATABASE_URL: "", HOST: "127.0.0.9", PORT: String(PORT), PUBLIC_ORIGIN: `http://127.0.0.9:${PORT}`, LOG_LEVEL: "info" };
});

afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

/** Every entry under `dir` (itself included) whose mode gives group or others any permission. */
async function openToOthers(dir: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (entry: string) => {
    const s = await lstat(entry);
    if (s.isSymbolicLink()) return;
    if (s.mode & 0o077) found.push(`${entry} ${(s.mode & 0o777).toString(8)}`);
    if (s.isDirectory()) for (const name of await readdir(entry)) await walk(join(entry, name));
  };
  await walk(dir);
  return found;
}

async function countEntries(dir: string): Promise<number> {
  return (await readdir(dir, { recursive: true })).length;
}

/** Starts the server, creates an account through the CLI (so the database is written), stops it. */
async function runOnce(handle: string): Promise<string> {
  const server = spawnServer(env);
  try {
    await waitForHttp(`http://127.0.0.9:${PORT}/healthz`);
    const created = await runCliProcess(["account", "create", handle], env, `${handle}-password-1\n`);
    expect(created.code, created.stderr).toBe(0);
  } finally {
    server.child.kill("SIGTERM");
  }
  expect(await server.exited, server.output()).toBe(0);
  return server.output();
}

describe("the data directory", { timeout: 240_000 }, () => {
  it("is created 0700 and nothing the server or the CLI writes in it is open to other users", async () => {
    const output = await runOnce("erin");
    expect((await stat(dataDir)).mode & 0o777).toBe(0o700);
    expect(await countEntries(dataDir)).toBeGreaterThan(500); // the whole PGlite cluster, the WAL among it
    expect(await openToOthers(dataDir)).toEqual([]);
    expect(output).not.toContain("open to other users");

    // The CLI opening the data directory itself (no server running) keeps it so too.
    const direct = await runCliProcess(["account", "create", "fern"], { ...env, LOG_LEVEL: "warn" }, "fern-password-1\n");
    expect(direct.code, direct.stderr).toBe(0);
    expect(await openToOthers(dataDir)).toEqual([]);
  });

  it("is tightened at start when it was made open to others, with one warning", async () => {
    await chmod(dataDir, 0o777);
    await chmod(join(dataDir, "db"), 0o777);
    await chmod(join(dataDir, "db", "PG_VERSION"), 0o666);
    await writeFile(join(dataDir, "db", "restored-by-hand"), "x", { mode: 0o666 });
    await chmod(join(dataDir, "db", "restored-by-hand"), 0o666);
    expect((await openToOthers(dataDir)).length).toBe(4);

    const output = await runOnce("gwen");
    const warnings = output.split("\n").filter((l) => l.includes("open to other users"));
    expect(warnings).toHaveLength(1);
    expect(JSON.parse(warnings[0]!)).toMatchObject({ level: 40, directories: 2, files: 2 });
    expect(await openToOthers(dataDir)).toEqual([]);
  });
});
