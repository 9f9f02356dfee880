// Server time and weight of a proposal's page with 1,000 votes (each with a reason) and
// 200 replies: the instance runs in this process and the page is asked for with
// fastify's `inject` (no network), BENCH_REQUESTS times (200) after a few warm-up requests.
// Prints the median and the 99th percentile, the page's size in KB (as sent, uncompressed)
// and the load average. Usage: npm run bench:proposal-page   (BENCH_VOTERS=1000, BENCH_REPLIES=200)
import { loadavg } from "node:os";
import { operations } from "../src/cli/operations.ts";
import { postToBody } from "../src/community/posts.ts";
import { draftProposal, foundBodyRecord, runDueDeadlines, tableProposal, vote } from "../src/decisions/index.ts";
import { defaultBylaws } from "../src/governance/index.ts";
import { startInstance } from "../src/instance.ts";
import { createLogger } from "../src/logging.ts";
import { fmt, prepareTarget } from "./support.ts";

const VOTERS = Number(process.env.BENCH_VOTERS ?? 1000);
const REPLIES = Number(process.env.BENCH_REPLIES ?? 200);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 200);

const target = await prepareTarget("pglite", "127.0.0.122", 23_620);
// "fatal": the made-up voters' failed deliveries would fill the output.
const inst = await startInstance(target.config, { logger: createLogger("fatal") });
try {
  const app = inst.app;
  const t0 = performance.now();
  const people = [];
  for (const handle of ["ann", "ben", "cal", "dee"]) people.push(await operations["account.create"](app, { handle, password: `${handle}-password-long` }));
  const body = await operations["body.create"](app, { handle: "bench", kind: "assembly", name: "Bench Assembly" });
  // Voters from another server, written directly: what is measured is the page, not admission.
  // Their server is a loopback address nobody listens on, so the notices the body sends them
  // (a vote opened) stay on this machine and fail at once.
  const FAR = "http://127.0.0.123:9";
  const voters = Array.from({ length: VOTERS }, (_, i) => `${FAR}/users/u${i}`);
  await app.db
    .insertInto("remote_actors")
    .values(voters.map((uri, i) => ({ uri, type: "Person", inbox: `${uri}/inbox`, handle: `u${i}@127.0.0.123:9`, name: `Voter ${i}`, shared_inbox: null, url: null })))
    .execute();
  const bodyId = body.id.split("/").at(-1)!;
  await app.db
    .insertInto("memberships")
    .values([...people.map((p) => p.id), ...voters].map((uri) => ({ body_id: bodyId, member_uri: uri, admitted_by: "bench" })))
    .execute();
  const founded = await foundBodyRecord(app, "bench", { bylaws: { ...defaultBylaws("assembly"), deliberationPeriod: "PT1S", votingPeriod: "P1D" } });
  if (!founded.ok) throw new Error(founded.error.message);
  const drafted = await draftProposal(app, people[0]!.id, "bench", { kind: "policy", title: "Plant trees along the high street", text: "Forty lime trees, planted in November." });
  if (!drafted.ok) throw new Error(drafted.error.message);
  const tabled = await tableProposal(app, people[0]!.id, "bench", drafted.value.id);
  if (!tabled.ok) throw new Error(tabled.error.message);
  let replyTo = drafted.value.uri;
  for (let i = 0; i < REPLIES; i++) {
    const author = people[i % people.length]!.id.split("/").at(-1)!;
    const posted = await postToBody(app, author, "bench", {
      text: `Reply ${i}: a thought on where the trees should go, and how to water them in summer.`,
      inReplyTo: i % 4 === 0 ? drafted.value.uri : replyTo,
    });
    if (!posted.ok) throw new Error(posted.error.message);
    replyTo = posted.value.uri;
  }
  await runDueDeadlines(app, new Date(Date.now() + 5_000));
  for (let i = 0; i < voters.length; i++) {
    const v = await vote(app, voters[i]!, "bench", drafted.value.id, { choice: i % 3 === 2 ? "disagree" : "agree", reason: `Voter ${i}'s reason: shade in summer, and birds.` });
    if (!v.ok) throw new Error(`vote ${i}: ${v.error.message}`);
  }
  console.log(`seeded ${VOTERS} votes with reasons and ${REPLIES} replies in ${fmt((performance.now() - t0) / 1000)} s`);

  const url = new URL(drafted.value.url).pathname;
  const ask = () => inst.http!.inject({ method: "GET", url, headers: { accept: "text/html" } });
  let size = 0;
  for (let i = 0; i < 5; i++) {
    const res = await ask();
    if (res.statusCode !== 200) throw new Error(`${url} answered ${res.statusCode}`);
    size = res.rawPayload.length;
  }
  const times: number[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const s = performance.now();
    await ask();
    times.push(performance.now() - s);
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!;
  console.log(
    `proposal page (${VOTERS} votes with reasons, ${REPLIES} replies), ${REQUESTS} requests in process: median ${fmt(at(0.5))} ms, p99 ${fmt(at(0.99))} ms; ` +
      `weight ${fmt(size / 1024)} KB; load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(" ")}`,
  );
} finally {
  await inst.close();
  await target.cleanup();
}
