// One web process and one, then two, worker processes against one PostgreSQL database:
// the same signed inbox load (N public posts to a body, signed as Mastodon signs them), and
// how fast the workers drain it, in deliveries per second and per CPU-second (the workers'
// and the database's backends'), and whether every delivery was processed exactly once
// (counted in the records: one stored note, one inbox_log row and two announces (of the note and of its Create) per post,
// none left in the queue).
//
// The deliveries are accepted by the web process while the workers are stopped (SIGSTOP),
// so the figure is the workers' processing rate, not the web process's accepting rate;
// then the workers are continued and the clock runs until every post is announced.
// Usage: BENCH_DATABASE_URL=postgres://… npm run bench:workers
//        (BENCH_N=600, BENCH_CONCURRENCY=16, BENCH_WARM=30 per worker, BENCH_RUNS=3, BENCH_WORKERS=1,2, QUEUE_WORKERS as the server's default)
import pg from "pg";
import { operations } from "../src/cli/operations.ts";
import { type MastodonPeer, startMastodonPeer } from "../test/support/mastodon-peer.ts";
import {
  cpuSeconds,
  DatabaseCpu,
  fmt,
  loadAverage,
  pool,
  prepareTarget,
  RUNS,
  rssMiB,
  type Server,
  signedAsPeer,
  spawnServer,
  spawnWorker,
  spread,
  waitForHttp,
  withApp,
} from "./support.ts";

const N = Number(process.env.BENCH_N ?? 600);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
/** Warm-up deliveries per worker, not counted. */
const WARM = Number(process.env.BENCH_WARM ?? 30);
const WORKER_COUNTS = (process.env.BENCH_WORKERS ?? "1,2").split(",").map(Number);
const HOST = "127.0.0.190";
const PEER_HOST = "127.0.0.191";
const PORT = Number(process.env.BENCH_PORT ?? 23_190);

if (!process.env.BENCH_DATABASE_URL) {
  console.error("bench:workers needs PostgreSQL: set BENCH_DATABASE_URL=postgres://user@host:5432/postgres (an admin URL; a fresh database is made per run)");
  process.exit(2);
}

interface Figures {
  workers: number;
  accepted: number;
  perSecond: number;
  perCpu: number;
  workerCpu: number;
  databaseCpu: number;
  check: Check;
}

interface Check {
  notesStored: number;
  inboxLogged: number;
  announces: number;
  postsWithOtherThanTwoAnnounces: number;
  leftInQueue: number;
}

function signDeliveries(peer: MastodonPeer, inbox: string, bodyUri: string, n: number): { noteId: string; createId: string; body: string; headers: Record<string, string> }[] {
  return Array.from({ length: n }, (_, i) => {
    const noteId = peer.newId("notes");
    const note = {
      id: noteId,
      type: "Note",
      attributedTo: peer.actorId,
      content: `<p>Workers bench post ${i}</p>`,
      to: ["https://www.w3.org/ns/activitystreams#Public"],
      cc: [bodyUri],
      published: new Date().toISOString(),
    };
    peer.serve(noteId, { "@context": "https://www.w3.org/ns/activitystreams", ...note });
    const createId = peer.newId();
    const body = JSON.stringify({ "@context": "https://www.w3.org/ns/activitystreams", id: createId, type: "Create", actor: peer.actorId, object: note, to: note.to, cc: note.cc });
    return { noteId, createId, body, headers: signedAsPeer(peer, inbox, body) };
  });
}

