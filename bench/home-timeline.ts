// GET /api/v1/timelines/home for an account that follows 20 bodies with 10,000 statuses
// in all (issue 11's figure; goal: median under 20 ms). Each body has one proposal in
// voting (a status with its poll, the costly kind); the other statuses are members' posts,
// written directly (the timeline is measured, not posting). The time is the request's
// round trip over loopback to a spawned server (an upper bound of the server's time),
// for the first page and for a page further back (`max_id`).
// Usage: npm run bench:home-timeline   (BENCH_STATUSES=10000, BENCH_REQUESTS=300; BENCH_DATABASE_URL adds PostgreSQL)
import { sql } from "kysely";
import { operations } from "../src/cli/operations.ts";
import * as d from "../src/decisions/index.ts";
import { defaultBylaws } from "../src/governance/index.ts";
import { checkAuthorizationRequest, exchangeCode, issueCode, OOB_REDIRECT, registerApp } from "../src/mastodon/oauth.ts";
import { actorUri } from "../src/shared/uris.ts";
import { backends, cpuSeconds, describeSql, fmt, loadAverage, prepareTarget, type Server, spawnServer, sqlDelta, waitForHttp, withApp } from "./support.ts";

const BODIES = 20;
const STATUSES = Number(process.env.BENCH_STATUSES ?? 10_000);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 300);

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** Round-trip times, sorted; and the server's CPU time and SQL statements per request (less swayed by a busy machine). */
async function measure(server: Server, origin: string, token: string, path: string) {
  const times: number[] = [];
  let sql0 = await server.sqlCounts();
  let cpu0 = cpuSeconds(server.pid);
  for (let i = 0; i < REQUESTS + 20; i++) {
    const start = performance.now();
    const res = await fetch(new URL(path, origin), { headers: { authorization: `Bearer ${token}` } });
    const page = (await res.json()) as unknown[];
    const ms = performance.now() - start;
    if (res.status !== 200 || page.length !== 20) throw new Error(`${path} answered ${res.status} with ${page.length} statuses`);
    if (i >= 20) times.push(ms); // the first 20 warm the server up
    if (i === 19) {
      sql0 = await server.sqlCounts();
      cpu0 = cpuSeconds(server.pid);
    }
  }
  const cpuMs = ((cpuSeconds(server.pid) - cpu0) * 1000) / REQUESTS;
  const sql = sqlDelta(sql0, await server.sqlCounts());
  return { times: times.sort((x, y) => x - y), cpuMs, sql };
}

