// Deliveries per second sent to many inboxes: a body with many followers on
// several receiving servers, its members post, and every follower's inbox gets
// both announces of every post, signed.
// Usage: npm run bench:delivery   (BENCH_FOLLOWERS=200 BENCH_SERVERS=4 BENCH_POSTS=10; BENCH_DATABASE_URL adds PostgreSQL)
import { createServer, type Server as HttpServer } from "node:http";
import { operations } from "../src/cli/operations.ts";
import { backends, cpuSeconds, fmt, prepareTarget, spawnServer, waitForHttp, withApp } from "./support.ts";

const FOLLOWERS = Number(process.env.BENCH_FOLLOWERS ?? 200);
const SERVERS = Number(process.env.BENCH_SERVERS ?? 4);
const POSTS = Number(process.env.BENCH_POSTS ?? 10);

/** A receiving server that answers 202 to every signed POST and counts them (no verification: we measure the sender). */
async function startReceiver(host: string): Promise<{ origin: string; count: () => number; close: () => Promise<void> }> {
  let received = 0;
  const server: HttpServer = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      if (req.method === "POST" && typeof req.headers.signature === "string") received++;
      res.writeHead(req.headers.signature ? 202 : 401).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, host, () => r()));
  const { port } = server.address() as { port: number };
  return { origin: `http://${host}:${port}`, count: () => received, close: () => new Promise((r) => server.close(() => r())) };
}

for (const backend of backends()) {
  const receivers = await Promise.all(Array.from({ length: SERVERS }, (_, i) => startReceiver(`127.0.0.${20 + i}`)));
  const target = await prepareTarget(backend, "127.0.0.14", 23_200);
  try {
    await withApp(target, async (app) => {
      await operations["account.create"](app, { handle: "poster", password: "poster-password" });
      const body = await operations["body.create"](app, { handle: "bench", kind: "assembly" });
      await operations["member.add"](app, { body: "bench", member: "poster" });
      // Followers are written directly: each has its own inbox and no shared inbox, the worst case.
      const rows = Array.from({ length: FOLLOWERS }, (_, i) => {
        const r = receivers[i % SERVERS]!;
        return { uri: `${r.origin}/users/f${i}`, inbox: `${r.origin}/users/f${i}/inbox` };
      });
      await app.db
        .insertInto("remote_actors")
        .values(rows.map((r) => ({ uri: r.uri, type: "Person", inbox: r.inbox, handle: null, name: null, shared_inbox: null, url: null })))
        .execute();
      await app.db
        .insertInto("follows")
        .values(rows.map((r, i) => ({ follower_uri: r.uri, followee_uri: body.id, activity_uri: `${r.uri}#follow-${i}`, state: "accepted" as const })))
        .execute();
    });
    const server = spawnServer(target.env);
    await waitForHttp(`${target.origin}/healthz`);
    const session = await fetch(`${target.origin}/api/folkmoot/v1/sessions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ handle: "poster", password: "poster-password" }),
    });
    const { token } = (await session.json()) as { token: string };
    const total = () => receivers.reduce((n, r) => n + r.count(), 0);
    const expected = POSTS * 2 * FOLLOWERS;

    const cpu0 = cpuSeconds(server.pid);
    const t0 = performance.now();
    for (let i = 0; i < POSTS; i++) {
      const res = await fetch(`${target.origin}/api/folkmoot/v1/bodies/bench/posts`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: JSON.stringify({ text: `Announcement ${i}` }),
      });
      if (res.status !== 201) throw new Error(`post failed: ${res.status} ${await res.text()}`);
    }
    const deadline = Date.now() + 600_000;
    while (total() < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const ms = performance.now() - t0;
    const cpu = cpuSeconds(server.pid) - cpu0;
    await server.stop();
    console.log(
      `[${backend}] ${POSTS} posts × 2 announces × ${FOLLOWERS} followers on ${SERVERS} servers: ${total()}/${expected} signed deliveries in ${fmt(ms / 1000)} s ` +
        `= ${fmt((total() / ms) * 1000, 0)}/s (${fmt(total() / cpu, 0)} per server CPU-second)`,
    );
  } finally {
    await Promise.all(receivers.map((r) => r.close()));
    await target.cleanup();
  }
}
