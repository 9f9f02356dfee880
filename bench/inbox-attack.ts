// /healthz latency while one client sends worst-case payloads to the inbox as fast as it
// can: unsigned and signed, each for a few seconds, one connection. The server runs as
// its own process; this process sends the requests, and a worker thread of its own probes
// /healthz every 20 ms (so that building and signing the attack's requests here never
// delays a probe and is never counted as the server's latency). Goal: p99 under 50 ms in
// every phase.
// Usage: npm run bench:inbox-attack   (BENCH_PHASE_SECONDS=8; BENCH_PHASES="signed wide" runs only the phases
// whose name contains it; BENCH_CPU_PROFILE=<dir> profiles the server; BENCH_DATABASE_URL adds PostgreSQL)
import { loadavg } from "node:os";
import { Worker } from "node:worker_threads";
import { operations } from "../src/cli/operations.ts";
import { INBOX_JSON_LIMITS, jsonShape } from "../src/federation/inbox-guard.ts";
import { startMastodonPeer } from "../test/support/mastodon-peer.ts";
import { backends, cpuSeconds, fmt, prepareTarget, signedAsPeer, spawnServer, waitForHttp, withApp } from "./support.ts";

const PHASE_MS = Number(process.env.BENCH_PHASE_SECONDS ?? 8) * 1000;
/** Only the phases whose name contains this (e.g. "signed wide"). */
const ONLY = process.env.BENCH_PHASES;
const AS = "https://www.w3.org/ns/activitystreams";

// The prober: its own event loop, so only the server's answer time is measured.
const PROBER = `
const { parentPort, workerData } = require("node:worker_threads");
(async () => {
  const latencies = [];
  while (Date.now() < workerData.end) {
    const t0 = performance.now();
    const res = await fetch(workerData.url);
    await res.arrayBuffer();
    latencies.push(performance.now() - t0);
    await new Promise((r) => setTimeout(r, 20));
  }
  parentPort.postMessage(latencies);
})();
`;

function probeHealth(url: string, end: number): Promise<number[]> {
  const worker = new Worker(PROBER, { eval: true, workerData: { url, end } });
  return new Promise((resolve, reject) => {
    worker.once("message", (latencies: number[]) => {
      void worker.terminate();
      resolve(latencies);
    });
    worker.once("error", reject);
  });
}

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
    // The campaign's wide activity: many nested objects, a context to expand (900 tags:
    // within the bounds before they were lowered, refused with 400 since).
    const mention = (i: number) => ({ type: "Mention", href: `${peer.actorId}/${i}`, name: `@m${i}` });
    const create = (tags: number, id = peer.newId()) => ({
      "@context": [AS, "https://w3id.org/security/v1"],
      id,
      type: "Create",
      actor: peer.actorId,
      object: { id: `${id}/note`, type: "Note", attributedTo: peer.actorId, content: "x".repeat(50_000), tag: Array.from({ length: tags }, (_, i) => mention(i)) },
    });
    const wide = JSON.stringify(create(900));
    // The widest and the deepest activities the bounds let through: as many tags, or as
    // many Announces wrapped around a note with tags, as the work bound allows.
    const largest = (make: (n: number) => unknown) => {
      let n = 1;
      while (!("problem" in jsonShape(JSON.stringify(make(n + 1))))) n++;
      return n;
    };
    const widest = largest((n) => create(n));
    const deep = (tags: number, id = peer.newId()) => {
      let object: Record<string, unknown> = { id: `${id}/note`, type: "Note", attributedTo: peer.actorId, content: "x", tag: Array.from({ length: tags }, (_, i) => mention(i)) };
      for (let d = 0; d < INBOX_JSON_LIMITS.maxDepth - 4; d++) object = { id: `${id}/${d}`, type: "Announce", actor: peer.actorId, object };
      return { "@context": AS, ...object, id };
    };
    const deepest = largest((n) => deep(n));
    const signedFresh = (make: () => unknown) => () => {
      const body = JSON.stringify(make());
      return { body, headers: sign(body) };
    };
    const phases: { name: string; fresh?: boolean; request: () => { body: string; headers: Record<string, string> } }[] = [
      { name: "idle (no attack)", request: () => ({ body: "", headers: {} }) },
      { name: "unsigned 400 KB array", request: () => ({ body: array, headers: { "content-type": "application/activity+json" } }) },
      { name: "signed 400 KB array", request: () => ({ body: array, headers: sign(array) }) },
      { name: "unsigned wide activity", request: () => ({ body: wide, headers: { "content-type": "application/activity+json" } }) },
      { name: "signed wide activity", request: () => ({ body: wide, headers: sign(wide) }) },
      { name: `signed widest in bounds`, request: signedFresh(() => create(widest)) },
      { name: `signed deepest in bounds`, request: signedFresh(() => deep(deepest)) },
      { name: "signed widest, new ids", fresh: true, request: signedFresh(() => create(widest)) },
    ];
    console.log(`\nwidest in bounds: a Create with ${widest} tags; deepest: ${INBOX_JSON_LIMITS.maxDepth - 4} Announces around a note with ${deepest} tags`);
    console.log(`\n${backend}: /healthz latency while one client attacks the inbox (${PHASE_MS / 1000} s a phase)`);
    // The server's CPU time in the phase, as a share of one core: what the attack costs it,
    // whatever else the machine is doing (the latencies also measure the machine's load).
    console.log("phase                        attack req/s  statuses          healthz p50   p99    max (ms)  server CPU  load (1 min)");
    for (const phase of phases.filter((p) => !ONLY || p.name.includes(ONLY))) {
      const end = Date.now() + PHASE_MS;
      const cpu0 = cpuSeconds(server.pid);
      const statuses = new Map<number, number>();
      let sent = 0;
      const attack = (async () => {
        if (phase.name.startsWith("idle")) return;
        // Signed once per phase: a Date header stays valid for the whole phase.
        const once = phase.request();
        while (Date.now() < end) {
          const r = phase.fresh ? phase.request() : once;
          const res = await fetch(inbox, { method: "POST", headers: r.headers, body: r.body }).catch(() => null);
          await res?.arrayBuffer();
          sent++;
          statuses.set(res?.status ?? 0, (statuses.get(res?.status ?? 0) ?? 0) + 1);
        }
      })();
      const latencies = await probeHealth(`${target.origin}/healthz`, end);
      await attack;
      const cpu = (cpuSeconds(server.pid) - cpu0) / (PHASE_MS / 1000);
      latencies.sort((x, y) => x - y);
      const st = [...statuses].map(([s, n]) => `${s}×${n}`).join(" ") || "-";
      console.log(
        `${phase.name.padEnd(28)} ${fmt(sent / (PHASE_MS / 1000)).padStart(12)}  ${st.padEnd(16)}  ${fmt(percentile(latencies, 50)).padStart(11)} ${fmt(percentile(latencies, 99)).padStart(6)} ${fmt(latencies.at(-1) ?? Number.NaN).padStart(6)}  ${`${fmt(cpu * 100, 0)} %`.padStart(10)}  ${fmt(loadavg()[0]!, 2).padStart(12)}`,
      );
    }
    server.child.kill("SIGTERM");
    await server.exited;
  } finally {
    await peer.close();
    await target.cleanup();
  }
}
