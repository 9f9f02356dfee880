// Deliveries per second sent to many inboxes: a body with many followers on
// several receiving servers, its members post, and every follower's inbox gets
// both announces of every post, signed.
// Each figure is also printed as a ratio to a bare Fastify + Fedify sender
// (bench/reference-server.ts) measured in the same run, with the SQL statements each
// outbound delivery costs.
// Usage: npm run bench:delivery   (BENCH_FOLLOWERS=200 BENCH_SERVERS=4 BENCH_POSTS=10 BENCH_RUNS=3; BENCH_DATABASE_URL adds PostgreSQL)
import { createServer, type Server as HttpServer } from "node:http";
import { operations } from "../src/cli/operations.ts";
import type { SqlCounts } from "./count-sql.ts";
import {
  backends,
  cpuSeconds,
  DatabaseCpu,
  describeSql,
  fmt,
  loadAverage,
  prepareTarget,
  RUNS,
  spawnReference,
  spawnServer,
  spread,
  sqlDelta,
  waitForHttp,
  withApp,
} from "./support.ts";

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

type Receiver = Awaited<ReturnType<typeof startReceiver>>;

interface Figures {
  delivered: number;
  expected: number;
  seconds: number;
  /** Per CPU-second of the server, and of the database's backends on PostgreSQL. */
  perCpu: number;
  /** Per CPU-second of the server process alone. */
  perServerCpu: number;
  sql?: SqlCounts;
}

function followerRows(receivers: Receiver[]): { uri: string; inbox: string }[] {
  // Each has its own inbox and no shared inbox, the worst case.
  return Array.from({ length: FOLLOWERS }, (_, i) => {
    const r = receivers[i % SERVERS]!;
    return { uri: `${r.origin}/users/f${i}`, inbox: `${r.origin}/users/f${i}/inbox` };
  });
}

