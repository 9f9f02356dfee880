// Signed inbox deliveries per second, accepted (HTTP 202) and processed (the
// post stored and announced), as a Mastodon server would send them.
// Usage: npm run bench:inbox   (BENCH_N=1000, BENCH_CONCURRENCY=16; BENCH_DATABASE_URL adds PostgreSQL)
import { operations } from "../src/cli/operations.ts";
import { startMastodonPeer } from "../test/support/mastodon-peer.ts";
import { backends, cpuSeconds, fmt, pool, prepareTarget, signedAsPeer, spawnServer, waitForHttp, withApp } from "./support.ts";

const N = Number(process.env.BENCH_N ?? 1000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);

for (const backend of backends()) {
  const peer = await startMastodonPeer({ host: "127.0.0.12" });
  const target = await prepareTarget(backend, "127.0.0.13", 23_100);
  try {
    const bodyUri = await withApp(target, async (app) => {
      const body = await operations["body.create"](app, { handle: "bench", kind: "assembly" });
      await operations["member.add"](app, { body: "bench", member: peer.actorId });
      return body.id;
    });
    const inbox = `${target.origin}/ap/inbox`;
    // Sign everything first, so the figures measure the server, not this client.
    const requests = Array.from({ length: N }, (_, i) => {
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
      const headers = signedAsPeer(peer, inbox, body);
      return { body, headers };
    });

    // On PostgreSQL the web and worker roles run as two processes, so accepting
    // (signature checks, enqueue) and processing are measured apart.
    const split = backend === "postgres";
    const server = spawnServer(split ? { ...target.env, ROLE: "web" } : target.env);
    const worker = split ? spawnServer({ ...target.env, ROLE: "worker" }) : null;
    await waitForHttp(`${target.origin}/healthz`);
    // Warm the key cache with one delivery, as a running server would have it.
    const warm = requests.shift()!;
    await fetch(inbox, { method: "POST", headers: warm.headers, body: warm.body });
    const outboxCount = async () => ((await (await fetch(`${bodyUri}/outbox`, { headers: { accept: "application/activity+json" } })).json()) as { totalItems: number }).totalItems;
    while ((await outboxCount()) < 2) await new Promise((r) => setTimeout(r, 50));

    const cpu0 = cpuSeconds(server.pid);
    const workerCpu0 = worker ? cpuSeconds(worker.pid) : 0;
    const t0 = performance.now();
    let accepted = 0;
    let refused = 0;
    await pool(requests, CONCURRENCY, async (r) => {
      const res = await fetch(inbox, { method: "POST", headers: r.headers, body: r.body });
      await res.arrayBuffer();
      if (res.status === 202) accepted++;
      else refused++;
    });
    const acceptMs = performance.now() - t0;
    const cpuAccept = cpuSeconds(server.pid) - cpu0;
    const expected = 2 + requests.length * 2; // two announces per post
    const deadline = Date.now() + 300_000;
    while ((await outboxCount()) < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const doneMs = performance.now() - t0;
    const cpuAll = cpuSeconds(server.pid) - cpu0 + (worker ? cpuSeconds(worker.pid) - workerCpu0 : 0);
    const processed = ((await outboxCount()) - 2) / 2;
    await server.stop();
    await worker?.stop();
    console.log(
      `[${backend}${split ? ", web + worker processes" : ", one process"}] ${requests.length} signed deliveries, concurrency ${CONCURRENCY}: ` +
        `accepted ${accepted} (refused ${refused}) at ${fmt((accepted / acceptMs) * 1000, 0)}/s ` +
        `(${fmt(accepted / cpuAccept, 0)} per CPU-second of the ${split ? "web process alone" : "process, which was also processing"}); ` +
        `processed ${processed} at ${fmt((processed / doneMs) * 1000, 0)}/s end to end ` +
        `(${fmt(processed / cpuAll, 0)} per CPU-second, accept + process, all processes)`,
    );
  } finally {
    await peer.close();
    await target.cleanup();
  }
}
