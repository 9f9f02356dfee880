// /healthz latency while one client sends worst-case payloads to the inbox as fast as it
// can: unsigned and signed, each for a few seconds, one connection. The server runs as
// its own process; this process only sends pre-built requests and probes /healthz every
// 20 ms. Goal: p99 under 50 ms in every phase.
// Usage: npm run bench:inbox-attack   (BENCH_PHASE_SECONDS=8; BENCH_DATABASE_URL adds PostgreSQL)
import { operations } from "../src/cli/operations.ts";
import { startMastodonPeer } from "../test/support/mastodon-peer.ts";
import { backends, fmt, prepareTarget, signedAsPeer, spawnServer, waitForHttp, withApp } from "./support.ts";

const PHASE_MS = Number(process.env.BENCH_PHASE_SECONDS ?? 8) * 1000;
const AS = "https://www.w3.org/ns/activitystreams";

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

for (const backend of backends()) {
  const peer = await startMastodonPeer({ host: "127.0.0.14" });
  const target = await prepareTarget(backend, "127.0.0.15", 23_300);
  try {
    const bodyUri = await withApp(target, async (app) => (await operations["body.create"](app, { handle: "bench", kind: "assembly", admission: "open" })).id);
    const inbox = `${bodyUri}/inbox`;
    const server = spawnServer(target.env);
    await waitForHttp(`${target.origin}/healthz`);

    const sign = (body: string) => signedAsPeer(peer, inbox, body);
    // About 400 KB: an array of 200,000 numbers (the campaign's payload).
    const array = `[${new Array(200_000).fill(1).join(",")}]`;
    // An activity as wide as a valid one may be: many nested objects, a context to expand.
    const wide = JSON.stringify({
      "@context": [AS, "https://w3id.org/security/v1"],
      id: peer.newId(),
      type: "Create",
      actor: peer.actorId,
      object: {
        id: peer.newId(),
        type: "Note",
        attributedTo: peer.actorId,
        content: "x".repeat(50_000),
        tag: Array.from({ length: 900 }, (_, i) => ({ type: "Mention", href: `${peer.actorId}/${i}`, name: `@m${i}` })),
      },
    });
    const phases: { name: string; request: () => { body: string; headers: Record<string, string> } }[] = [
      { name: "idle (no attack)", request: () => ({ body: "", headers: {} }) },
      { name: "unsigned 400 KB array", request: () => ({ body: array, headers: { "content-type": "application/activity+json" } }) },
      { name: "signed 400 KB array", request: () => ({ body: array, headers: sign(array) }) },
      { name: "unsigned wide activity", request: () => ({ body: wide, headers: { "content-type": "application/activity+json" } }) },
      { name: "signed wide activity", request: () => ({ body: wide, headers: sign(wide) }) },
    ];
    console.log(`\n${backend}: /healthz latency while one client attacks the inbox (${PHASE_MS / 1000} s a phase)`);
    console.log("phase                      attack req/s  statuses          healthz p50   p99    max (ms)");
    for (const phase of phases) {
      const end = Date.now() + PHASE_MS;
      const statuses = new Map<number, number>();
      let sent = 0;
      const attack = (async () => {
        if (phase.name.startsWith("idle")) return;
        // Signed once per phase: a Date header stays valid for the whole phase.
        const r = phase.request();
        while (Date.now() < end) {
          const res = await fetch(inbox, { method: "POST", headers: r.headers, body: r.body }).catch(() => null);
          await res?.arrayBuffer();
          sent++;
          statuses.set(res?.status ?? 0, (statuses.get(res?.status ?? 0) ?? 0) + 1);
        }
      })();
      const latencies: number[] = [];
      while (Date.now() < end) {
        const t0 = performance.now();
        await (await fetch(`${target.origin}/healthz`)).arrayBuffer();
        latencies.push(performance.now() - t0);
        await new Promise((r) => setTimeout(r, 20));
      }
      await attack;
      latencies.sort((x, y) => x - y);
      const st = [...statuses].map(([s, n]) => `${s}×${n}`).join(" ") || "-";
      console.log(
        `${phase.name.padEnd(26)} ${fmt(sent / (PHASE_MS / 1000)).padStart(12)}  ${st.padEnd(16)}  ${fmt(percentile(latencies, 50)).padStart(11)} ${fmt(percentile(latencies, 99)).padStart(6)} ${fmt(latencies.at(-1) ?? Number.NaN).padStart(6)}`,
      );
    }
    server.child.kill("SIGTERM");
    await server.exited;
  } finally {
    await peer.close();
    await target.cleanup();
  }
}
