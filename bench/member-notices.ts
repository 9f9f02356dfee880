// What telling remote members costs: a body with many remote members opens a vote, and
// each member on the roll gets a direct mention from the body (federation/outbox/member-notices.ts),
// written to the outbox in the transaction that opens the vote. Measured: the time of that
// transaction (runDueDeadlines opening the vote) with 0 remote members and with many, and
// the outbox rows written. Nothing is delivered (no queue workers run in this process).
// Usage: npm run bench:member-notices   (BENCH_MEMBERS="1000,5000"; BENCH_DATABASE_URL adds PostgreSQL)
import { operations } from "../src/cli/operations.ts";
import { draftProposal, foundBodyRecord, runDueDeadlines, tableProposal } from "../src/decisions/index.ts";
import { defaultBylaws, fraction } from "../src/governance/index.ts";
import { backends, fmt, loadAverage, prepareTarget, RUNS, spread, withApp } from "./support.ts";

const SIZES = (process.env.BENCH_MEMBERS ?? "0,1000,5000").split(",").map(Number);

async function measure(backend: "pglite" | "postgres", members: number): Promise<{ ms: number; rows: number }> {
  const target = await prepareTarget(backend, "127.0.0.142", 23_420);
  try {
    return await withApp(target, async (app) => {
      const alice = await operations["account.create"](app, { handle: "alice", password: "alice-password" });
      const body = await operations["body.create"](app, { handle: "bench", kind: "assembly" });
      await operations["member.add"](app, { body: "bench", member: "alice" });
      // Members written directly (admission is not what is measured); their server is never contacted.
      const uris = Array.from({ length: members }, (_, i) => `http://127.0.0.143:9/users/u${i}`);
      for (let i = 0; i < uris.length; i += 1000) {
        const chunk = uris.slice(i, i + 1000);
        await app.db
          .insertInto("remote_actors")
          .values(chunk.map((uri) => ({ uri, type: "Person", inbox: `${uri}/inbox`, handle: null, name: null, shared_inbox: "http://127.0.0.143:9/inbox", url: null })))
          .execute();
        await app.db
          .insertInto("memberships")
          .values(chunk.map((uri) => ({ body_id: body.id.split("/").at(-1)!, member_uri: uri, admitted_by: "bench" })))
          .execute();
      }
      const founded = await foundBodyRecord(app, "bench", {
        bylaws: { ...defaultBylaws("assembly"), quorum: { kind: "share", share: fraction(1, 10) }, deliberationPeriod: "PT1S", votingPeriod: "PT1H" },
      });
      if (!founded.ok) throw new Error(founded.error.message);
      const d = await draftProposal(app, alice.id, "bench", { kind: "policy", title: "Bench", text: "…" });
      if (!d.ok) throw new Error(d.error.message);
      const t = await tableProposal(app, alice.id, "bench", d.value.id);
      if (!t.ok) throw new Error(t.error.message);
      const before = await app.db
        .selectFrom("activities")
        .select((eb) => eb.fn.countAll<string>().as("n"))
        .executeTakeFirstOrThrow();
      const started = performance.now();
      await runDueDeadlines(app, new Date(Date.now() + 5_000));
      const ms = performance.now() - started;
      const after = await app.db
        .selectFrom("activities")
        .select((eb) => eb.fn.countAll<string>().as("n"))
        .executeTakeFirstOrThrow();
      return { ms, rows: Number(after.n) - Number(before.n) };
    });
  } finally {
    await target.cleanup();
  }
}

console.log(`member notices: opening a vote in a body with N remote members (${RUNS} runs each; load average ${loadAverage()})`);
for (const backend of backends()) {
  for (const members of SIZES) {
    const times: number[] = [];
    let rows = 0;
    for (let run = 0; run < RUNS; run++) {
      const m = await measure(backend, members);
      times.push(m.ms);
      rows = m.rows;
    }
    const median = [...times].sort((x, y) => x - y)[Math.floor(times.length / 2)]!;
    console.log(
      `${backend}: ${members} remote members: vote-opening transaction ${fmt(median, 0)} ms median (min / median / max ${spread(times)}), ${rows} outbox rows, ${members > 0 ? fmt((median * 1000) / members, 0) : "–"} µs per member`,
    );
  }
}
console.log(`load average after: ${loadAverage()}`);
