import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startMastodonPeer, type MastodonPeer } from "../support/mastodon-peer.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { runCliProcess, spawnServer, waitForHttp, type ServerProcess } from "../support/process.ts";

// kill -9 the process that holds queued deliveries, start it again, and every
// activity still arrives, once in effect, at the receiver.

const HOST = "127.0.0.7";
const PORT = 21_000 + (process.pid % 1000);
const ORIGIN = `http://${HOST}:${PORT}`;
const POSTS = 8;

let dataDir: string;
let database: TestDatabase | undefined;
let env: Record<string, string>;
let peer: MastodonPeer;
let server: ServerProcess | undefined;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "folkmoot-crash-"));
  database = process.env.TEST_DATABASE_URL ? await createTestDatabase() : undefined;
  env = {
    PORT: String(PORT),
    HOST,
    PUBLIC_ORIGIN: ORIGIN,
    DATA_DIR: dataDir,
    ALLOW_PRIVATE_ADDRESS: "true",
    LOG_LEVEL: "warn",
    QUEUE_WORKERS: "2",
    QUEUE_LEASE_SECONDS: "3",
    ...(database?.url ? { DATABASE_URL: database.url } : {}),
  };
  // A slow receiver keeps deliveries in flight when the sender dies.
  peer = await startMastodonPeer({ host: "127.0.0.6", inboxDelayMs: 700 });
});

afterAll(async () => {
  if (server && server.child.exitCode === null) {
    server.child.kill("SIGTERM");
    await server.exited;
  }
  await peer?.close();
  await database?.drop();
  await rm(dataDir, { recursive: true, force: true });
});

// Two server starts and a 60 s delivery wait: generous limits for a loaded 2-core machine.
describe("crash recovery", { timeout: 240_000 }, () => {
  it("delivers every queued activity after kill -9 and a restart", async () => {
    server = spawnServer(env);
    await waitForHttp(`${ORIGIN}/healthz`);

    // Set up through the CLI while the server runs (the admin socket on PGlite).
    for (const args of [
      ["account", "create", "alice", "--password", "alice-password"],
      ["body", "create", "riverside", "--kind", "assembly"],
      ["member", "add", "riverside", "alice"],
    ]) {
      const r = await runCliProcess(args, env);
      expect(r.code, r.stderr).toBe(0);
    }
    const bodies = JSON.parse((await runCliProcess(["--json", "body", "list"], env)).stdout) as { handle: string }[];
    expect(bodies.map((b) => b.handle)).toEqual(["riverside"]);
    const actor = (await (await fetch(`${ORIGIN}/.well-known/webfinger?resource=acct:riverside@${HOST}:${PORT}`)).json()) as { links: { rel: string; href: string }[] };
    const bodyUri = actor.links.find((l) => l.rel === "self")!.href;

    expect(
      (await peer.post(`${bodyUri}/inbox`, { "@context": "https://www.w3.org/ns/activitystreams", id: peer.newId(), type: "Follow", actor: peer.actorId, object: bodyUri })).status,
    ).toBe(202);
    await peer.waitFor((r) => r.body?.type === "Accept" && r.signatureValid, 20_000);

    const session = await fetch(`${ORIGIN}/api/folkmoot/v1/sessions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ handle: "alice", password: "alice-password" }),
    });
    const { token } = (await session.json()) as { token: string };
    const posted: string[] = [];
    for (let i = 0; i < POSTS; i++) {
      const res = await fetch(`${ORIGIN}/api/folkmoot/v1/bodies/riverside/posts`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: JSON.stringify({ text: `Post number ${i}` }),
      });
      expect(res.status).toBe(201);
      posted.push(((await res.json()) as { uri: string }).uri);
    }
    // Each post makes two announces for the follower; wait for some, then kill.
    await peer.waitFor((r) => r.body?.type === "Announce" && r.signatureValid, 20_000);
    server.child.kill("SIGKILL");
    expect(await server.exited).toBe("SIGKILL");
    const beforeRestart = new Set(peer.received.filter((r) => r.body?.type === "Announce" && r.signatureValid).map((r) => r.body.id as string));
    expect(beforeRestart.size).toBeLessThan(POSTS * 2);

    server = spawnServer(env);
    await waitForHttp(`${ORIGIN}/healthz`);
    const record = (await (await fetch(`${ORIGIN}/api/folkmoot/v1/bodies/riverside/record?limit=100`)).json()) as { items: { uri: string; type: string }[] };
    const expected = new Set(record.items.filter((i) => i.type === "Announce").map((i) => i.uri));
    expect(expected.size).toBe(POSTS * 2);

    const arrived = () => new Set(peer.received.filter((r) => r.body?.type === "Announce" && r.signatureValid).map((r) => r.body.id as string));
    await vi.waitFor(() => expect([...arrived()].sort()).toEqual([...expected].sort()), { timeout: 60_000, interval: 100 });
    // The announced notes are the posts made before the crash, each one exactly.
    const plainTargets = peer.received.filter((r) => r.body?.type === "Announce" && typeof r.body.object === "string").map((r) => r.body.object as string);
    expect(new Set(plainTargets)).toEqual(new Set(posted));

    server.child.kill("SIGTERM");
    expect(await server.exited).toBe(0);
    expect(server.output()).not.toMatch(/"level":(50|60)/);
  });
});