async function measure(peer: MastodonPeer, workers: number, run: number): Promise<Figures> {
  const target = await prepareTarget("postgres", HOST, PORT + run);
  const servers: Server[] = [];
  const client = new pg.Client({ connectionString: target.env.DATABASE_URL });
  try {
    const { bodyUri, bodyId } = await withApp(target, async (app) => {
      const body = await operations["body.create"](app, { handle: "bench", kind: "assembly" });
      await operations["member.add"](app, { body: "bench", member: peer.actorId });
      const row = await app.db.selectFrom("actors").select("id").where("handle", "=", "bench").executeTakeFirstOrThrow();
      return { bodyUri: body.id, bodyId: row.id };
    });
    await client.connect();
    // One origin sends everything at once: its budget is lifted (this measures the workers, not the per-origin bound).
    const web = spawnServer({ ...target.env, ROLE: "web", INBOX_ORIGIN_RATE: "1000000" });
    servers.push(web);
    const ws = Array.from({ length: workers }, () => spawnWorker(target.env));
    servers.push(...ws);
    await waitForHttp(`${target.origin}/healthz`);
    await Promise.all(ws.map((w) => w.ready));
    const inbox = `${target.origin}/ap/inbox`;
    const requests = signDeliveries(peer, inbox, bodyUri, N + WARM * workers);
    const announced = async () =>
      Number((await client.query<{ n: string }>("select count(*) as n from activities where actor_id = $1 and type = 'Announce'", [bodyId])).rows[0]!.n);
    // Each worker warms up alone (the others stopped): WARM deliveries through the whole
    // path, so that every worker has the sender's key cached and its code compiled, as a
    // running instance's workers would.
    let warmed = 0;
    for (const w of ws) {
      for (const other of ws) if (other !== w) other.child.kill("SIGSTOP");
      const batch = requests.splice(0, WARM);
      await pool(batch, 4, async (r) => {
        const res = await fetch(inbox, { method: "POST", headers: r.headers, body: r.body });
        await res.arrayBuffer();
        if (res.status === 202) warmed++;
      });
      for (let i = 0; i < 1200 && (await announced()) < 2 * warmed; i++) await new Promise((r) => setTimeout(r, 50));
      if ((await announced()) < 2 * warmed) throw new Error("the warm-up deliveries were not processed within 60 s");
      for (const other of ws) if (other !== w) other.child.kill("SIGCONT");
    }
    await new Promise((r) => setTimeout(r, 500));

    // Fill the queue with the workers stopped.
    for (const w of ws) w.child.kill("SIGSTOP");
    const acceptedRequests: typeof requests = [];
    const refusals = new Map<number, number>();
    await pool(requests, CONCURRENCY, async (r) => {
      const res = await fetch(inbox, { method: "POST", headers: r.headers, body: r.body });
      await res.arrayBuffer();
      if (res.status === 202) acceptedRequests.push(r);
      else refusals.set(res.status, (refusals.get(res.status) ?? 0) + 1);
    });
    const accepted = acceptedRequests.length;
    const dbCpu = new DatabaseCpu(target.env.DATABASE_URL!);
    await dbCpu.start();
    const cpu0 = ws.map((w) => cpuSeconds(w.pid));
    const t0 = performance.now();
    for (const w of ws) w.child.kill("SIGCONT");
    const expected = 2 * warmed + accepted * 2;
    const deadline = Date.now() + 600_000;
    while ((await announced()) < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const ms = performance.now() - t0;
    const perWorker = ws.map((w, i) => cpuSeconds(w.pid) - cpu0[i]!);
    const workerCpu = perWorker.reduce((a, b) => a + b, 0);
    const databaseCpu = await dbCpu.stop();
    // Let the acks and idempotence records follow the last effect, then count.
    await new Promise((r) => setTimeout(r, 2000));
    // Only the accepted deliveries are expected in the records (a refused one is the sender's to retry).
    const notes = acceptedRequests.map((r) => r.noteId);
    const q = async (text: string, params: unknown[] = []) => Number((await client.query<{ n: string }>(text, params)).rows[0]!.n);
    const check: Check = {
      notesStored: await q("select count(*) as n from objects where uri = any($1)", [notes]),
      inboxLogged: (await q("select count(*) as n from inbox_log where actor_uri = $1 and type = 'Create'", [peer.actorId])) - warmed,
      announces: (await announced()) - 2 * warmed,
      postsWithOtherThanTwoAnnounces: await q(
        "select count(*) as n from (select (select count(*) from activities a where a.actor_id = $3 and a.type = 'Announce' and a.object_uri in (p.note, p.act)) as c from unnest($1::text[], $2::text[]) as p(note, act)) t where c <> 2",
        [notes, acceptedRequests.map((r) => r.createId), bodyId],
      ),
      leftInQueue: await q("select count(*) as n from fedify_mq"),
    };
    const processed = check.announces / 2;
    const rss = ws.map((w) => fmt(rssMiB(w.pid), 0)).join(", ");
    console.log(
      `  run ${run}, ${workers} worker${workers > 1 ? "s" : ""}: ${accepted} accepted${refusals.size ? ` (refused: ${[...refusals].map(([s, n]) => `${n} × HTTP ${s}`).join(", ")})` : ""}, ${processed} processed in ${fmt(ms / 1000, 2)} s; ` +
        `CPU: workers ${perWorker.map((c) => fmt(c, 2)).join(" + ")} s, database ${fmt(databaseCpu, 2)} s; workers' RSS ${rss} MiB (load ${loadAverage()})`,
    );
    return { workers, accepted, perSecond: (processed / ms) * 1000, perCpu: processed / (workerCpu + databaseCpu), workerCpu, databaseCpu, check };
  } finally {
    await client.end().catch(() => {});
    for (const s of servers) await s.stop();
    await target.cleanup();
  }
}

const results = new Map<number, Figures[]>();
const peer = await startMastodonPeer({ host: PEER_HOST });
try {
  for (let run = 1; run <= RUNS; run++) {
    for (const workers of WORKER_COUNTS) {
      const f = await measure(peer, workers, run * 10 + workers);
      const list = results.get(workers) ?? [];
      list.push(f);
      results.set(workers, list);
      const c = f.check;
      const exact = c.notesStored === f.accepted && c.inboxLogged === f.accepted && c.announces === 2 * f.accepted && c.postsWithOtherThanTwoAnnounces === 0;
      console.log(
        `  records: ${c.notesStored} notes stored, ${c.inboxLogged} Creates in inbox_log, ${c.announces} announces, ` +
          `${c.postsWithOtherThanTwoAnnounces} posts without exactly two announces, ${c.leftInQueue} messages left in the queue: ${exact ? "each delivery processed exactly once" : "MISMATCH"}`,
      );
    }
  }
} finally {
  await peer.close();
}
console.log(`\nmin / median / max of ${RUNS} runs, N=${N} deliveries queued, then processed (load now ${loadAverage()}):`);
for (const [workers, fs] of results) {
  console.log(
    `[web + ${workers} worker${workers > 1 ? "s" : ""}] processed per second ${spread(fs.map((f) => f.perSecond))}; ` +
      `per CPU-second of the workers and the database's backends ${spread(fs.map((f) => f.perCpu))}; ` +
      `workers' CPU-seconds ${spread(
        fs.map((f) => f.workerCpu),
        1,
      )}, database's ${spread(
        fs.map((f) => f.databaseCpu),
        1,
      )}`,
  );
}
