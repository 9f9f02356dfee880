// 10,000 fuzzed activities, half of them signed by a real actor, sent to a running
// instance's inbox; prints the answers by status. Goal: no 5xx, and the server still
// serving at the end. The same generator runs a few hundred cases in the test suite
// (test/integration/inbox-hostile.test.ts).
// Usage: npm run fuzz:inbox   (FUZZ_N=10000, FUZZ_SEED=1; BENCH_DATABASE_URL adds PostgreSQL)
import fc from "fast-check";
import { operations } from "../src/cli/operations.ts";
import { fuzzActivity } from "../test/support/fuzz-activities.ts";
import { startMastodonPeer } from "../test/support/mastodon-peer.ts";
import { backends, pool, prepareTarget, spawnServer, waitForHttp, withApp } from "./support.ts";

const N = Number(process.env.FUZZ_N ?? 10_000);
const SEED = Number(process.env.FUZZ_SEED ?? 1);

for (const backend of backends()) {
  const peer = await startMastodonPeer({ host: "127.0.0.16" });
  const target = await prepareTarget(backend, "127.0.0.17", 23_400);
  try {
    const bodyUri = await withApp(target, async (app) => (await operations["body.create"](app, { handle: "fuzz", kind: "assembly", admission: "open" })).id);
    const server = spawnServer(target.env);
    await waitForHttp(`${target.origin}/healthz`);
    const cases = fc.sample(fc.tuple(fuzzActivity({ actor: peer.actorId, target: bodyUri, newId: () => peer.newId() }), fc.boolean()), { numRuns: N, seed: SEED });
    const statuses = new Map<number, number>();
    const examples = new Map<number, string>();
    const t0 = performance.now();
    await pool(cases, 8, async ([activity, signed]) => {
      const raw = JSON.stringify(activity);
      const res = await peer.post(`${bodyUri}/inbox`, {}, { rawBody: raw, ...(signed ? {} : { unsigned: true }) }).catch(() => ({ status: 0, body: "" }));
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      if (!examples.has(res.status)) examples.set(res.status, raw.slice(0, 300));
    });
    const seconds = (performance.now() - t0) / 1000;
    const health = (await fetch(`${target.origin}/healthz`)).status;
    console.log(`\n${backend}: ${N} fuzzed activities (seed ${SEED}) in ${seconds.toFixed(1)} s; /healthz then ${health}`);
    for (const [status, n] of [...statuses].sort((x, y) => x[0] - y[0])) console.log(`  ${status}: ${n}`);
    const fivexx = [...statuses].filter(([s]) => s >= 500 || s === 0);
    for (const [status] of fivexx) console.log(`  example of ${status}: ${examples.get(status)}`);
    console.log(fivexx.length === 0 && health === 200 ? "  no 5xx, and the server still serves" : "  FAILED: 5xx answers, or the server stopped serving");
    await server.stop();
    if (fivexx.length > 0 || health !== 200) process.exitCode = 1;
  } finally {
    await peer.close();
    await target.cleanup();
  }
}
