import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createTestDatabase, testBackend, type TestDatabase } from "../support/database.ts";
import { runCliProcess, spawnServer, waitForHttp } from "../support/process.ts";

// The CLI as an operator runs it: a separate process, on the embedded database
// (directly, or through the running server) or on PostgreSQL.

let dataDir: string;
let database: TestDatabase | undefined;
let env: Record<string, string>;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "folkmoot-cli-"));
  database = testBackend === "postgres" ? await createTestDatabase() : undefined;
  env = { DATA_DIR: dataDir, LOG_LEVEL: "warn", PUBLIC_ORIGIN: "http://127.0.0.9:3999", ...(database?.url ? { DATABASE_URL: database.url } : {}) };
});

afterAll(async () => {
  await database?.drop();
  await rm(dataDir, { recursive: true, force: true });
});

// Each command starts a process and opens the database: allow for a loaded machine.
describe("folkmoot CLI", { timeout: 240_000 }, () => {
  it("has --help on every command", async () => {
    for (const args of [
      [],
      ["migrate"],
      ["account", "create"],
      ["body", "create"],
      ["body", "list"],
      ["member", "add"],
      ["member", "list"],
      ["member", "leave"],
      ["templates"],
      ["follower", "requests"],
      ["follower", "accept"],
      ["account", "admin"],
      ["invitation", "create"],
      ["invitation", "withdraw"],
    ]) {
      const r = await runCliProcess([...args, "--help"], env);
      expect(r.code, args.join(" ")).toBe(0);
      expect(r.stdout).toMatch(/^Usage: folkmoot/m);
    }
  });

  it("migrates, creates an account (password on stdin), a body, a member, and lists them", async () => {
    const migrate = await runCliProcess(["migrate"], env);
    expect(migrate.code, migrate.stderr).toBe(0);
    expect(migrate.stdout).toMatch(testBackend === "postgres" ? /PostgreSQL/ : /PGlite/);

    const account = await runCliProcess(["account", "create", "erin", "--name", "Erin"], env, "erin-password\n");
    expect(account.code, account.stderr).toBe(0);
    expect(account.stdout).toContain("erin@127.0.0.9:3999");

    const body = await runCliProcess(["--json", "body", "create", "oakfield", "--kind", "council", "--name", "Oakfield Tenants"], env);
    expect(body.code, body.stderr).toBe(0);
    expect(JSON.parse(body.stdout)).toMatchObject({ kind: "council", handle: "oakfield@127.0.0.9:3999" });

    expect((await runCliProcess(["member", "add", "oakfield", "erin"], env)).code).toBe(0);
    const members = await runCliProcess(["--json", "member", "list", "oakfield"], env);
    expect(JSON.parse(members.stdout).map((m: { handle: string }) => m.handle)).toEqual(["erin@127.0.0.9:3999"]);
    const list = await runCliProcess(["body", "list"], env);
    expect(list.stdout).toMatch(/^handle\s+kind\s+name\s+members/m);
    expect(list.stdout).toMatch(/oakfield\s+council\s+Oakfield Tenants\s+1/);
  });

  it("lists the bylaws templates, founds bodies with one or with bylaws from a file, and records a member's leaving", async () => {
    const templates = await runCliProcess(["templates"], env);
    expect(templates.code, templates.stderr).toBe(0);
    expect(templates.stdout).toMatch(/^neighbourhood-assembly: Neighbourhood assembly/m);
    expect(templates.stdout).toMatch(/^trial: Trial run/m);

    const trial = await runCliProcess(["--json", "body", "create", "trial", "--template", "trial"], env);
    expect(trial.code, trial.stderr).toBe(0);
    expect(JSON.parse(trial.stdout)).toMatchObject({ kind: "assembly", admission: "open", bylaws: { votingPeriod: "PT5M" } });

    const file = join(dataDir, "bylaws.json");
    await writeFile(file, JSON.stringify({ ratification: { kind: "weighted", fraction: { num: 1, den: 2 } }, delegateRatio: 80 }));
    const valley = await runCliProcess(["--json", "body", "create", "valley", "--kind", "confederation", "--template", "municipal-confederation", "--bylaws", file], env);
    expect(valley.code, valley.stderr).toBe(0);
    expect(JSON.parse(valley.stdout).bylaws).toMatchObject({ ratification: { kind: "weighted" }, delegateRatio: 80 });

    await writeFile(file, JSON.stringify({ quorum: { kind: "count", count: 0 }, ballot: "whispered" }));
    const bad = await runCliProcess(["body", "create", "broken", "--bylaws", file], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^folkmoot: the bylaws cannot be founded: quorum must be .*; ballot must be named or secret/);
    const missing = await runCliProcess(["body", "create", "broken", "--bylaws", join(dataDir, "nowhere.json")], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^folkmoot: --bylaws: cannot read/);

    expect((await runCliProcess(["member", "add", "trial", "erin"], env)).code).toBe(0);
    const left = await runCliProcess(["member", "leave", "trial", "erin"], env);
    expect(left.code, left.stderr).toBe(0);
    expect(left.stdout).toMatch(/^left: true/m);
    expect((await runCliProcess(["member", "leave", "trial", "erin"], env)).code).toBe(1);
  });

  it("prints one readable line and exits 1 for bad input", async () => {
    const dup = await runCliProcess(["body", "create", "oakfield"], env);
    expect(dup.code).toBe(1);
    expect(dup.stderr.trim()).toBe('folkmoot: handle: the handle "oakfield" is taken');
    const bad = await runCliProcess(["body", "create", "Not Valid"], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^folkmoot: handle: a handle is 1 to 30 characters/);
    const kind = await runCliProcess(["body", "create", "x", "--kind", "parliament"], env);
    expect(kind.code).toBe(2);
    expect(kind.stderr).toMatch(/Allowed choices are assembly, council, committee, confederation/);
    const confed = await runCliProcess(["member", "add", "oakfield", "nobody_here"], env);
    expect(confed.code).toBe(1);
    expect(confed.stderr).toMatch(/no local account or body/);
    const badEnv = await runCliProcess(["body", "list"], { ...env, PORT: "many" });
    expect(badEnv.code).toBe(1);
    expect(badEnv.stderr.trim()).toBe('folkmoot: invalid PORT: expected a whole number, got "many"');
  });

  it("makes the first administrator, others, and never revokes the last one", async () => {
    const first = await runCliProcess(["--json", "account", "create", "root_op", "--admin"], { ...env, FOLKMOOT_PASSWORD: "operator password" });
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ handle: "root_op@127.0.0.9:3999", admin: true });
    const last = await runCliProcess(["account", "admin", "root_op", "--revoke"], env);
    expect(last.code).toBe(1);
    expect(last.stderr.trim()).toBe("folkmoot: handle: this is the last administrator: make another administrator first");
    const erin = await runCliProcess(["account", "admin", "erin"], env);
    expect(erin.code, erin.stderr).toBe(0);
    expect(erin.stdout).toContain("admin: true");
    const revoked = await runCliProcess(["--json", "account", "admin", "root_op", "--revoke"], env);
    expect(JSON.parse(revoked.stdout)).toEqual({ handle: "root_op@127.0.0.9:3999", admin: false, changed: true });
    const nobody = await runCliProcess(["account", "admin", "nobody_here"], env);
    expect(nobody.code).toBe(1);
    expect(nobody.stderr).toMatch(/no local account "nobody_here"/);
  });

  it("makes, lists and withdraws invitations", async () => {
    const made = await runCliProcess(["--json", "invitation", "create", "--days", "3", "--note", "for Fay"], env);
    expect(made.code, made.stderr).toBe(0);
    const inv = JSON.parse(made.stdout) as { code: string; url: string; expiresAt: string; note: string };
    expect(inv.url).toBe(`http://127.0.0.9:3999/signup?invitation=${inv.code}`);
    expect(inv.note).toBe("for Fay");
    expect(Math.round((Date.parse(inv.expiresAt) - Date.now()) / 86_400_000)).toBe(3);
    const list = await runCliProcess(["invitation", "list"], env);
    expect(list.stdout).toMatch(/^code\s+status\s+note/m);
    expect(list.stdout).toMatch(new RegExp(`${inv.code}\\s+open\\s+for Fay`));
    const bad = await runCliProcess(["invitation", "create", "--days", "400"], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim()).toBe("folkmoot: days: an invitation lasts 1 to 365 days");
    expect((await runCliProcess(["invitation", "withdraw", inv.code], env)).code).toBe(0);
    const again = await runCliProcess(["invitation", "withdraw", inv.code], env);
    expect(again.code).toBe(1);
    expect(again.stderr.trim()).toBe("folkmoot: no unused invitation with that code");
  });
});

