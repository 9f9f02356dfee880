// Cold start to the first HTTP 200, and idle resident memory, of `node src/main.ts`.
// Usage: npm run bench:startup   (BENCH_DATABASE_URL=postgres://... adds PostgreSQL)
import { backends, fmt, prepareTarget, rssMiB, spawnServer, waitForHttp } from "./support.ts";

const RUNS = 3;

for (const backend of backends()) {
  const colds: number[] = [];
  const warms: number[] = [];
  let idle = 0;
  for (let run = 0; run < RUNS; run++) {
    const target = await prepareTarget(backend, "127.0.0.11", 23_000 + run);
    try {
      // Cold: an empty data directory or database, so migrations and the instance actor are made.
      let t0 = performance.now();
      let server = spawnServer(target.env);
      await waitForHttp(`${target.origin}/healthz`);
      colds.push(performance.now() - t0);
      await server.stop();
      // Warm: the same data again.
      t0 = performance.now();
      server = spawnServer(target.env);
      await waitForHttp(`${target.origin}/healthz`);
      warms.push(performance.now() - t0);
      if (run === RUNS - 1) {
        await new Promise((r) => setTimeout(r, 5000));
        idle = rssMiB(server.pid);
      }
      await server.stop();
    } finally {
      await target.cleanup();
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(
    `[${backend}] cold start to first 200: median ${fmt(median(colds), 0)} ms (runs: ${colds.map((x) => fmt(x, 0)).join(", ")}); ` +
      `restart on existing data: median ${fmt(median(warms), 0)} ms; idle RSS after 5 s: ${fmt(idle)} MiB`,
  );
}
