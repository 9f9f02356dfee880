// One confederal proposal, referred to many member assemblies on several instances and
// tallied, end to end in real time; then `folkmoot verify` on the decision.
//
// Five instances in this process, on 127.0.0.60–64: one hosts the confederation (open
// admission), four host the member assemblies (3 members each, drawn from 12 people per
// instance: a person sits in several assemblies). Setup (timed apart): every assembly
// decides by a `join` proposal to join (a vote twice the assemblies' voting period:
// a thousand are tabled at once), and the confederation admits it on its Join.
// Then one assembly decides by a `confederal` proposal to table a question in the
// confederation; when it is carried the assembly sends the Offer, and the measured run
// starts: the confederation refers it to every member body (one Invite per shared inbox);
// each assembly puts a ratification before its members, who vote (6 in 10 ratify, 3
// reject, 1 in 10 nobody votes: abstain); the signed verdicts flow back; the referral
// closes at its deadline and is tallied. Last, `folkmoot verify` at depth 0 and 1.
// Beside the wall times it prints, for the run and for each verify, the CPU time of this
// process and the SQL statements of the five instances per assembly (bench/count-sql.ts):
// on a shared machine those move much less than the wall times.
//
// Usage: npm run bench:confederation [-- --assemblies 100]
//   BENCH_ASSEMBLIES (default 1000), BENCH_VOTING_SECONDS (the assemblies' voting period),
//   BENCH_REFERRAL_SECONDS (the confederation's deliberation + voting: the referral's
//   deadline), BENCH_QUEUE_WORKERS (default 4), BENCH_TIMEOUT_SECONDS (each wait, default 900),
//   BENCH_CPU_PROFILE (a directory for CPU profiles of the phases), BENCH_LOG_LEVEL.
//   BENCH_DATABASE_URL puts the four member instances on PostgreSQL (the confederation stays on PGlite).
import { writeFile } from "node:fs/promises";
import { Session } from "node:inspector/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { operations } from "../src/cli/operations.ts";
import { runVerify } from "../src/cli/verify-command.ts";
import { draftProposal, foundBodyRecord, runDueDeadlines, tableProposal, vote } from "../src/decisions/index.ts";
import { defaultBylaws, type Bylaws, type VoteChoice } from "../src/governance/index.ts";
import { startInstance, type Instance } from "../src/instance.ts";
import { createLogger } from "../src/logging.ts";
import { sqlCountsBetween, sqlCountsSoFar, type SqlCounts } from "./count-sql.ts";
import { fmt, pool, prepareTarget, type BenchTarget } from "./support.ts";

const { values: args } = parseArgs({ options: { assemblies: { type: "string" } }, allowPositionals: false });
const ASSEMBLIES = Number(args.assemblies ?? process.env.BENCH_ASSEMBLIES ?? 1000);
if (!Number.isSafeInteger(ASSEMBLIES) || ASSEMBLIES < 4) throw new Error("--assemblies must be a whole number >= 4");
const MEMBER_INSTANCES = 4;
const PEOPLE_PER_INSTANCE = 12;
const MEMBERS_PER_ASSEMBLY = 3;
/**
 * Assemblies' voting period: a real one, which every vote waits out before it is tallied,
 * long enough for every member to vote while many votes run at once. The members vote by
 * direct calls as soon as voting opens; the run prints how long before its close the last
 * ballot of any vote was in. At 1,000 assemblies on a 2-core machine at load 5, 15 s of
 * the 20 s were to spare; at load 7 to 9 a 12 s period left votes without their ballots
 * (the run stops and says so), so it stays 20 s. A longer period only delays the verdicts.
 */
const VOTING_SECONDS = Number(process.env.BENCH_VOTING_SECONDS ?? Math.max(10, Math.ceil(ASSEMBLIES / 100) * 2));
/** The join proposals' voting period (setup): longer, as 1,000 of them are tabled at once. */
const JOIN_VOTING_SECONDS = 2 * VOTING_SECONDS;
/** Proposals a voter pass votes on per instance, before it looks again for the ones closing soonest. */
const VOTER_BATCH = 50;
/**
 * The referral's deadline, from tabling: enough for every ratification to be opened,
 * decided and its verdict received (about 0.085 s per assembly on a 2-core machine, all
 * five instances sharing one thread), with 40 % to spare. Waiting for it is idle time.
 */