describe("the server process", { timeout: 120_000 }, () => {
  it("refuses a bad variable with one line naming it", async () => {
    const server = spawnServer({ ...env, PUBLIC_ORIGIN: "not a url" });
    expect(await server.exited).toBe(1);
    expect(server.output().trim()).toBe('folkmoot: invalid PUBLIC_ORIGIN: not a URL: "not a url"');
  });

  it("logs one line saying where it listens and which database it uses, and stops on SIGTERM", async () => {
    const port = 22_000 + (process.pid % 1000);
    const server = spawnServer({ ...env, HOST: "127.0.0.9", PORT: String(port), PUBLIC_ORIGIN: "", LOG_LEVEL: "info" });
    await waitForHttp(`http://127.0.0.9:${port}/healthz`);
    // The line may reach the pipe just after the server answers.
    const line = await vi.waitFor(
      () => {
        const found = server
          .output()
          .split("\n")
          .map((l) => (l.startsWith("{") ? (JSON.parse(l) as { msg: string }) : null))
          .find((l) => l?.msg.startsWith("Folkmoot listening"));
        if (!found) throw new Error(`no "Folkmoot listening" line yet in:\n${server.output()}`);
        return found;
      },
      { timeout: 5_000, interval: 50 },
    );
    expect(line?.msg).toMatch(new RegExp(`^Folkmoot listening on http://127\\.0\\.0\\.9:${port} .*database: ${testBackend === "postgres" ? "PostgreSQL" : "PGlite"}`));
    if (testBackend === "pglite") {
      // While the server holds the embedded database, the CLI works through it.
      const list = await runCliProcess(["--json", "body", "list"], env);
      expect(list.code, list.stderr).toBe(0);
      expect(JSON.parse(list.stdout).map((b: { handle: string }) => b.handle)).toContain("oakfield");
    }
    server.child.kill("SIGTERM");
    expect(await server.exited).toBe(0);
    expect(server.output()).toContain("stopped cleanly");
  });
});
