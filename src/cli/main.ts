import { Command, CommanderError, Option } from "commander";
import { ConfigError, loadConfig, type Config } from "../config.ts";
import { callAdminSocket } from "./admin-client.ts";
import { CliError } from "./errors.ts";
import type { OperationName } from "./operations.ts";

// Heavy modules (Fedify, the database) are imported only when a command runs,
// so --help answers at once.

function print(value: unknown, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    return;
  }
  if (Array.isArray(value)) {
    if (value.length === 0) {
      process.stdout.write("(none)\n");
      return;
    }
    const cols = Object.keys(value[0] as object);
    const rows = value.map((r) => cols.map((c) => String((r as Record<string, unknown>)[c] ?? "")));
    const widths = cols.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i]!.length)));
    const line = (cells: string[]) =>
      cells
        .map((c, i) => c.padEnd(widths[i]!))
        .join("  ")
        .trimEnd();
    process.stdout.write(`${line(cols)}\n${rows.map(line).join("\n")}\n`);
    return;
  }
  for (const [k, v] of Object.entries(value as object)) process.stdout.write(`${k}: ${typeof v === "object" ? JSON.stringify(v) : String(v)}\n`);
}

/** Runs an operation in the running server (embedded mode) or directly on the database. */
async function run(config: Config, op: OperationName, args: object): Promise<unknown> {
  if (!config.databaseUrl) {
    const reply = await callAdminSocket(config.dataDir, op, args);
    if (reply) {
      if (!reply.ok) throw new CliError(reply.error);
      return reply.result;
    }
  }
  const [{ createLogger }, { openApp }, { operations }] = await Promise.all([import("../logging.ts"), import("../instance.ts"), import("./operations.ts")]);
  const log = createLogger(config.logLevel === "info" ? "warn" : config.logLevel, process.stderr as never);
  privateFiles();
  const opened = await openApp(config, log);
  try {
    return await (operations[op] as (a: typeof opened.app, x: object) => Promise<unknown>)(opened.app, args);
  } finally {
    await opened.close();
  }
}

/** Before the CLI opens the data directory itself: what it creates there is the operator's alone, as in the server (main.ts). */
function privateFiles(): void {
  process.umask(0o077);
}

async function readPassword(given: string | undefined): Promise<string> {
  if (given) return given;
  if (process.env.FOLKMOOT_PASSWORD) return process.env.FOLKMOOT_PASSWORD;
  if (!process.stdin.isTTY) {
    // Piped: the first line of standard input.
    let data = "";
    for await (const chunk of process.stdin) {
      data += chunk;
      if (data.includes("\n")) break;
    }
    const line = data.split("\n")[0]?.trim();
    if (line) return line;
  }
  throw new CliError("give a password with --password, FOLKMOOT_PASSWORD, or on standard input");
}

