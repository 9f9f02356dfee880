// Signed inbox deliveries per CPU-second, accepted (HTTP 202) and processed (the
// post stored and announced), as a Mastodon server would send them, and the SQL
// statements each accepted delivery costs; each figure also as a ratio to a bare
// Fastify + Fedify inbox (bench/reference-server.ts) measured in the same run.
// Usage: npm run bench:inbox   (BENCH_N=1000, BENCH_CONCURRENCY=16, BENCH_RUNS=3, BENCH_IP_BASE; BENCH_DATABASE_URL adds PostgreSQL)
import { operations } from "../src/cli/operations.ts";
import { type MastodonPeer, startMastodonPeer } from "../test/support/mastodon-peer.ts";
import type { SqlCounts } from "./count-sql.ts";
import {
  backends,
  benchIp,
  cpuSeconds,
  DatabaseCpu,
  describeSql,
  fmt,
  loadAverage,
  pool,
  prepareTarget,
  RUNS,
  type Server,
  signedAsPeer,
  spawnReference,
  spawnServer,
  spread,
  sqlDelta,
  sqlSum,
  waitForHttp,
  withApp,
} from "./support.ts";

const N = Number(process.env.BENCH_N ?? 1000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);

interface Figures {
  /** Accepted deliveries per CPU-second of the accepting process (which on PGlite is also processing). */
  acceptedPerCpu: number;
  acceptedPerSecond: number;
  /** Processed end to end per CPU-second of every server process, and of the database's backends on PostgreSQL. */
  processedPerCpu: number;
  processed: number;
  accepted: number;
  refused: number;
  sql?: { web: SqlCounts; all: SqlCounts };
  /** CPU milliseconds per processed delivery: each server process, then the database's backends (PostgreSQL). */
  cpuMsPer?: { process: number[]; database: number | null };
}

/** Signs N deliveries of a public post to `inbox`, everything before the clock starts. */
function signDeliveries(peer: MastodonPeer, inbox: string, bodyUri: string, n: number): { body: string; headers: Record<string, string> }[] {
  return Array.from({ length: n }, (_, i) => {
    const noteId = peer.newId("notes");
    const note = {
      id: noteId,
      type: "Note",
      attributedTo: peer.actorId,
      content: `<p>Bench post ${i}</p>`,
      to: ["https://www.w3.org/ns/activitystreams#Public"],
      cc: [bodyUri],
      published: new Date().toISOString(),
    };
    peer.serve(noteId, { "@context": "https://www.w3.org/ns/activitystreams", ...note });
    const body = JSON.stringify({
      "@context": "https://www.w3.org/ns/activitystreams",
      id: peer.newId(),
      type: "Create",
      actor: peer.actorId,
      object: note,
      to: note.to,
      cc: note.cc,
    });
    return { body, headers: signedAsPeer(peer, inbox, body) };
  });
}

async function send(inbox: string, requests: { body: string; headers: Record<string, string> }[]): Promise<{ accepted: number; refused: number; ms: number }> {
  let accepted = 0;
  let refused = 0;
  const t0 = performance.now();
  await pool(requests, CONCURRENCY, async (r) => {
    const res = await fetch(inbox, { method: "POST", headers: r.headers, body: r.body });
    await res.arrayBuffer();
    if (res.status === 202) accepted++;
    else refused++;
  });
  return { accepted, refused, ms: performance.now() - t0 };
}

