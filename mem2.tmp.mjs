const rss = () => (process.memoryUsage().rss / 1048576).toFixed(0);
const { PGlite } = await import("@electric-sql/pglite");
const extra = (process.env.PGX ?? "").split(" ").filter(Boolean).flatMap((s) => ["-c", s]);
const db = await PGlite.create({ dataDir: process.argv[2], startParams: [...PGlite.defaultStartParams, "-c", "shared_buffers=16MB", ...extra] });
for (let i = 0; i < 50; i++) await db.query("select count(*) from pg_class c join pg_attribute a on a.attrelid = c.oid");
await new Promise(r=>setTimeout(r,3000));
console.log(process.env.PGX ?? "", process.execArgv.join(" "), "rss", rss());
await db.close();
