import { writeFileSync, readFileSync } from "node:fs";
const { PGlite } = await import("@electric-sql/pglite");
const sp = [...PGlite.defaultStartParams, "-c", "shared_buffers=16MB"];
if (process.argv[2] === "dump") {
  const db = await PGlite.create({ dataDir: "/tmp/cost/pgdir", startParams: sp });
  const blob = await db.dumpDataDir("gzip");
  writeFileSync("/tmp/cost/tpl.tar.gz", Buffer.from(await blob.arrayBuffer()));
  console.log("size", blob.size);
  await db.close();
} else {
  const t = performance.now();
  const buf = readFileSync("/tmp/cost/tpl.tar.gz");
  const db = await PGlite.create({ dataDir: process.argv[3], loadDataDir: new Blob([buf]), startParams: sp });
  await db.query("select 1");
  console.log("load ms", Math.round(performance.now() - t), "rss", Math.round(process.memoryUsage().rss/1048576));
  await db.close();
}