async function measureReference(peer: MastodonPeer, port: number): Promise<Figures> {
  const ref = await spawnReference(benchIp(15), port);
  try {
    const inbox = `${ref.origin}/ap/inbox`;
    const count = async () => ((await (await fetch(`${ref.origin}/bench/count`)).json()) as { processed: number }).processed;
    const requests = signDeliveries(peer, inbox, `${ref.origin}/ap/actors/bench`, N + 1);
    const warm = requests.shift()!;
    await fetch(inbox, { method: "POST", headers: warm.headers, body: warm.body });
    while ((await count()) < 1) await new Promise((r) => setTimeout(r, 20));
    const cpu0 = cpuSeconds(ref.pid);
    const { accepted, refused, ms } = await send(inbox, requests);
    const cpuAccept = cpuSeconds(ref.pid) - cpu0;
    const deadline = Date.now() + 300_000;
    while ((await count()) < 1 + accepted && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const processed = (await count()) - 1;
    const cpuAll = cpuSeconds(ref.pid) - cpu0;
    return { acceptedPerCpu: accepted / cpuAccept, acceptedPerSecond: (accepted / ms) * 1000, processedPerCpu: processed / cpuAll, processed, accepted, refused };
  } finally {
    await ref.stop();
  }
}

async function measureFolkmoot(peer: MastodonPeer, backend: "pglite" | "postgres", port: number): Promise<Figures> {
  const target = await prepareTarget(backend, benchIp(13), port);
  const servers: Server[] = [];
  try {
    const bodyUri = await withApp(target, async (app) => {
      const body = await operations["body.create"](app, { handle: "bench", kind: "assembly" });
      await operations["member.add"](app, { body: "bench", member: peer.actorId });
      return body.id;
    });
    const inbox = `${target.origin}/ap/inbox`;
    const requests = signDeliveries(peer, inbox, bodyUri, N + 1);
    // On PostgreSQL the web and worker roles run as two processes, so accepting
    // (signature checks, enqueue) and processing are measured apart.
    const split = backend === "postgres";
    // One origin sends everything as fast as it can: its budget is lifted, since this measures
    // what processing costs, not the per-origin bound (bench:inbox-attack measures that).
    const env = { ...target.env, INBOX_ORIGIN_RATE: "1000000" };
    const server = spawnServer(split ? { ...env, ROLE: "web" } : env, { countSql: true });
    servers.push(server);
    const worker = split ? spawnServer({ ...env, ROLE: "worker" }, { countSql: true }) : null;
    if (worker) servers.push(worker);
    await waitForHttp(`${target.origin}/healthz`);
    // Warm the key cache with one delivery, as a running server would have it.
    const warm = requests.shift()!;
    await fetch(inbox, { method: "POST", headers: warm.headers, body: warm.body });
    const outboxCount = async () => ((await (await fetch(`${bodyUri}/outbox`, { headers: { accept: "application/activity+json" } })).json()) as { totalItems: number }).totalItems;
    while ((await outboxCount()) < 2) await new Promise((r) => setTimeout(r, 50));

    const dbCpu = split ? new DatabaseCpu(target.env.DATABASE_URL!) : null;
    await dbCpu?.start();
    const sql0 = await Promise.all(servers.map((s) => s.sqlCounts()));
    const cpu0 = servers.map((s) => cpuSeconds(s.pid));
    const { accepted, refused, ms } = await send(inbox, requests);
    const cpuAccept = cpuSeconds(server.pid) - cpu0[0]!;
    const sqlWeb = sqlDelta(sql0[0]!, await server.sqlCounts());
    const expected = 2 + accepted * 2; // two announces per accepted post
    const deadline = Date.now() + 300_000;
    while ((await outboxCount()) < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    // The outbox row is written in the effect's transaction; let the idempotence record and the ack follow.
    await new Promise((r) => setTimeout(r, 300));
    const sql1 = await Promise.all(servers.map((s) => s.sqlCounts()));
    const cpuEach = servers.map((s, i) => cpuSeconds(s.pid) - cpu0[i]!);
    const cpuDb = (await dbCpu?.stop()) ?? null;
    const cpuAll = cpuEach.reduce((a, b) => a + b, 0) + (cpuDb ?? 0);
    const processed = ((await outboxCount()) - 2) / 2;
    return {
      acceptedPerCpu: accepted / cpuAccept,
      acceptedPerSecond: (accepted / ms) * 1000,
      processedPerCpu: processed / cpuAll,
      processed,
      accepted,
      refused,
      sql: { web: sqlWeb, all: sqlSum(...servers.map((_, i) => sqlDelta(sql0[i]!, sql1[i]!))) },
      cpuMsPer: { process: cpuEach.map((c) => (c / processed) * 1000), database: cpuDb === null ? null : (cpuDb / processed) * 1000 },
    };
  } finally {
    for (const s of servers) await s.stop();
    await target.cleanup();
  }
}

const results: Record<string, Figures[]> = { reference: [] };
const ratios: Record<string, { accepted: number[]; processed: number[] }> = {};
for (let run = 1; run <= RUNS; run++) {
  const peer = await startMastodonPeer({ host: benchIp(12) });
  try {
    const ref = await measureReference(peer, 23_150 + run);
    results.reference!.push(ref);
    console.log(
      `run ${run} [bare Fedify reference] ${ref.accepted} accepted (refused ${ref.refused}) at ${fmt(ref.acceptedPerSecond, 0)}/s, ` +
        `${fmt(ref.acceptedPerCpu, 0)} per CPU-second; ${ref.processed} processed, ${fmt(ref.processedPerCpu, 0)} per CPU-second end to end (load ${loadAverage()})`,
    );
    for (const backend of backends()) {
      const f = await measureFolkmoot(peer, backend, 23_100 + run * 10 + (backend === "postgres" ? 1 : 0));
      (results[backend] ??= []).push(f);
      const r = (ratios[backend] ??= { accepted: [], processed: [] });
      r.accepted.push(f.acceptedPerCpu / ref.acceptedPerCpu);
      r.processed.push(f.processedPerCpu / ref.processedPerCpu);
      const split = backend === "postgres";
      console.log(
        `run ${run} [Folkmoot, ${backend}${split ? ", web + worker processes" : ", one process"}] ${f.accepted} accepted (refused ${f.refused}) at ${fmt(f.acceptedPerSecond, 0)}/s, ` +
          `${fmt(f.acceptedPerCpu, 0)} per CPU-second of the ${split ? "web process alone" : "process, which was also processing"} (${fmt(f.acceptedPerCpu / ref.acceptedPerCpu, 2)}× the reference); ` +
          `${f.processed} processed, ${fmt(f.processedPerCpu, 0)} per CPU-second end to end${split ? " counting the database's backends" : ""} (${fmt(f.processedPerCpu / ref.processedPerCpu, 2)}× the reference) (load ${loadAverage()})`,
      );
      if (f.cpuMsPer) {
        const names = split ? ["web process", "worker process"] : ["the process"];
        const parts = f.cpuMsPer.process.map((ms, i) => `${names[i]} ${fmt(ms, 2)}`);
        if (f.cpuMsPer.database !== null) parts.push(`database backends ${fmt(f.cpuMsPer.database, 2)}`);
        console.log(`  CPU ms per processed delivery: ${parts.join(", ")} (the reference: ${fmt(1000 / ref.processedPerCpu, 2)} in all)`);
      }
      if (f.sql) {
        if (split) console.log(`  SQL per accepted delivery, web process (accepting): ${describeSql(f.sql.web, f.accepted)}`);
        console.log(`  SQL per accepted delivery, all processes, end to end: ${describeSql(f.sql.all, f.accepted)}`);
      }
    }
  } finally {
    await peer.close();
  }
}
console.log(`\nmin / median / max of ${RUNS} runs, N=${N}, concurrency ${CONCURRENCY} (load now ${loadAverage()}):`);
for (const [name, fs] of Object.entries(results)) {
  const line = [`[${name}] accepted per CPU-second ${spread(fs.map((f) => f.acceptedPerCpu))}`, `processed per CPU-second ${spread(fs.map((f) => f.processedPerCpu))}`];
  const r = ratios[name];
  if (r) line.push(`ratio to the reference: accepted ${spread(r.accepted, 2)}, processed end to end ${spread(r.processed, 2)}`);
  if (fs[0]?.sql)
    line.push(
      `SQL statements per accepted delivery ${spread(
        fs.map((f) => f.sql!.all.total / f.accepted),
        2,
      )}`,
    );
  console.log(line.join("; "));
}