async function waitFor(receivers: Receiver[], base: number, expected: number): Promise<number> {
  const total = () => receivers.reduce((n, r) => n + r.count(), 0) - base;
  const deadline = Date.now() + 600_000;
  while (total() < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  return total();
}

async function measureReference(receivers: Receiver[], port: number): Promise<Figures> {
  const ref = await spawnReference("127.0.0.16", port);
  try {
    const rows = followerRows(receivers);
    await fetch(`${ref.origin}/bench/followers`, { method: "POST", body: JSON.stringify(rows.map((r) => ({ id: r.uri, inbox: r.inbox }))) });
    const base = receivers.reduce((n, r) => n + r.count(), 0);
    const expected = POSTS * 2 * FOLLOWERS;
    const cpu0 = cpuSeconds(ref.pid);
    const t0 = performance.now();
    const res = await fetch(`${ref.origin}/bench/posts?n=${POSTS}`, { method: "POST" });
    if (!res.ok) throw new Error(`reference posts failed: ${res.status} ${await res.text()}`);
    const delivered = await waitFor(receivers, base, expected);
    const ms = performance.now() - t0;
    const cpu = cpuSeconds(ref.pid) - cpu0;
    return { delivered, expected, seconds: ms / 1000, perCpu: delivered / cpu, perServerCpu: delivered / cpu };
  } finally {
    await ref.stop();
  }
}

async function measureFolkmoot(receivers: Receiver[], backend: "pglite" | "postgres", port: number): Promise<Figures> {
  const target = await prepareTarget(backend, "127.0.0.14", port);
  try {
    await withApp(target, async (app) => {
      await operations["account.create"](app, { handle: "poster", password: "poster-password" });
      const body = await operations["body.create"](app, { handle: "bench", kind: "assembly" });
      await operations["member.add"](app, { body: "bench", member: "poster" });
      const rows = followerRows(receivers);
      await app.db
        .insertInto("remote_actors")
        .values(rows.map((r) => ({ uri: r.uri, type: "Person", inbox: r.inbox, handle: null, name: null, shared_inbox: null, url: null })))
        .execute();
      await app.db
        .insertInto("follows")
        .values(rows.map((r, i) => ({ follower_uri: r.uri, followee_uri: body.id, activity_uri: `${r.uri}#follow-${i}`, state: "accepted" as const })))
        .execute();
    });
    const server = spawnServer(target.env, { countSql: true });
    try {
      await waitForHttp(`${target.origin}/healthz`);
      const session = await fetch(`${target.origin}/api/folkmoot/v1/sessions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ handle: "poster", password: "poster-password" }),
      });
      const { token } = (await session.json()) as { token: string };
      const base = receivers.reduce((n, r) => n + r.count(), 0);
      const expected = POSTS * 2 * FOLLOWERS;
      const dbCpu = backend === "postgres" ? new DatabaseCpu(target.env.DATABASE_URL!) : null;
      await dbCpu?.start();
      const sql0 = await server.sqlCounts();
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
      const delivered = await waitFor(receivers, base, expected);
      const ms = performance.now() - t0;
      // Let the last acks follow the last deliveries.
      await new Promise((r) => setTimeout(r, 300));
      const sql = sqlDelta(sql0, await server.sqlCounts());
      const serverCpu = cpuSeconds(server.pid) - cpu0;
      const cpu = serverCpu + ((await dbCpu?.stop()) ?? 0);
      return { delivered, expected, seconds: ms / 1000, perCpu: delivered / cpu, perServerCpu: delivered / serverCpu, sql };
    } finally {
      await server.stop();
    }
  } finally {
    await target.cleanup();
  }
}

const results: Record<string, Figures[]> = { reference: [] };
const ratios: Record<string, number[]> = {};
const receivers = await Promise.all(Array.from({ length: SERVERS }, (_, i) => startReceiver(`127.0.0.${20 + i}`)));
try {
  const what = `${POSTS} posts × 2 announces × ${FOLLOWERS} followers on ${SERVERS} servers`;
  for (let run = 1; run <= RUNS; run++) {
    const ref = await measureReference(receivers, 23_250 + run);
    results.reference!.push(ref);
    console.log(
      `run ${run} [bare Fedify reference] ${what}: ${ref.delivered}/${ref.expected} signed deliveries in ${fmt(ref.seconds)} s, ${fmt(ref.perCpu, 0)} per CPU-second (load ${loadAverage()})`,
    );
    for (const backend of backends()) {
      const f = await measureFolkmoot(receivers, backend, 23_200 + run * 10 + (backend === "postgres" ? 1 : 0));
      (results[backend] ??= []).push(f);
      (ratios[backend] ??= []).push(f.perCpu / ref.perCpu);
      console.log(
        `run ${run} [Folkmoot, ${backend}] ${what}: ${f.delivered}/${f.expected} signed deliveries in ${fmt(f.seconds)} s, ` +
          `${fmt(f.perCpu, 0)} per CPU-second${backend === "postgres" ? ` counting the database's backends (${fmt(f.perServerCpu, 0)} per server CPU-second)` : ""} ` +
          `(${fmt(f.perCpu / ref.perCpu, 2)}× the reference) (load ${loadAverage()})`,
      );
      if (f.sql) console.log(`  SQL per outbound delivery: ${describeSql(f.sql, f.delivered)}`);
    }
  }
} finally {
  await Promise.all(receivers.map((r) => r.close()));
}
console.log(`\nmin / median / max of ${RUNS} runs (load now ${loadAverage()}):`);
for (const [name, fs] of Object.entries(results)) {
  const line = [`[${name}] deliveries per CPU-second ${spread(fs.map((f) => f.perCpu))}`];
  const r = ratios[name];
  if (r) line.push(`ratio to the reference ${spread(r, 2)}`);
  if (fs[0]?.sql)
    line.push(
      `SQL statements per outbound delivery ${spread(
        fs.map((f) => f.sql!.total / f.delivered),
        2,
      )}`,
    );
  console.log(line.join("; "));
}