for (const backend of backends()) {
  const target = await prepareTarget(backend, "127.0.0.153", 23_950);
  try {
    const token = await withApp(target, async (app) => {
      const origin = app.config.publicOrigin;
      for (const h of ["reader", "poster"]) await operations["account.create"](app, { handle: h, password: `${h}-password` });
      const poster = await app.db.selectFrom("actors").select("id").where("handle", "=", "poster").executeTakeFirstOrThrow();
      const reader = await app.db.selectFrom("actors").select("id").where("handle", "=", "reader").executeTakeFirstOrThrow();
      const posterUri = actorUri(origin, poster.id).href;
      const bylaws = {
        ...defaultBylaws(),
        decisionRule: { kind: "simple-majority" as const },
        quorum: { kind: "count" as const, count: 1 },
        deliberationPeriod: "PT1H",
        votingPeriod: "P7D",
      };
      const bodyUris: string[] = [];
      for (let b = 0; b < BODIES; b++) {
        const handle = `body${b}`;
        await operations["body.create"](app, { handle, kind: "assembly", admission: "open" });
        await operations["member.add"](app, { body: handle, member: "poster" });
        const founded = await d.foundBodyRecord(app, handle, { bylaws });
        if (!founded.ok) throw new Error(founded.error.message);
        const body = await app.db.selectFrom("actors").select("id").where("handle", "=", handle).executeTakeFirstOrThrow();
        bodyUris.push(actorUri(origin, body.id).href);
        const p = await d.draftProposal(app, posterUri, handle, { kind: "policy", title: `Proposal of ${handle}`, text: "To be decided." });
        if (!p.ok) throw new Error(p.error.message);
        const tabled = await d.tableProposal(app, posterUri, handle, p.value.id);
        if (!tabled.ok) throw new Error(tabled.error.message);
        const detail = await d.readProposal(app, null, handle, p.value.id);
        if (detail.ok && detail.value.nextDeadline) await d.runDueDeadlines(app, new Date(Date.parse(detail.value.nextDeadline) + 1000));
      }
      // The members' posts, spread over the last 30 days, round the bodies.
      const now = Date.now();
      const posts = STATUSES - BODIES;
      for (let start = 0; start < posts; start += 1000) {
        const rows = Array.from({ length: Math.min(1000, posts - start) }, (_, k) => {
          const i = start + k;
          const id = crypto.randomUUID();
          return {
            uri: new URL(`/ap/notes/${id}`, origin).href,
            local_id: id,
            type: "Note",
            attributed_to: posterUri,
            audience: bodyUris[i % BODIES]!,
            in_reply_to: null,
            content: `<p>Post ${i}</p>`,
            url: new URL(`/notes/${id}`, origin).href,
            published: new Date(now - 3600_000 - Math.floor((i / posts) * 30 * 86_400_000)),
          };
        });
        await app.db.insertInto("objects").values(rows).execute();
      }
      // As many statuses the reader does not see: another server's, in a body not followed.
      for (let start = 0; start < STATUSES; start += 1000) {
        const rows = Array.from({ length: Math.min(1000, STATUSES - start) }, (_, k) => ({
          uri: `https://elsewhere.example/notes/${start + k}`,
          local_id: null,
          type: "Note",
          attributed_to: "https://elsewhere.example/users/someone",
          audience: "https://elsewhere.example/groups/other",
          in_reply_to: null,
          content: `<p>Elsewhere ${start + k}</p>`,
          url: null,
          published: new Date(now - Math.floor(((start + k) / STATUSES) * 30 * 86_400_000)),
        }));
        await app.db.insertInto("objects").values(rows).execute();
      }
      const readerUri = actorUri(origin, reader.id).href;
      await app.db
        .insertInto("follows")
        .values(
          bodyUris.map((uri, b) => ({ follower_uri: readerUri, followee_uri: uri, activity_uri: `${readerUri}#follow-${b}`, state: "accepted" as const, accepted_at: new Date() })),
        )
        .execute();
      const registered = await registerApp(app, { name: "bench", redirectUris: OOB_REDIRECT, scopes: "read", website: null });
      if (!registered.ok) throw new Error(registered.error.message);
      const req = await checkAuthorizationRequest(app, { client_id: registered.value.app.clientId, redirect_uri: OOB_REDIRECT, response_type: "code", scope: "read" });
      if (!req.ok) throw new Error(req.error.description);
      const code = await issueCode(app, reader.id, req.value);
      const issued = await exchangeCode(app, registered.value.app, { code, redirect_uri: OOB_REDIRECT });
      if (!issued.ok) throw new Error(issued.error.description);
      await sql`analyze`.execute(app.db);
      return issued.value.accessToken;
    });

    const server = spawnServer(target.env, { countSql: true });
    try {
      await waitForHttp(`${target.origin}/healthz`);
      const first = await measure(server, target.origin, token, "/api/v1/timelines/home");
      const page = (await (await fetch(new URL("/api/v1/timelines/home?limit=40", target.origin), { headers: { authorization: `Bearer ${token}` } })).json()) as { id: string }[];
      const further = await measure(server, target.origin, token, `/api/v1/timelines/home?max_id=${page.at(-1)!.id}`);
      for (const [name, { times, cpuMs, sql }] of [
        ["first page", first],
        ["past 40 (max_id)", further],
      ] as const) {
        console.log(
          `${backend}: home timeline, ${name}, 20 statuses of ${STATUSES} in ${BODIES} followed bodies: median ${fmt(quantile(times, 0.5))} ms, p99 ${fmt(quantile(times, 0.99))} ms over ${times.length} requests; server CPU ${fmt(cpuMs)} ms and ${describeSql(sql, REQUESTS)} per request (load average ${loadAverage()})`,
        );
      }
    } finally {
      await server.stop();
    }
  } finally {
    await target.cleanup();
  }
}
