// An instance for the real Mastodon clients (test/clients/run.sh): on loopback, in a
// temporary data directory, with members `ada` and `bo` (password `<handle>-password`),
// the body `garden` and a proposal of it in voting. Prints one JSON line with what the
// clients need, then runs until SIGTERM or SIGINT, and removes its data.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { operations } from "../../src/cli/operations.ts";
import { loadConfig } from "../../src/config.ts";
import * as d from "../../src/decisions/index.ts";
import { defaultBylaws } from "../../src/governance/index.ts";
import { startInstance } from "../../src/instance.ts";
import { actorUri } from "../../src/shared/uris.ts";
import { createLogger } from "../../src/logging.ts";

const host = process.env.CLIENTS_HOST ?? "127.0.0.150";
const port = Number(process.env.CLIENTS_PORT ?? 30150);
const dataDir = await mkdtemp(join(tmpdir(), "folkmoot-clients-"));
const config = loadConfig({
  HOST: host,
  PORT: String(port),
  PUBLIC_ORIGIN: `http://${host}:${port}`,
  DATA_DIR: dataDir,
  ALLOW_PRIVATE_ADDRESS: "true",
  LOG_LEVEL: process.env.CLIENTS_LOG_LEVEL ?? "warn",
  QUEUE_WORKERS: "1",
  ...(process.env.CLIENTS_DATABASE_URL ? { DATABASE_URL: process.env.CLIENTS_DATABASE_URL } : {}),
});
// Logs go to stderr: stdout carries the one JSON line.
const instance = await startInstance(config, { logger: createLogger(config.logLevel, process.stderr) });
let stopping = false;
async function stop(code: number) {
  if (stopping) return;
  stopping = true;
  await instance.close().catch((err: unknown) => console.error("closing the instance failed:", err));
  await rm(dataDir, { recursive: true, force: true });
  process.exit(code);
}
process.on("SIGTERM", () => void stop(0));
process.on("SIGINT", () => void stop(0));

try {
  const app = instance.app;
  for (const handle of ["ada", "bo"]) await operations["account.create"](app, { handle, password: `${handle}-password` });
  await operations["body.create"](app, { handle: "garden", kind: "assembly", name: "Garden", admission: "open" });
  for (const handle of ["ada", "bo"]) await operations["member.add"](app, { body: "garden", member: handle });
  const bylaws = {
    ...defaultBylaws(),
    decisionRule: { kind: "simple-majority" as const },
    quorum: { kind: "count" as const, count: 1 },
    deliberationPeriod: "PT1H",
    votingPeriod: "PT1H",
  };
  const founded = await d.foundBodyRecord(app, "garden", { bylaws });
  if (!founded.ok) throw new Error(founded.error.message);
  const bo = await app.db.selectFrom("actors").select("id").where("handle", "=", "bo").executeTakeFirstOrThrow();
  const boUri = actorUri(config.publicOrigin, bo.id).href;
  const drafted = await d.draftProposal(app, boUri, "garden", { kind: "policy", title: "Plant beans", text: "In the east bed." });
  if (!drafted.ok) throw new Error(drafted.error.message);
  const tabled = await d.tableProposal(app, boUri, "garden", drafted.value.id);
  if (!tabled.ok) throw new Error(tabled.error.message);
  // Deliberation over: the vote opens.
  const detail = await d.readProposal(app, null, "garden", drafted.value.id);
  if (!detail.ok || detail.value.nextDeadline === null) throw new Error("the proposal has no deadline");
  await d.runDueDeadlines(app, new Date(Date.parse(detail.value.nextDeadline) + 1000));
  process.stdout.write(`${JSON.stringify({ origin: config.publicOrigin.origin, host: `${host}:${port}`, proposal: drafted.value.id })}\n`);
} catch (err) {
  console.error("setting up the instance failed:", err);
  await stop(1);
}
