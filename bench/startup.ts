// Cold start to the first HTTP 200, and idle resident memory, of `node src/main.ts`
// (on PostgreSQL also of a web and a worker process apart).
// Usage: npm run bench:startup   (BENCH_RUNS=3, BENCH_PORT=23000, BENCH_IP_BASE; BENCH_DATABASE_URL=postgres://... adds PostgreSQL)
import { backends, benchIp, loadAverage, prepareTarget, RUNS, rssMiB, spawnServer, spawnWorker, spread, waitForHttp } from "./support.ts";

const PORT = Number(process.env.BENCH_PORT ?? 23_000);

for (const backend of backends()) {
  const colds: number[] = [];
  const warms: number[] = [];
  const idles: number[] = [];
  // On PostgreSQL the web and worker roles also run apart: each one's idle memory.
  const webIdles: number[] = [];
  const workerIdles: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const target = await prepareTarget(backend, benchIp(11), PORT + run);
    try {
      // Cold: an empty data directory or database, so migrations and the instance actor are made.
      let t0 = performance.now();
      let server = spawnServer(target.env);
      await waitForHttp(`${target.origin}/healthz`, 180_000);
      colds.push(performance.now() - t0);
      await server.stop();
      // Warm: the same data again.
      t0 = performance.now();
      server = spawnServer(target.env);
      await waitForHttp(`${target.origin}/healthz`, 180_000);
      warms.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, 5000));
      idles.push(rssMiB(server.pid));
      await server.stop();
      if (backend === "postgres") {
        const web = spawnServer({ ...target.env, ROLE: "web" });
        await waitForHttp(`${target.origin}/healthz`, 180_000);
        await new Promise((r) => setTimeout(r, 5000));
        webIdles.push(rssMiB(web.pid));
        await web.stop();
        const worker = spawnWorker(target.env);
        await worker.ready;
        await new Promise((r) => setTimeout(r, 5000));
        workerIdles.push(rssMiB(worker.pid));
        await worker.stop();
      }
    } finally {
      await target.cleanup();
    }
  }
  console.log(
    `[${backend}] min / median / max of ${RUNS} runs: cold start to first 200 ${spread(colds)} ms; ` +
      `restart on existing data ${spread(warms)} ms; idle RSS 5 s after the restart ${spread(idles)} MiB (load ${loadAverage()})`,
  );
  if (webIdles.length)
    console.log(`[${backend}] idle RSS 5 s after start, roles apart: ROLE=web ${spread(webIdles)} MiB, ROLE=worker ${spread(workerIdles)} MiB (load ${loadAverage()})`);
}