/** A JSON file given on the command line, parsed (read here, so it also works through the admin socket). */
async function readJsonFile(path: string, option: string): Promise<unknown> {
  const { readFile } = await import("node:fs/promises");
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw new CliError(`${option}: cannot read ${path}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new CliError(`${option}: ${path} is not JSON: ${(err as Error).message}`);
  }
}

/** Words wrapped at `width`, each line indented. */
function wrap(text: string, width: number, indent: string): string {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/)) {
    if (line !== "" && indent.length + line.length + 1 + word.length > width) {
      lines.push(indent + line);
      line = word;
    } else line = line === "" ? word : `${line} ${word}`;
  }
  if (line !== "") lines.push(indent + line);
  return lines.join("\n");
}

export function buildCli(): Command {
  const program = new Command();
  program
    .name("folkmoot")
    .description("Run and administer a Folkmoot instance. Configuration comes from the environment (see docs/configuration.md).")
    .option("--json", "print results as JSON")
    .showHelpAfterError()
    .exitOverride();
  const json = () => Boolean(program.opts().json);
  const cfg = () => loadConfig();

  program
    .command("migrate")
    .description("apply pending database migrations (the server also applies them at start)")
    .action(async () => {
      const config = cfg();
      if (!config.databaseUrl) {
        const reply = await callAdminSocket(config.dataDir, "body.list", {});
        if (reply) return print({ applied: [], note: "the running server applied migrations at start" }, json());
      }
      const [{ openDatabase }, { migrateToLatest }, { createLogger }, { keepDataDirectoryPrivate }] = await Promise.all([
        import("../store/database.ts"),
        import("../store/migrator.ts"),
        import("../logging.ts"),
        import("../instance.ts"),
      ]);
      privateFiles();
      keepDataDirectoryPrivate(config, createLogger(config.logLevel === "info" ? "warn" : config.logLevel, process.stderr as never));
      const database = await openDatabase({ url: config.databaseUrl, dataDir: config.databaseUrl ? undefined : `${config.dataDir}/db` });
      try {
        const { applied } = await migrateToLatest(database.db);
        print({ database: database.describe, applied: applied.length ? applied.join(", ") : "(already up to date)" }, json());
      } finally {
        await database.close();
      }
    });

  program
    .command("start")
    .description("start the server (same as npm start)")
    .action(async () => {
      await import("../main.ts");
      await new Promise(() => {}); // main.ts owns the process from here
    });

  program
    .command("verify")
    .description("fetch a decision and recompute it from its signed record alone: checks the body's signature and every count; exit 0 on pass, 1 on fail")
    .argument("<url>", "the proposal's URL (or one of its rounds' polls), or a confederation's referral")
    .option("--depth <n>", "for a referral: how many levels of decisions below its verdicts to verify too (0: only the referral and the documents it embeds)", "1")
    .action(async (url: string, o: { depth: string }) => {
      if (!/^\d+$/.test(o.depth)) throw new CliError(`--depth takes a whole number, got "${o.depth}"`);
      const config = cfg();
      const { runVerify } = await import("./verify-command.ts");
      const result = await runVerify(url, { allowPrivateAddress: config.allowPrivateAddress, depth: Number(o.depth) });
      if (json()) print(result, true);
      else {
        for (const c of result.checks) process.stdout.write(`${c.ok ? "PASS" : "FAIL"}  ${c.name}: ${c.detail}\n`);
        process.stdout.write(result.ok ? "PASS: the decision recomputes from its signed record\n" : `FAIL: ${result.checks.filter((c) => !c.ok).length} check(s) failed\n`);
      }
      if (!result.ok) throw new CliError(`verification failed for ${url}`);
    });

  const account = program.command("account").description("local accounts (people)");
  account
    .command("create")
    .description("create a local account")
    .argument("<handle>", "the account's handle: 1 to 30 of a-z, 0-9, _")
    .option("--name <name>", "display name")
    .option("--password <password>", "password (or FOLKMOOT_PASSWORD, or the first line of standard input)")
    .option("--admin", "make the account an administrator (it may use the operator pages, /admin)")
    .action(async (handle: string, o: { name?: string; password?: string; admin?: boolean }) => {
      const password = await readPassword(o.password);
      print(await run(cfg(), "account.create", { handle, password, name: o.name, admin: o.admin === true }), json());
    });
  account
    .command("admin")
    .description("make an account an administrator, or revoke it with --revoke (the last administrator cannot be revoked)")
    .argument("<handle>", "the account's handle")
    .option("--revoke", "take the account's administrator rights away")
    .action(async (handle: string, o: { revoke?: boolean }) => print(await run(cfg(), "account.admin", { handle, revoke: o.revoke === true }), json()));

  const invitation = program.command("invitation").description("invitations to sign up (for SIGNUP=invitation)");
  invitation
    .command("create")
    .description("make an invitation code and print it with its sign-up link")
    .option("--days <n>", "how many days it can be used (1 to 365)", "14")
    .option("--note <text>", "a note for yourself: who it is for (at most 200 characters)")
    .action(async (o: { days: string; note?: string }) => print(await run(cfg(), "invitation.create", { days: o.days, note: o.note }), json()));
  invitation
    .command("list")
    .description("list invitations, newest first, with their status: open, used or expired")
    .action(async () => print(await run(cfg(), "invitation.list", {}), json()));
  invitation
    .command("withdraw")
    .description("withdraw an unused invitation")
    .argument("<code>", "the invitation code")
    .action(async (code: string) => print(await run(cfg(), "invitation.withdraw", { code }), json()));

  const body = program.command("body").description("bodies: assemblies, councils, committees, confederations");
  body
    .command("create")
    .description("create a body (a Group actor others can follow)")
    .argument("<handle>", "the body's handle")
    .addOption(new Option("--kind <kind>", "what kind of body").choices(["assembly", "council", "committee", "confederation"]).default("assembly"))
    .option("--name <name>", "display name")
    .option("--summary <text>", "a short description")
    .option("--approve-followers", "followers wait for a member's approval")
    .addOption(new Option("--admission <how>", "how members are admitted (default: open, or the bylaws' own)").choices(["open", "by-decision"]))
    .option("--template <name>", "found it under a bylaws template (see folkmoot templates)")
    .option("--bylaws <file>", "a JSON file: complete bylaws, or the fields to change in the template's (or the defaults')")
    .action(async (handle: string, o: { kind: string; name?: string; summary?: string; approveFollowers?: boolean; admission?: string; template?: string; bylaws?: string }) => {
      const { bylaws: file, ...rest } = o;
      const bylaws = file === undefined ? undefined : await readJsonFile(file, "--bylaws");
      print(await run(cfg(), "body.create", { handle, ...rest, ...(bylaws === undefined ? {} : { bylaws }) }), json());
    });
  body
    .command("list")
    .description("list the bodies on this instance")
    .action(async () => print(await run(cfg(), "body.list", {}), json()));

  program
    .command("templates")
    .description("list the founding bylaws templates, with what each means in plain words (--json: with their complete bylaws)")
    .action(async () => {
      const { BYLAWS_TEMPLATES } = await import("../governance/templates.ts");
      if (json()) return print(BYLAWS_TEMPLATES, true);
      for (const t of BYLAWS_TEMPLATES) {
        process.stdout.write(`${t.id}: ${t.title}\n  for: ${t.kinds.join(", ")}; drawn from ${t.drawnFrom}\n${wrap(t.description, 88, "  ")}\n\n`);
      }
    });

  const member = program.command("member").description("membership of bodies");
  member
    .command("add")
    .description("admit a member to a body (operator action; bodies normally admit by their own rule)")
    .argument("<body>", "the body's handle")
    .argument("<member>", "a local handle, a remote handle (@name@host) or an actor URL")
    .action(async (bodyHandle: string, memberRef: string) => print(await run(cfg(), "member.add", { body: bodyHandle, member: memberRef }), json()));
  member
    .command("leave")
    .description("record that a member left a body (at once; on the body's record); members leave themselves with POST /api/folkmoot/v1/bodies/<body>/leave")
    .argument("<body>", "the body's handle")
    .argument("<member>", "a local handle, a remote handle (@name@host) or an actor URL")
    .action(async (bodyHandle: string, memberRef: string) => print(await run(cfg(), "member.leave", { body: bodyHandle, member: memberRef }), json()));
  member
    .command("list")
    .description("list a body's members")
    .argument("<body>", "the body's handle")
    .action(async (bodyHandle: string) => print(await run(cfg(), "member.list", { body: bodyHandle }), json()));

  const follower = program.command("follower").description("followers of bodies that approve their followers");
  follower
    .command("requests")
    .description("list pending follow requests")
    .argument("<body>", "the body's handle")
    .action(async (bodyHandle: string) => print(await run(cfg(), "follower.requests", { body: bodyHandle }), json()));
  for (const decision of ["accept", "reject"] as const) {
    follower
      .command(decision)
      .description(`${decision} a pending follow request`)
      .argument("<body>", "the body's handle")
      .argument("<id>", "the request id (from follower requests)")
      .action(async (bodyHandle: string, id: string) => print(await run(cfg(), "follower.decide", { body: bodyHandle, id, decision }), json()));
  }

  const remote = program.command("remote").description("what other servers hold here: members by open admission, pending follow requests, bodies' pending Joins");
  remote
    .command("list")
    .description("per remote origin: members gained by open admission in each body, pending follow requests, bodies' Joins waiting for a confederation's member bodies")
    .action(async () => print(await run(cfg(), "remote.list", {}), json()));
  remote
    .command("remove")
    .description(
      "remove an origin's members admitted by open admission (they leave on each body's record), its pending follow requests, and withdraw its bodies' pending Joins (answered Reject)",
    )
    .argument("<origin>", "the origin, e.g. https://example.org (https:// if no scheme is given)")
    .action(async (origin: string) => print(await run(cfg(), "remote.remove", { origin }), json()));
  return program;
}

export async function runCli(argv: string[]): Promise<number> {
  const program = buildCli();
  try {
    await program.parseAsync(argv, { from: "user" });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    const known = err instanceof CliError || err instanceof ConfigError || ["DataDirectoryLockedError", "DataDirectoryModeError"].includes((err as Error)?.name);
    // One line for the operator; the stack only when asked for.
    const debug = process.env.LOG_LEVEL === "debug" || process.env.LOG_LEVEL === "trace";
    const message = known || !debug ? String((err as Error)?.message ?? err).split("\n")[0] : `unexpected error: ${(err as Error).stack ?? err}`;
    process.stderr.write(`folkmoot: ${message}\n`);
    return 1;
  }
}

if (import.meta.main) {
  process.exitCode = await runCli(process.argv.slice(2));
}