const REFERRAL_SECONDS = Number(process.env.BENCH_REFERRAL_SECONDS ?? Math.ceil(1.4 * (5 + VOTING_SECONDS + ASSEMBLIES * 0.085)));
const QUEUE_WORKERS = process.env.BENCH_QUEUE_WORKERS ?? "4";
/** Fedify logs a warning (a 404) for every GET it hands on to the app's own routes (verdicts, records): errors only, unless asked. */
const LOG_LEVEL = process.env.BENCH_LOG_LEVEL ?? "error";
const TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_SECONDS ?? 900) * 1000;
const BASE_PORT = 23_600;
/** A directory to write CPU profiles of the admissions and of the measured run to (open them in Chrome's DevTools). */
const PROFILE_DIR = process.env.BENCH_CPU_PROFILE;

const memberBackend = process.env.BENCH_DATABASE_URL ? "postgres" : "pglite";
const seconds = (ms: number) => `${fmt(ms / 1000, 2)} s`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const localId = (uri: string) => uri.split("/").at(-1)!;

/** Polls `check` until it returns a value other than null, or fails after `timeoutMs` naming `label`. */
async function waitFor<T>(label: string, check: () => Promise<T | null>, opts: { timeoutMs?: number; everyMs?: number; progress?: () => string } = {}): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? TIMEOUT_MS;
  const start = Date.now();
  let reported = start;
  for (;;) {
    const value = await check();
    if (value !== null) return value;
    const now = Date.now();
    if (now - start > timeoutMs) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${label}${opts.progress ? ` (${opts.progress()})` : ""}`);
    if (opts.progress && now - reported > 30_000) {
      reported = now;
      console.log(`  … ${label}: ${opts.progress()} after ${fmt((now - start) / 1000, 0)} s`);
    }
    await sleep(opts.everyMs ?? 250);
  }
}

/** The SQL statements of all five instances since `before`, per assembly, with the largest parts. */
function statementsSince(before: SqlCounts, what: string): void {
  const d = sqlCountsBetween(before, sqlCountsSoFar());
  const top = Object.entries(d.byTable)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 8)
    .map(([k, n]) => `${k} ${fmt(n / ASSEMBLIES, 1)}`)
    .join(", ");
  console.log(
    `  SQL ${what}: ${d.total} statements, ${fmt(d.total / ASSEMBLIES, 1)} per assembly (transaction control ${fmt(d.transaction / ASSEMBLIES, 1)}, queue ${fmt(d.queue / ASSEMBLIES, 1)}, key-value ${fmt(d.kv / ASSEMBLIES, 1)}); largest per assembly: ${top}`,
  );
}

/**
 * The CPU time this process (all five instances, their PGlite databases, the voters and
 * the verifier) used since `before`, beside the wall time: on a machine shared with other
 * jobs the wall time stretches, the CPU time much less.
 */
function cpuSince(before: NodeJS.CpuUsage, fromMs: number, toMs: number, what: string): void {
  const used = process.cpuUsage(before);
  const cpuMs = (used.user + used.system) / 1000;
  console.log(
    `  CPU ${what}: ${seconds(cpuMs)} of this process in ${seconds(toMs - fromMs)} of wall time (${fmt(cpuMs / ASSEMBLIES, 1)} ms per assembly); peak RSS so far ${fmt(process.resourceUsage().maxRSS / 1024, 0)} MiB`,
  );
}

/** Profiles this process (all five instances) between start and stop, when BENCH_CPU_PROFILE is set. */
async function profile(name: string): Promise<{ stop(): Promise<void> }> {
  if (!PROFILE_DIR) return { stop: async () => {} };
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 1000 });
  await session.post("Profiler.start");
  return {
    stop: async () => {
      const { profile } = await session.post("Profiler.stop");
      const file = join(PROFILE_DIR, `confederation-${name}.cpuprofile`);
      await writeFile(file, JSON.stringify(profile));
      session.disconnect();
      console.log(`  (CPU profile: ${file})`);
    },
  };
}

interface Node {
  target: BenchTarget;
  instance: Instance | null;
}

interface Assembly {
  index: number;
  handle: string;
  id: string;
  uri: string;
  members: string[];
  node: Node;
}

function assemblyBylaws(): Bylaws {
  return { ...defaultBylaws("assembly"), deliberationPeriod: "PT1S", votingPeriod: `PT${VOTING_SECONDS}S` };
}

/** 6 in 10 ratify, 3 reject, 1 abstains (nobody votes, so no quorum). */
function ballot(a: Assembly): Record<string, VoteChoice> {
  const [x, y, z] = a.members as [string, string, string];
  switch (a.index % 10) {
    case 6:
    case 7:
    case 8:
      return { [x]: "disagree", [y]: "disagree", [z]: "agree" };
    case 9:
      return {};
    default:
      return { [x]: "agree", [y]: "agree", [z]: "disagree" };
  }
}

/**
 * Casts each assembly's ballot on its proposals of `kind` as soon as they are in voting,
 * until `stop()`; also moves deadlines on each pass (the timer does too, once a second).
 */
function startVoter(nodes: readonly Node[], byBodyId: ReadonlyMap<string, Assembly>, kind: string, votes: (a: Assembly) => Record<string, VoteChoice>) {
  const done = new Set<string>();
  const errors: string[] = [];
  let stopped = false;
  let firstVotingAt: number | null = null;
  let allVotingAt: number | null = null;
  let minSlackMs = Number.POSITIVE_INFINITY;
  const loop = (async () => {
    try {
      await run();
    } catch (err) {
      errors.push(`the voter stopped: ${String(err)}`);
    }
  })();
  async function run(): Promise<void> {
    while (!stopped) {
      let voting = 0;
      let more = false;
      // The instances side by side: one instance's backlog must not make another's votes late.
      await Promise.all(
        nodes.map(async (node) => {
          const app = node.instance!.app;
          await runDueDeadlines(app, new Date(), { limit: VOTER_BATCH });
          const rows = await app.db
            .selectFrom("proposals")
            .select(["id", "body_id", "status", "next_deadline"])
            .where("kind", "=", kind)
            .where("status", "=", "voting")
            .orderBy("next_deadline")
            .execute();
          voting += rows.length;
          // The votes closing soonest first, a batch a pass: a long pass would leave the
          // proposals that opened meanwhile waiting for the next one.
          const waiting = rows.filter((r) => !done.has(r.id));
          if (waiting.length > VOTER_BATCH) more = true;
          await pool(waiting.slice(0, VOTER_BATCH), 8, async (r) => {
            done.add(r.id);
            const a = byBodyId.get(r.body_id);
            if (!a) return;
            for (const [who, choice] of Object.entries(votes(a))) {
              const v = await vote(app, who, a.handle, r.id, { choice });
              if (!v.ok) errors.push(`${a.handle} ${kind} vote by ${who}: ${v.error.message}`);
            }
            // How long before its vote closes the last ballot was in: the voting period's slack.
            if (r.next_deadline) minSlackMs = Math.min(minSlackMs, r.next_deadline.getTime() - Date.now());
          });
        }),
      );
      if (voting > 0) firstVotingAt ??= Date.now();
      if (done.size >= byBodyId.size) {
        allVotingAt = Date.now();
        break; // every ballot is cast: the instances' own timers close the votes
      }
      if (!more) await sleep(100);
    }
  }
  return {
    errors,
    voted: () => done.size,
    votedOn: (id: string) => done.has(id),
    timings: () => ({ firstVotingAt, allVotingAt }),
    /** The least time, over every proposal voted on, between its last ballot and the close of its vote. */
    minSlackMs: () => minSlackMs,
    stop: async () => {
      stopped = true;
      await loop;
    },
  };
}

const nodes: Node[] = [];
let stopping: Promise<void> | null = null;
/** Stops every instance and removes its data (and database); once, whoever asks first. */
const shutdown = () =>
  (stopping ??= (async () => {
    const open = new Set(nodes.filter((n) => n.instance).map((n) => n.target.origin));
    const closed = Promise.allSettled(nodes.map((n) => n.instance?.close().finally(() => open.delete(n.target.origin))));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([closed.then(() => false), new Promise<boolean>((r) => (timer = setTimeout(() => r(true), 30_000)))]);
    clearTimeout(timer);
    if (timedOut) console.error(`${[...open].join(", ")} did not stop within 30 s; removing their data anyway`);
    await Promise.allSettled(nodes.map((n) => n.target.cleanup()));
  })());
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    console.error(`${signal}: stopping the instances and removing their data`);
    void shutdown().finally(() => process.exit(130));
  });
}
const started = performance.now();
let failed = false;
try {
  // ---------------------------------------------------------------------------- instances
  const confNode: Node = { target: await prepareTarget("pglite", "127.0.0.60", BASE_PORT, { QUEUE_WORKERS, LOG_LEVEL }), instance: null };
  nodes.push(confNode);
  for (let i = 0; i < MEMBER_INSTANCES; i++)
    nodes.push({ target: await prepareTarget(memberBackend, `127.0.0.${61 + i}`, BASE_PORT + 1 + i, { QUEUE_WORKERS, LOG_LEVEL }), instance: null });
  const memberNodes = nodes.slice(1);
  await Promise.all(nodes.map(async (n) => (n.instance = await startInstance(n.target.config, { logger: createLogger(n.target.config.logLevel) }))));
  const conf = confNode.instance!.app;
  console.log(
    `${ASSEMBLIES} assemblies (${MEMBERS_PER_ASSEMBLY} members each) on ${MEMBER_INSTANCES} instances (${memberBackend}), the confederation on a fifth (pglite); ` +
      `assemblies vote for ${VOTING_SECONDS} s, the referral's deadline is ${REFERRAL_SECONDS} s after tabling; queue workers ${QUEUE_WORKERS}`,
  );

  // ---------------------------------------------------------------------------- setup
  const t0 = performance.now();
  const council = await operations["body.create"](conf, { handle: "council", kind: "confederation", name: "The bench council", admission: "open" });
  const confBylaws: Bylaws = {
    ...defaultBylaws("confederation"),
    admission: "open",
    ratification: { kind: "majority" },
    deliberationPeriod: "PT1S",
    votingPeriod: `PT${REFERRAL_SECONDS - 1}S`,
  };
  const founded = await foundBodyRecord(conf, "council", { bylaws: confBylaws });
  if (!founded.ok) throw new Error(`found the council: ${founded.error.message}`);

  const assemblies: Assembly[] = [];
  await Promise.all(
    memberNodes.map(async (node, n) => {
      const app = node.instance!.app;
      const people: string[] = [];
      for (let p = 0; p < PEOPLE_PER_INSTANCE; p++) people.push((await operations["account.create"](app, { handle: `p${p}`, password: `person-${p}-password` })).id);
      for (let i = n; i < ASSEMBLIES; i += MEMBER_INSTANCES) {
        const handle = `a${String(i).padStart(4, "0")}`;
        const body = await operations["body.create"](app, { handle, kind: "assembly" });
        const members = Array.from({ length: MEMBERS_PER_ASSEMBLY }, (_, k) => people[(i + k * 5) % PEOPLE_PER_INSTANCE]!);
        for (const m of members) await operations["member.add"](app, { body: handle, member: `p${people.indexOf(m)}` });
        const f = await foundBodyRecord(app, handle, { bylaws: assemblyBylaws() });
        if (!f.ok) throw new Error(`found ${handle}: ${f.error.message}`);
        assemblies.push({ index: i, handle, id: localId(body.id), uri: body.id, members, node });
      }
    }),
  );
  assemblies.sort((a, b) => a.index - b.index);
  const tCreated = performance.now();
  console.log(`setup: ${ASSEMBLIES} assemblies created and founded in ${seconds(tCreated - t0)}`);

  // Every assembly decides to join by a `join` proposal; the council admits it on its Join.
  const byBodyId = new Map(assemblies.map((a) => [a.id, a]));
  const joinVoter = startVoter(memberNodes, byBodyId, "join", (a) => ({ [a.members[0]!]: "agree", [a.members[1]!]: "agree" }));
  try {
    await pool(assemblies, 16, async (a) => {
      const app = a.node.instance!.app;
      // Setup, not timed: a longer vote than the bylaws', so that a busy machine cannot leave one without its ballots.
      const d = await draftProposal(app, a.members[0]!, a.handle, {
        kind: "join",
        title: `${a.handle} joins the council`,
        text: "…",
        payload: { confederation: council.id },
        votingPeriod: `PT${JOIN_VOTING_SECONDS}S`,
      });
      if (!d.ok) throw new Error(`draft join in ${a.handle}: ${d.error.message}`);
      const t = await tableProposal(app, a.members[0]!, a.handle, d.value.id);
      if (!t.ok) throw new Error(`table join in ${a.handle}: ${t.error.message}`);
    });
    const tTabled = performance.now();
    console.log(`setup: ${ASSEMBLIES} join proposals tabled in ${seconds(tTabled - tCreated)}`);
    let carried = 0;
    await waitFor(
      "every join proposal to be carried",
      async () => {
        let passed = 0;
        for (const n of memberNodes) {
          const rows = await n.instance!.app.db.selectFrom("proposals").select(["outcome"]).where("kind", "=", "join").where("outcome", "is not", null).execute();
          const bad = rows.filter((r) => r.outcome !== "passed");
          if (bad.length > 0) throw new Error(`${bad.length} join proposals were not carried (${bad[0]!.outcome}); votes: ${joinVoter.errors.slice(0, 3).join("; ")}`);
          passed += rows.length;
        }
        carried = passed;
        return passed === ASSEMBLIES ? passed : null;
      },
      { progress: () => `${carried} carried` },
    );
  } finally {
    await joinVoter.stop();
  }
  const tCarried = performance.now();
  console.log(`setup: ${ASSEMBLIES} joins carried in ${seconds(tCarried - tCreated)} from the first draft`);
  const councilId = localId(council.id);
  const admittedCount = async () => {
    const { n } = await conf.db
      .selectFrom("memberships")
      .select((eb) => eb.fn.countAll<string>().as("n"))
      .where("body_id", "=", councilId)
      .executeTakeFirstOrThrow();
    return Number(n);
  };
  let admitted = 0;
  const admissionProfile = await profile("admissions");
  await waitFor("the council to admit every assembly", async () => ((admitted = await admittedCount()) === ASSEMBLIES ? true : null), { progress: () => `${admitted} admitted` });
  const tAdmitted = performance.now();
  await admissionProfile.stop();
  console.log(`setup: ${ASSEMBLIES} member bodies admitted ${seconds(tAdmitted - tCarried)} after the last join was carried; setup total ${seconds(tAdmitted - t0)}`);

  // ---------------------------------------------------------------------------- measured run
  // The first assembly decides, by a `confederal` proposal of its own, to table the
  // question in the council: carried, it sends the Offer. The measured run starts then.
  const proposer = assemblies[0]!;
  const papp = proposer.node.instance!.app;
  const ratVoter = startVoter(memberNodes, byBodyId, "ratification", ballot);
  const p0 = Date.now();
  const drafted = await draftProposal(papp, proposer.members[0]!, proposer.handle, {
    kind: "confederal",
    title: "Ask the council: a shared tool library",
    text: "We table this in the council, to be referred to every assembly.",
    payload: { confederation: council.id, title: "A shared tool library", text: "Each assembly hosts one shelf of tools for everyone.", topic: "commons" },
  });
  if (!drafted.ok) throw new Error(`draft the confederal proposal: ${drafted.error.message}`);
  const tabledHere = await tableProposal(papp, proposer.members[0]!, proposer.handle, drafted.value.id);
  if (!tabledHere.ok) throw new Error(`table the confederal proposal: ${tabledHere.error.message}`);
  const ownVoter = startVoter([proposer.node], new Map([[proposer.id, proposer]]), "confederal", (a) => ({ [a.members[0]!]: "agree", [a.members[1]!]: "agree" }));
  let carriedAt: Date;
  try {
    const row = await waitFor(
      `${proposer.handle}'s own decision to table it`,
      async () =>
        (await papp.db.selectFrom("proposals").select(["outcome", "decided_at"]).where("id", "=", drafted.value.id).where("outcome", "is not", null).executeTakeFirst()) ?? null,
      { timeoutMs: 120_000, everyMs: 50 },
    );
    if (row.outcome !== "passed" || row.decided_at === null) throw new Error(`${proposer.handle}'s confederal proposal was ${row.outcome}`);
    carriedAt = row.decided_at;
  } finally {
    await ownVoter.stop();
  }
  const runProfile = await profile("run");
  const runSql = sqlCountsSoFar();
  const runCpu = process.cpuUsage();
  const m0 = carriedAt.getTime();
  console.log(
    `run: ${proposer.handle} decided by its own proposal to table it in the council (${seconds(m0 - p0)}: deliberation 1 s, voting ${VOTING_SECONDS} s; not counted); carried, it sends the Offer: time 0`,
  );
  const at = (t: number) => seconds(t - m0);
  try {
    const opened = await waitFor(
      "the council to open the referral",
      async () => (await conf.db.selectFrom("referrals").select(["uri", "deadline"]).where("body_id", "=", councilId).executeTakeFirst()) ?? null,
      {
        timeoutMs: 60_000,
        everyMs: 50,
      },
    );
    const referral = opened.uri;
    const deadline = opened.deadline.getTime();
    console.log(`run: ${at(Date.now())} the council opened the referral; its deadline is ${seconds(deadline - m0)} after tabling`);

    const countRatifications = async (decidedOnly: boolean) => {
      let n = 0;
      for (const node of memberNodes) {
        const { c } = await node
          .instance!.app.db.selectFrom("proposals")
          .select((eb) => eb.fn.countAll<string>().as("c"))
          .where("kind", "=", "ratification")
          .$if(decidedOnly, (q) => q.where("outcome", "is not", null))
          .executeTakeFirstOrThrow();
        n += Number(c);
      }
      return n;
    };
    let ratifications = 0;
    await waitFor("every assembly to put a ratification before its members", async () => ((ratifications = await countRatifications(false)) === ASSEMBLIES ? true : null), {
      progress: () => `${ratifications} ratifications`,
    });
    const mRatOpened = Date.now();
    console.log(`run: ${at(mRatOpened)} all ${ASSEMBLIES} ratifications put before the members (deliberation 1 s)`);
    await waitFor(
      "every ratification to be in voting",
      async () => {
        if (ratVoter.timings().allVotingAt !== null) return true;
        // A vote closed before its ballots were cast: the run could only wait for ever.
        for (const node of memberNodes) {
          const decided = await node.instance!.app.db.selectFrom("proposals").select("id").where("kind", "=", "ratification").where("outcome", "is not", null).execute();
          const missed = decided.filter((r) => !ratVoter.votedOn(r.id));
          if (missed.length > 0)
            throw new Error(`${missed.length} ratifications closed before their members voted: raise BENCH_VOTING_SECONDS (the machine is too busy for ${VOTING_SECONDS} s)`);
        }
        return null;
      },
      { progress: () => `${ratVoter.voted()} in voting` },
    );
    console.log(
      `run: ${at(ratVoter.timings().allVotingAt!)} all ${ASSEMBLIES} ratifications in voting, their members' votes cast (voting ${VOTING_SECONDS} s; ` +
        `every ballot was in at least ${seconds(ratVoter.minSlackMs())} before its vote closed)`,
    );

    let verdicts = 0;
    const verdictCount = async () => {
      const { n } = await conf.db
        .selectFrom("governance_events")
        .select((eb) => eb.fn.countAll<string>().as("n"))
        .where("body_id", "=", councilId)
        .where("type", "=", "verdict-received")
        .executeTakeFirstOrThrow();
      return Number(n);
    };
    await waitFor(
      "every verdict to be received and stored by the council",
      async () => {
        verdicts = await verdictCount();
        if (Date.now() > deadline) throw new Error(`the deadline passed with ${verdicts} of ${ASSEMBLIES} verdicts received (raise BENCH_REFERRAL_SECONDS)`);
        return verdicts === ASSEMBLIES ? true : null;
      },
      { progress: () => `${verdicts} verdicts` },
    );
    const mVerdicts = Date.now();
    await runProfile.stop();
    statementsSince(runSql, "from time 0 to the last verdict stored");
    cpuSince(runCpu, m0, mVerdicts, "from time 0 to the last verdict stored");
    await ratVoter.stop();
    if (ratVoter.errors.length > 0) throw new Error(`${ratVoter.errors.length} ratification votes refused, e.g. ${ratVoter.errors[0]}`);
    const received = (
      await conf.db.selectFrom("governance_events").select(["recorded_at"]).where("body_id", "=", councilId).where("type", "=", "verdict-received").orderBy("seq").execute()
    ).map((r) => r.recorded_at.getTime());
    let firstDecided = Number.POSITIVE_INFINITY;
    for (const node of memberNodes) {
      const row = await node
        .instance!.app.db.selectFrom("proposals")
        .select((eb) => eb.fn.min("decided_at").as("t"))
        .where("kind", "=", "ratification")
        .executeTakeFirst();
      if (row?.t) firstDecided = Math.min(firstDecided, new Date(row.t as Date).getTime());
    }
    const decided = await countRatifications(true);
    const tenth = Math.max(2, Math.ceil(received.length / 10));
    const rate = (xs: number[]) => ((xs.length - 1) / Math.max(1, xs.at(-1)! - xs[0]!)) * 1000;
    const flowMs = received.at(-1)! - Math.min(firstDecided, received[0]!);
    console.log(
      `run: ${at(mVerdicts)} all ${ASSEMBLIES} verdicts received and stored by the council (${decided} ratifications decided); ` +
        `they flowed for ${seconds(flowMs)} from the first ratification decided: ${fmt((ASSEMBLIES / flowMs) * 1000, 1)} verdicts/s ` +
        `(first tenth ${fmt(rate(received.slice(0, tenth)), 1)}/s, last tenth ${fmt(rate(received.slice(-tenth)), 1)}/s)`,
    );

    // The referral closes at its deadline (the council's timer runs once a second).
    const waitedMs = Math.max(0, deadline - Date.now());
    const closed = await waitFor(
      "the referral to close at its deadline",
      async () =>
        (await conf.db.selectFrom("referrals").select(["closed_at", "outcome"]).where("uri", "=", referral).where("closed_at", "is not", null).executeTakeFirst()) ?? null,
      { timeoutMs: waitedMs + 120_000, everyMs: 50 },
    );
    const mClosed = Date.now();
    const closeMs = mClosed - deadline;
    console.log(
      `run: ${at(mClosed)} closed and tallied ${seconds(closeMs)} after the deadline (the timer runs once a second), having waited ${seconds(waitedMs)} (idle) for it: ${closed.outcome}`,
    );
    console.log(`run: end to end ${seconds(mClosed - m0)}, of which ${seconds(waitedMs)} idle waiting for the deadline`);
    const f0 = performance.now();
    const text = await (await fetch(referral, { headers: { accept: "application/activity+json" } })).text();
    const fetchMs = performance.now() - f0;
    const doc = JSON.parse(text) as { tally: { counts: Record<string, number>; people: Record<string, number> }; verdicts: unknown[] };
    console.log(
      `the signed referral: ${fmt(text.length / 1024 / 1024, 2)} MiB, served in ${seconds(fetchMs)}; bodies ${JSON.stringify(doc.tally.counts)}, ` +
        `people ${JSON.stringify(doc.tally.people)}; ${doc.verdicts.length} signed verdicts embedded`,
    );
    const expected = { ratify: 0, reject: 0, abstain: 0 };
    for (const a of assemblies) expected[a.index % 10 === 9 ? "abstain" : a.index % 10 >= 6 ? "reject" : "ratify"]++;
    if (JSON.stringify(doc.tally.counts) !== JSON.stringify(expected)) throw new Error(`the tally is ${JSON.stringify(doc.tally.counts)}, expected ${JSON.stringify(expected)}`);

    // ---------------------------------------------------------------------------- verify
    for (const depth of [0, 1]) {
      const verifyProfile = await profile(`verify-depth${depth}`);
      const verifySql = sqlCountsSoFar();
      const verifyCpu = process.cpuUsage();
      const v0 = performance.now();
      const v = await runVerify(referral, { allowPrivateAddress: true, depth });
      const ms = performance.now() - v0;
      await verifyProfile.stop();
      const failing = v.checks.filter((c) => !c.ok);
      console.log(
        `verify depth ${depth}: ${v.ok ? "pass" : "FAIL"} in ${seconds(ms)}, ${v.checks.length} checks${failing.length ? `, ${failing.length} failing, e.g. ${failing[0]!.name}: ${failing[0]!.detail}` : ""}`,
      );
      statementsSince(verifySql, `verify depth ${depth} (the servers answering it)`);
      cpuSince(verifyCpu, 0, ms, `verify depth ${depth} (verifier and servers)`);
      if (!v.ok) failed = true;
    }
  } finally {
    await ratVoter.stop();
  }
  console.log(`peak RSS ${fmt(process.resourceUsage().maxRSS / 1024, 0)} MiB; total ${seconds(performance.now() - started)}`);
} catch (err) {
  failed = true;
  if (stopping === null) console.error(err); // else stopped by a signal: the error is the closed database
} finally {
  await shutdown();
}
process.exit(failed ? 1 : 0);
