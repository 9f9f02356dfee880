import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { operations } from "../../src/cli/operations.ts";
import { createTestDatabase, testBackend, type TestDatabase } from "../support/database.ts";
import { startTestInstance, type TestInstance } from "../support/instance.ts";
import { startMastodonPeer, type MastodonPeer } from "../support/mastodon-peer.ts";
import { quiesce } from "../support/quiesce.ts";

// One web process and two worker processes' worth of instances against one
// PostgreSQL database: every queued delivery is handled once. (The embedded
// database serves one process, so this runs on PostgreSQL only.)
describe.runIf(testBackend === "postgres")("web and worker roles on one PostgreSQL", () => {
  let database: TestDatabase;
  let web: TestInstance;
  let workers: TestInstance[];
  let peer: MastodonPeer;

  beforeAll(async () => {
    database = await createTestDatabase();
    web = await startTestInstance({ host: "127.0.0.10", database, env: { ROLE: "web" } });
    workers = [];
    for (const _port of [1, 2]) workers.push(await startTestInstance({ host: "127.0.0.10", port: web.config.port, database, env: { ROLE: "worker", PUBLIC_ORIGIN: web.origin } }));
    peer = await startMastodonPeer({ host: "127.0.0.15" });
  });

  afterAll(async () => {
    await peer?.close();
    for (const w of workers ?? []) await w.stop();
    await web?.stop();
    await database?.drop();
  });

  it("the web process serves but does not deliver; workers deliver each activity once", async () => {
    expect(web.listening).not.toBeNull();
    expect(workers.every((w) => w.listening === null)).toBe(true);
    const body = await operations["body.create"](web.app, { handle: "split", kind: "assembly" });
    await operations["account.create"](web.app, { handle: "wendy", password: "wendy-password" });
    await operations["member.add"](web.app, { body: "split", member: "wendy" });
    expect(
      (await peer.post(`${body.id}/inbox`, { "@context": "https://www.w3.org/ns/activitystreams", id: peer.newId(), type: "Follow", actor: peer.actorId, object: body.id })).status,
    ).toBe(202);
    await peer.waitFor((r) => r.body?.type === "Accept" && r.signatureValid, 20_000);

    const token = (
      (await (
        await fetch(`${web.origin}/api/folkmoot/v1/sessions`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ handle: "wendy", password: "wendy-password" }),
        })
      ).json()) as { token: string }
    ).token;
    const POSTS = 6;
    for (let i = 0; i < POSTS; i++) {
      const res = await fetch(`${web.origin}/api/folkmoot/v1/bodies/split/posts`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: JSON.stringify({ text: `post ${i}` }),
      });
      expect(res.status).toBe(201);
    }
    const announces = () => peer.received.filter((r) => r.body?.type === "Announce" && r.signatureValid);
    await vi.waitFor(() => expect(announces().length).toBeGreaterThanOrEqual(POSTS * 2), { timeout: 30_000, interval: 50 });
    await quiesce([web, ...workers]); // any duplicate has arrived by now
    const ids = announces().map((r) => r.body.id as string);
    expect(ids).toHaveLength(POSTS * 2);
    expect(new Set(ids).size).toBe(POSTS * 2);
    const left = await web.app.db
      .selectFrom("fedify_mq")
      .select((eb) => eb.fn.countAll<string>().as("n"))
      .executeTakeFirstOrThrow();
    expect(Number(left.n)).toBe(0);
  });
});
