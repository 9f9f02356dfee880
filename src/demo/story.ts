import { runVerify } from "../cli/verify-command.ts";
import { runDueDeadlines } from "../decisions/index.ts";
import { listReferrals, sendConfederalOffer, tableConfederalProposal } from "../federation/confederation.ts";
import { mandateUrl } from "../federation/mandates.ts";
import {
  describeRule,
  formatFraction,
  fraction,
  type ChoiceCounts,
  type DecisionRule,
  type RatificationRule,
  type VoteChoice,
} from "../governance/index.ts";
import { createDemoWorld, type DemoInstance, type DemoWorld } from "./instances.ts";
import { confederationBylaws, createBody, createPeople, decide, electDelegate, eventually, membersOf, quickBylaws, ratify, type People } from "./steps.ts";

// The demonstration (`npm run demo`, test/integration/demo.test.ts): six Folkmoot
// instances in this process, three communes and three councils, tell one story of
// confederation in real time. Every step prints one line; every checkpoint is checked
// and the result says which failed. Nothing is simulated but the people, who vote
// through the decisions service of their own instance (as the API would have them do).

export interface StoryOptions {
  /** Receives each line of the account as it happens. */
  log: (line: string) => void;
  /** Six loopback addresses: three communes, then the North, South and regional councils (default 127.0.0.50–55). */
  hosts?: readonly string[];
  /** The instances' own log level (default silent). */
  logLevel?: string;
  /** Receives a function that stops every instance and deletes their data (for an interrupt). */
  onCleanup?: (cleanup: () => Promise<void>) => void;
}

interface TallyDoc {
  counts: { ratify: number; reject: number; abstain: number };
  people: { ratify: number; reject: number; abstain: number };
  passed: boolean;
  outcome: string;
  reason: string;
  ratifiedBy: string[];
  rejectedBy: string[];
  abstained: string[];
  bound: string[];
}

/** A referral as its confederation publishes it (the parts the story reads). */
interface ReferralDoc {
  id: string;
  name: string;
  status: "open" | "closed";
  proposer: string;
  endTime: string;
  rule: RatificationRule;
  bodies: { body: string; members: number }[];
  parent: { confederation: string; referral: string } | null;
  decides?: { kind: string; payload: unknown } | null;
  verdicts: { body: string; verdict: string; document: Record<string, unknown> | null }[];
  tally?: TallyDoc;
  proof?: { cryptosuite?: string };
}

export interface Tally {
  referral: string;
  rule: string;
  counts: { ratify: number; reject: number; abstain: number };
  outcome: string;
  ratifiedBy: string[];
  rejectedBy: string[];
  abstained: string[];
  bound: string[];
  reason: string;
}

export interface VerifySummary {
  url: string;
  ok: boolean;
  checks: { name: string; ok: boolean; detail: string }[];
}

/** What the story established, checkpoint by checkpoint (handles, not URIs). */
export interface StoryResult {
  ok: boolean;
  /** Checkpoints that did not hold (or the error that stopped the story). */
  failures: string[];
  lines: string[];
  elapsedMs: number;
  /** How long each act took, in order. */
  acts: { act: string; ms: number }[];
  /** Council → member bodies admitted by its open admission after their `join`. */
  admitted: Record<string, string[]>;
  /** Assembly → how it decided to join (outcome, counts). */
  joins: Record<string, { outcome: string | null; counts: string }>;
  /** The municipal councils' own `join` of the regional council (decided by referral to their members). */
  councilJoins: Record<string, Tally>;
  /** The bodies of the regional council with their weights, once admitted. */
  regionMembers: { body: string; members: number }[];
  municipal: { tally: Tally | null; ratifications: Record<string, { outcome: string | null; counts: string; rule: string }> };
  /** North's own decision, by referral to its assemblies, to table the seed bank at the region. */
  tabling: { tally: Tally | null; ratifications: Record<string, { outcome: string | null; counts: string }>; offerSent: boolean };
  recall: {
    outcome: string | null;
    referralOpenWhenReceived: boolean;
    revocationReceived: boolean;
    refusedLocally: string | null;
    refusedByCouncil: string | null;
    noNewReferral: boolean;
  };
  cascade: {
    region: Tally | null;
    nested: Record<string, Tally & { verdictUp: string | null }>;
    base: Record<string, { verdict: string; counts: string; rule: string }>;
    verdictsAtRegion: Record<string, string>;
  };
  leave: { effective: boolean; members: string[] };
  verify: VerifySummary[];
}

const AP_JSON = "application/activity+json";
const DEFAULT_HOSTS = ["127.0.0.50", "127.0.0.51", "127.0.0.52", "127.0.0.53", "127.0.0.54", "127.0.0.55"];

// Periods: assemblies deliberate 1 s and vote 4 s; a municipal council's referral is due
// 20 s after it opens, the regional council's 30 s (the municipal councils refer it down
// with a deadline at 80 % of what remains, so their verdicts reach the region in time).
const ASSEMBLY_VOTING = "PT4S";
const MUNICIPAL_VOTING = "PT19S";
const REGIONAL_VOTING = "PT29S";
const WAIT = 60_000;

const localId = (uri: string) => uri.split("/").at(-1)!;

function ruleText(rule: DecisionRule): string {
  return rule.kind === "supermajority" ? `supermajority ${formatFraction(rule.fraction)}` : describeRule(rule);
}

function ratificationRuleText(rule: RatificationRule): string {
  switch (rule.kind) {
    case "unanimity":
      return "unanimity of bodies";
    case "majority":
      return "majority of bodies";
    case "supermajority":
      return `${formatFraction(rule.fraction)} of bodies`;
    case "double-majority":
      return `double majority (${formatFraction(rule.bodies)} of bodies and ${formatFraction(rule.people)} of the people they hold)`;
    case "weighted":
      return `weighted (${formatFraction(rule.fraction)} of the people they hold)`;
  }
}

function countsText(c: ChoiceCounts | null): string {
  if (!c) return "no counts";
  const extra = [c.abstain ? `${c.abstain} abstaining` : "", c.block ? `${c.block} blocking` : ""].filter(Boolean).join(", ");
  return `${c.agree}–${c.disagree}${extra ? ` (${extra})` : ""}`;
}

const verdictOf = (outcome: string | null) => (outcome === "passed" ? "ratify" : outcome === "rejected" ? "reject" : "abstain");

async function fetchReferral(url: string): Promise<ReferralDoc> {
  const res = await fetch(url, { headers: { accept: AP_JSON }, signal: AbortSignal.timeout(15_000) });
  if (!res.ok) throw new Error(`GET ${url}: ${res.status}`);
  return (await res.json()) as ReferralDoc;
}

/** Runs the whole story; never throws: a failure ends it and is reported in the result. */
export async function runStory(opts: StoryOptions): Promise<StoryResult> {
  const started = Date.now();
  const hosts = opts.hosts ?? DEFAULT_HOSTS;
  if (hosts.length < 6) throw new Error("the story needs six loopback addresses");
  const result: StoryResult = {
    ok: false,
    failures: [],
    lines: [],
    elapsedMs: 0,
    acts: [],
    admitted: {},
    joins: {},
    councilJoins: {},
    regionMembers: [],
    municipal: { tally: null, ratifications: {} },
    tabling: { tally: null, ratifications: {}, offerSent: false },
    recall: { outcome: null, referralOpenWhenReceived: false, revocationReceived: false, refusedLocally: null, refusedByCouncil: null, noNewReferral: false },
    cascade: { region: null, nested: {}, base: {}, verdictsAtRegion: {} },
    leave: { effective: false, members: [] },
    verify: [],
  };
  const stamp = () => `+${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s`;
  const say = (line: string) => {
    const stamped = `${stamp()}  ${line}`;
    result.lines.push(stamped);
    opts.log(stamped);
  };
  const check = (ok: boolean, what: string) => {
    if (!ok) {
      result.failures.push(what);
      say(`CHECK FAILED: ${what}`);
    }
    return ok;
  };
  let actStarted = Date.now();
  const act = (title: string) => {
    const now = Date.now();
    if (result.acts.length > 0) result.acts.at(-1)!.ms = now - actStarted;
    actStarted = now;
    result.acts.push({ act: title, ms: 0 });
    say("");
    say(`== ${title}`);
  };

  const instances: DemoInstance[] = [];
  let world: DemoWorld | null = null;
  try {
    // ---------------------------------------------------------------------------------
    act("Six instances, each with its own embedded database, on its own loopback address");
    const names = ["ashford", "millbrook", "oakvale", "north-council", "south-council", "regional-council"] as const;
    world = await createDemoWorld(opts.logLevel);
    const w = world;
    opts.onCleanup?.(() => w.close());
    const started6 = await Promise.allSettled(names.map((n, i) => w.start(n, hosts[i]!)));
    for (const s of started6) if (s.status === "fulfilled") instances.push(s.value);
    const failedStart = started6.find((s) => s.status === "rejected");
    if (failedStart) throw (failedStart as PromiseRejectedResult).reason;
    const [ashford, millbrookInst, oakvale, northInst, southInst, regionInst] = instances as [DemoInstance, DemoInstance, DemoInstance, DemoInstance, DemoInstance, DemoInstance];

    // Where each body lives, its URI, and a name for every URI the story prints.
    const home: Record<string, DemoInstance> = {};
    const uri: Record<string, string> = {};
    const names2 = new Map<string, string>();
    const at = (handle: string) => `[${handle}@${home[handle]!.host}]`;
    const nameOf = (u: string) => names2.get(u) ?? u;
    /** `text` with every URI the story knows replaced by its name (longest first). */
    const readable = (text: string) => [...names2.entries()].sort((a, b) => b[0].length - a[0].length).reduce((t, [u, n]) => t.replaceAll(u, n), text);
    const namesOf = (us: readonly string[]) => (us.length ? us.map(nameOf).join(", ") : "none");

    const rules: Record<string, DecisionRule> = {
      riverside: { kind: "simple-majority" },
      hillside: { kind: "consensus" },
      millbrook: { kind: "supermajority", fraction: fraction(2, 3) },
      oakfield: { kind: "supermajority", fraction: fraction(3, 4) },
      fernwood: { kind: "simple-majority" },
    };
    const councilRules: Record<string, RatificationRule> = {
      north: { kind: "majority" },
      south: { kind: "unanimity" },
      region: { kind: "double-majority", bodies: fraction(1, 2), people: fraction(1, 2) },
    };
    const councilNames: Record<string, string> = { north: "North municipal council", south: "South municipal council", region: "the regional council" };
    const assemblies: { handle: string; name: string; inst: DemoInstance; people: string[]; council: "north" | "south" }[] = [
      { handle: "riverside", name: "Riverside Assembly", inst: ashford, people: ["alice", "bob", "carol"], council: "north" },
      { handle: "hillside", name: "Hillside Assembly", inst: ashford, people: ["dan", "erin"], council: "north" },
      { handle: "millbrook", name: "Millbrook Assembly", inst: millbrookInst, people: ["fay", "gus", "hal"], council: "north" },
      { handle: "oakfield", name: "Oakfield Assembly", inst: oakvale, people: ["ida", "jon", "kim", "lea"], council: "south" },
      { handle: "fernwood", name: "Fernwood Assembly", inst: oakvale, people: ["max", "ned", "ola"], council: "south" },
    ];
    const p: People = {};
    for (const inst of [ashford, millbrookInst, oakvale]) {
      const handles = assemblies.filter((a) => a.inst === inst).flatMap((a) => a.people);
      Object.assign(p, await createPeople(inst, handles));
      for (const h of handles) names2.set(p[h]!, `${h}@${inst.name}`);
    }
    for (const a of assemblies) {
      home[a.handle] = a.inst;
      uri[a.handle] = await createBody(a.inst, {
        handle: a.handle,
        kind: "assembly",
        name: a.name,
        members: a.people.map((h) => p[h]!),
        bylaws: quickBylaws("assembly", { decisionRule: rules[a.handle]!, votingPeriod: ASSEMBLY_VOTING }),
      });
      names2.set(uri[a.handle]!, a.handle);
    }
    for (const [handle, inst, voting] of [["north", northInst, MUNICIPAL_VOTING], ["south", southInst, MUNICIPAL_VOTING], ["region", regionInst, REGIONAL_VOTING]] as const) {
      home[handle] = inst;
      uri[handle] = await createBody(inst, { handle, kind: "confederation", name: councilNames[handle]!, bylaws: confederationBylaws(councilRules[handle]!, { voting }) });
      names2.set(uri[handle]!, handle);
    }
    for (const inst of [ashford, millbrookInst, oakvale]) {
      const here = assemblies.filter((a) => a.inst === inst);
      say(`[${inst.name}@${inst.host}] commune up: ${here.map((a) => `${a.handle} (${a.people.length} members, decides by ${ruleText(rules[a.handle]!)})`).join("; ")}`);
    }
    for (const c of ["north", "south", "region"]) say(`${at(c)} ${councilNames[c]} up: a confederation of bodies, ratifies by ${ratificationRuleText(councilRules[c]!)}; admission open`);

    // ---------------------------------------------------------------------------------
    act("Assemblies join their municipal councils, each by its own decision");
    await Promise.all(
      assemblies.map(async (a) => {
        const votes = Object.fromEntries(a.people.map((h) => [p[h]!, "agree" as VoteChoice]));
        const d = await decide(a.inst, null, { body: a.handle, author: p[a.people[0]!]!, kind: "join", title: `${a.name} joins ${councilNames[a.council]}`, payload: { confederation: uri[a.council] }, votes });
        result.joins[a.handle] = { outcome: d.outcome, counts: countsText(d.counts) };
        say(`${at(a.handle)} decided to join ${councilNames[a.council]}: ${d.outcome} ${countsText(d.counts)} (${ruleText(rules[a.handle]!)}); sends Join`);
      }),
    );
    for (const c of ["north", "south"] as const) {
      const expected = assemblies.filter((a) => a.council === c).map((a) => uri[a.handle]!);
      const members = await eventually(async () => {
        const m = await membersOf(home[c]!, c);
        return expected.every((e) => m.includes(e)) ? m : null;
      }, WAIT, `${c} admits its assemblies`).catch(() => membersOf(home[c]!, c));
      result.admitted[c] = members.map(nameOf);
      check(expected.every((e) => members.includes(e)), `${c} admitted ${expected.map(nameOf).join(", ")}`);
      say(`${at(c)} admitted ${namesOf(members)} (open admission: each Join answered with Accept)`);
    }

    // ---------------------------------------------------------------------------------
    act("Delegates are elected with mandates");
    const mandateEnd = new Date(Date.now() + 30 * 86_400_000).toISOString();
    const mandateStart = new Date(Date.now() - 60_000).toISOString();
    const elect = async (body: string, delegate: string, voters: string[], council: string) => {
      const d = await electDelegate(home[body]!, null, {
        body,
        author: p[voters[0]!]!,
        delegate: p[delegate]!,
        confederation: uri[council]!,
        title: `${delegate} is our delegate to ${councilNames[council]}`,
        scope: `Table our confederal proposals at ${councilNames[council]}`,
        instructions: "Table what the assembly decides; report back",
        covers: ["confederal"],
        start: mandateStart,
        end: mandateEnd,
        votes: Object.fromEntries(voters.map((h) => [p[h]!, "agree" as VoteChoice])),
      });
      check(d.outcome === "passed", `${body} elected ${delegate}`);
      say(`${at(body)} elected ${delegate} confederal delegate to ${councilNames[council]} (mandate covers "confederal", until ${mandateEnd.slice(0, 10)}): ${d.outcome} ${countsText(d.counts)}`);
      return d.mandate;
    };
    const [bobMandate, idaMandate, fayMandate] = await Promise.all([
      elect("riverside", "bob", ["alice", "bob", "carol"], "north"),
      elect("oakfield", "ida", ["ida", "jon", "kim", "lea"], "south"),
      elect("millbrook", "fay", ["fay", "gus", "hal"], "north"),
    ]);
    names2.set(bobMandate, "of bob (from riverside)");
    names2.set(fayMandate, "of fay (from millbrook)");
    names2.set(idaMandate, "of ida (from oakfield)");

    // ---------------------------------------------------------------------------------
    act("The municipal councils decide to join the regional council (a council decides by referring the question to its member bodies)");
    const waitReferral = async (inst: DemoInstance, conf: string, known: number, label: string) =>
      eventually(async () => {
        const list = await listReferrals(inst.app, localId(uri[conf]!));
        return list.length > known ? list[0] : null;
      }, WAIT, label);
    const waitClosed = async (inst: DemoInstance, url: string, label: string) =>
      eventually(async () => {
        await runDueDeadlines(inst.app);
        const doc = await fetchReferral(url);
        return doc.status === "closed" && doc.tally ? doc : null;
      }, WAIT, label);
    const tallyOf = (doc: ReferralDoc): Tally => ({
      referral: doc.id,
      rule: ratificationRuleText(doc.rule),
      counts: doc.tally!.counts,
      outcome: doc.tally!.outcome,
      ratifiedBy: doc.tally!.ratifiedBy.map(nameOf),
      rejectedBy: doc.tally!.rejectedBy.map(nameOf),
      abstained: doc.tally!.abstained.map(nameOf),
      bound: doc.tally!.bound.map(nameOf),
      reason: doc.tally!.reason,
    });
    const sayTally = (conf: string, doc: ReferralDoc, what: string) => {
      const t = doc.tally!;
      say(`${at(conf)} tally of “${doc.name}” by ${ratificationRuleText(doc.rule)}: ${t.outcome} — ratify ${t.counts.ratify}, reject ${t.counts.reject}, abstain ${t.counts.abstain}; ${t.reason} Binds: ${namesOf(t.bound)}${what}`);
    };
    const councilJoin = async (council: "north" | "south", delegate: string, mandate: string) => {
      const inst = home[council]!;
      const delegateHome = assemblies.find((a) => a.people.includes(delegate))!;
      const before = (await listReferrals(inst.app, localId(uri[council]!))).length;
      const title = `${councilNames[council]} joins the regional council`;
      const tabled = await tableConfederalProposal(delegateHome.inst.app, localId(p[delegate]!), {
        confederation: uri[council]!,
        title,
        text: `${councilNames[council]} becomes a member of the regional council.`,
        topic: "membership",
        mandate,
        decides: { kind: "join", payload: { confederation: uri.region } },
      });
      if (!tabled.ok) throw new Error(`${delegate} could not table the join: ${tabled.error.message}`);
      say(`[${delegate}@${delegateHome.inst.name}] tables at ${council}, under ${delegateHome.handle}'s mandate: “${title}” (decides: join ${nameOf(uri.region!)})`);
      const r = await waitReferral(inst, council, before, `${council}'s join referral`);
      const members = assemblies.filter((a) => a.council === council);
      say(`${at(council)} referred “${title}” to ${members.map((a) => a.handle).join(", ")}; verdicts due by ${r.deadline.toISOString().slice(11, 19)}`);
      await Promise.all(
        members.map(async (a) => {
          const d = await ratify(a.inst, a.handle, r.uri, Object.fromEntries(a.people.map((h) => [p[h]!, "agree" as VoteChoice])), WAIT);
          say(`${at(a.handle)} ratification of “${title}”: ${d.outcome} ${countsText(d.counts)} (${ruleText(rules[a.handle]!)}) → verdict ${verdictOf(d.outcome)}, signed and sent to ${council}`);
        }),
      );
      const doc = await waitClosed(inst, r.uri, `${council}'s join referral closes`);
      result.councilJoins[council] = tallyOf(doc);
      check(doc.tally!.passed, `${council}'s members ratified its joining the region`);
      sayTally(council, doc, doc.tally!.passed ? `. So ${council} joins: it sends Join to the regional council` : "");
    };
    await Promise.all([councilJoin("north", "bob", bobMandate), councilJoin("south", "ida", idaMandate)]);
    const regionMembers = await eventually(async () => {
      const rows = await regionInst.app.db
        .selectFrom("memberships")
        .innerJoin("actors", "actors.id", "memberships.body_id")
        .select(["memberships.member_uri", "memberships.member_count"])
        .where("actors.handle", "=", "region")
        .execute();
      return rows.length === 2 && rows.every((r) => r.member_count !== null) ? rows : null;
    }, WAIT, "the region admits both councils").catch(() => []);
    result.regionMembers = regionMembers.map((r) => ({ body: nameOf(r.member_uri), members: r.member_count ?? 0 }));
    check(regionMembers.length === 2, "the regional council admitted north and south");
    say(`${at("region")} admitted ${result.regionMembers.map((m) => `${m.body} (weight ${m.members}: the people of its member bodies)`).join(", ")} (open admission)`);

    // ---------------------------------------------------------------------------------
    act("Delegates table two proposals at North; the assemblies decide them by their own rules; a delegate is recalled mid-vote");
    const municipalTitle = "A shared tool library";
    const regionalTitle = "A regional seed bank";
    const regionalText = "The region keeps a seed bank; each municipality stocks it in turn.";
    const tablingTitle = `North proposes “${regionalTitle}” at the regional council`;
    const before = (await listReferrals(northInst.app, localId(uri.north!))).length;
    const tabled = await tableConfederalProposal(ashford.app, localId(p.bob!), { confederation: uri.north!, title: municipalTitle, text: "Each assembly hosts one shelf of tools, lent to anyone in the municipality.", topic: "commons", mandate: bobMandate });
    if (!tabled.ok) throw new Error(`bob could not table: ${tabled.error.message}`);
    say(`[bob@ashford] tables “${municipalTitle}” at north under riverside's mandate (an Offer carrying the mandate's URL)`);
    const municipal = await waitReferral(northInst, "north", before, "the municipal referral");
    const municipalDoc0 = await fetchReferral(municipal.uri);
    say(`${at("north")} checked bob's signed mandate and referred it to ${namesOf(municipalDoc0.bodies.map((b) => b.body))}; verdicts due by ${municipalDoc0.endTime.slice(11, 19)} (${municipal.uri})`);
    // North's own decision to table at the region: a council's members are bodies, so it
    // decides by referring the question to them (decides: confederal).
    const tablingAt = await tableConfederalProposal(millbrookInst.app, localId(p.fay!), {
      confederation: uri.north!,
      title: tablingTitle,
      text: `If ratified, North tables at the regional council: ${regionalText}`,
      topic: "commons",
      mandate: fayMandate,
      decides: { kind: "confederal", payload: { confederation: uri.region, title: regionalTitle, text: regionalText, topic: "commons" } },
    });
    if (!tablingAt.ok) throw new Error(`fay could not table: ${tablingAt.error.message}`);
    say(`[fay@millbrook] tables at north, under millbrook's mandate: “${tablingTitle}” (decides: confederal, at ${nameOf(uri.region!)})`);
    const tabling = await eventually(async () => (await listReferrals(northInst.app, localId(uri.north!))).find((r) => r.title === tablingTitle) ?? null, WAIT, "north's tabling referral");
    say(`${at("north")} referred it to its assemblies too; verdicts due by ${tabling.deadline.toISOString().slice(11, 19)}`);
    const tablingRatifications = Promise.all(
      (["riverside", "hillside", "millbrook"] as const).map(async (h) => {
        const votes = Object.fromEntries(assemblies.find((a) => a.handle === h)!.people.map((x) => [p[x]!, "agree" as VoteChoice]));
        const d = await ratify(home[h]!, h, tabling.uri, votes, WAIT);
        result.tabling.ratifications[h] = { outcome: d.outcome, counts: countsText(d.counts) };
        say(`${at(h)} ratification of “${tablingTitle}”: ${d.outcome} ${countsText(d.counts)} → verdict ${verdictOf(d.outcome)}, signed and sent to north`);
      }),
    );
    const municipalVotes: Record<string, Record<string, VoteChoice>> = {
      riverside: { [p.alice!]: "agree", [p.bob!]: "agree", [p.carol!]: "disagree" },
      hillside: { [p.dan!]: "agree", [p.erin!]: "disagree" },
      millbrook: { [p.fay!]: "agree", [p.gus!]: "agree", [p.hal!]: "disagree" },
    };
    const ratifications = Promise.all(
      (["riverside", "hillside", "millbrook"] as const).map(async (h) => {
        const d = await ratify(home[h]!, h, municipal.uri, municipalVotes[h]!, WAIT);
        result.municipal.ratifications[h] = { outcome: d.outcome, counts: countsText(d.counts), rule: ruleText(rules[h]!) };
        say(`${at(h)} ratification of “${municipalTitle}”: ${d.outcome} ${countsText(d.counts)} (${ruleText(rules[h]!)}) → verdict ${verdictOf(d.outcome)}, signed and sent to north`);
      }),
    );
    // Meanwhile, Riverside recalls its delegate.
    const recall = (async () => {
      say(`${at("riverside")} carol moves to recall bob (a recall is always decided by simple majority)`);
      const d = await decide(ashford, null, { body: "riverside", author: p.carol!, kind: "recall", title: "Recall bob", payload: { delegate: p.bob }, votes: { [p.alice!]: "agree", [p.carol!]: "agree", [p.bob!]: "disagree" } });
      result.recall.outcome = d.outcome;
      say(`${at("riverside")} recalled bob: ${d.outcome} ${countsText(d.counts)}; his mandate is revoked at once and riverside sends the signed revocation (Remove) to north`);
      const received = await eventually(async () => {
        const rows = await northInst.app.db.selectFrom("governance_events").select("event").where("type", "=", "mandate-revocation-received").execute();
        return rows.length > 0 ? rows : null;
      }, WAIT, "the revocation reaches north").catch(() => null);
      result.recall.revocationReceived = received !== null;
      const openNow = (await fetchReferral(municipal.uri)).status === "open";
      result.recall.referralOpenWhenReceived = openNow;
      check(result.recall.revocationReceived, "north received the revocation");
      check(openNow, "the municipal referral was still open when north received the revocation");
      say(`${at("north")} received and checked riverside's revocation of bob's mandate; the referral is still ${openNow ? "open" : "closed"}`);
      // bob tries again.
      const count = (await listReferrals(northInst.app, localId(uri.north!))).length;
      const again = await tableConfederalProposal(ashford.app, localId(p.bob!), { confederation: uri.north!, title: "A second proposal after the recall", text: "…", topic: "commons", mandate: bobMandate });
      result.recall.refusedLocally = again.ok ? null : again.error.message;
      check(!again.ok, "bob's own instance refused his act after the recall");
      say(`[bob@ashford] tries to table another proposal: refused by his own instance: ${again.ok ? "(it was not!)" : again.error.message.replace(/\(recalled by .*\)/, "(recalled by riverside)")}`);
      // As a hostile instance would: send the Offer anyway.
      const sent = await sendConfederalOffer(ashford.app, localId(p.bob!), { confederation: uri.north!, title: "A second proposal after the recall", text: "…", topic: "commons", mandateUrl: mandateUrl(ashford.app.config.publicOrigin, bobMandate).href });
      if (!sent.ok) throw new Error(sent.error.message);
      const answer = await eventually(async () => {
        const rows = await northInst.app.db.selectFrom("activities").select(["payload"]).where("type", "=", "Create").execute();
        for (const r of rows) {
          const content = String((JSON.parse(r.payload) as { object?: { content?: string } }).object?.content ?? "");
          const m = /was not tabled in @north: (.*?)\.?<\/p>/.exec(content);
          if (m && content.includes("A second proposal after the recall")) return m[1]!.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, "&");
        }
        return null;
      }, WAIT, "north's answer to the Offer sent anyway").catch(() => null);
      result.recall.refusedByCouncil = answer;
      result.recall.noNewReferral = (await listReferrals(northInst.app, localId(uri.north!))).length === count;
      check(answer !== null && /revoked/.test(answer), "north refused the recalled delegate's act (mandate revoked)");
      check(result.recall.noNewReferral, "no referral was opened for the recalled delegate");
      say(`[bob@ashford] sends the Offer anyway, as a hostile instance would: ${at("north")} refuses it: ${answer ? readable(answer) : "(no answer)"}; no referral opened`);
    })();
    await Promise.all([ratifications, recall, tablingRatifications]);
    const municipalDoc = await waitClosed(northInst, municipal.uri, "the municipal referral closes");
    result.municipal.tally = tallyOf(municipalDoc);
    sayTally("north", municipalDoc, "");
    const rBefore = (await listReferrals(regionInst.app, localId(uri.region!))).length;
    const tablingDoc = await waitClosed(northInst, tabling.uri, "north's tabling referral closes");
    result.tabling.tally = tallyOf(tablingDoc);
    check(tablingDoc.tally!.passed, "north's assemblies ratified tabling the seed bank at the region");
    sayTally("north", tablingDoc, tablingDoc.tally!.passed ? ". So north tables it at the regional council itself: an Offer signed by north" : "");

    // ---------------------------------------------------------------------------------
    act("A regional referral cascades to the base and the verdicts come back up");
    const regional = await waitReferral(regionInst, "region", rBefore, "the regional referral");
    result.tabling.offerSent = true;
    const regionalDoc0 = await fetchReferral(regional.uri);
    check(regionalDoc0.proposer === uri.north, "the regional proposal was tabled by north itself");
    say(`${at("region")} took north's Offer and referred it to ${regionalDoc0.bodies.map((b) => `${nameOf(b.body)} (weight ${b.members})`).join(", ")}; verdicts due by ${regionalDoc0.endTime.slice(11, 19)} (${regional.uri})`);
    const nestedOf = async (c: "north" | "south") =>
      eventually(async () => {
        const row = await home[c]!.app.db.selectFrom("referrals").select(["uri", "deadline"]).where("parent", "=", regional.uri).executeTakeFirst();
        return row ?? null;
      }, WAIT, `${c} refers the regional proposal down`);
    const nested = { north: await nestedOf("north"), south: await nestedOf("south") };
    for (const c of ["north", "south"] as const) {
      const d = await fetchReferral(nested[c].uri);
      say(`${at(c)} does not vote on it: refers it down to ${namesOf(d.bodies.map((b) => b.body))} (nested; due by ${d.endTime.slice(11, 19)}, before the region's deadline)`);
    }
    const cascadeVotes: Record<string, Record<string, VoteChoice>> = {
      riverside: { [p.alice!]: "agree", [p.bob!]: "agree", [p.carol!]: "agree" },
      hillside: { [p.dan!]: "agree", [p.erin!]: "agree" },
      millbrook: { [p.fay!]: "agree", [p.gus!]: "disagree", [p.hal!]: "disagree" },
      oakfield: { [p.ida!]: "agree", [p.jon!]: "agree", [p.kim!]: "agree", [p.lea!]: "disagree" },
      fernwood: { [p.max!]: "agree", [p.ned!]: "disagree", [p.ola!]: "disagree" },
    };
    await Promise.all(
      assemblies.map(async (a) => {
        const d = await ratify(a.inst, a.handle, nested[a.council].uri, cascadeVotes[a.handle]!, WAIT);
        result.cascade.base[a.handle] = { verdict: verdictOf(d.outcome), counts: countsText(d.counts), rule: ruleText(rules[a.handle]!) };
        say(`${at(a.handle)} ratification of “${regionalTitle}”: ${d.outcome} ${countsText(d.counts)} (${ruleText(rules[a.handle]!)}) → verdict ${verdictOf(d.outcome)}, sent to ${a.council}`);
      }),
    );
    for (const c of ["north", "south"] as const) {
      const doc = await waitClosed(home[c]!, nested[c].uri, `${c}'s nested referral closes`);
      const verdictUp = doc.tally!.passed ? "ratify" : doc.tally!.counts.ratify + doc.tally!.counts.reject === 0 ? "abstain" : "reject";
      result.cascade.nested[c] = { ...tallyOf(doc), verdictUp };
      sayTally(c, doc, `. Its verdict to the region: ${verdictUp} (signed, embedding this tally)`);
    }
    const regionalDoc = await waitClosed(regionInst, regional.uri, "the regional referral closes");
    result.cascade.region = tallyOf(regionalDoc);
    for (const v of regionalDoc.verdicts) result.cascade.verdictsAtRegion[nameOf(v.body)] = v.verdict;
    say(`${at("region")} received verdicts: ${regionalDoc.verdicts.map((v) => `${nameOf(v.body)} ${v.verdict}`).join(", ") || "none"}`);
    sayTally("region", regionalDoc, "");

    // ---------------------------------------------------------------------------------
    act("An assembly leaves its municipal council");
    const left = await decide(ashford, null, { body: "hillside", author: p.dan!, kind: "leave", title: "Hillside leaves North municipal council", payload: { confederation: uri.north }, votes: { [p.dan!]: "agree", [p.erin!]: "agree" } });
    say(`${at("hillside")} decided to leave north: ${left.outcome} ${countsText(left.counts)} (${ruleText(rules.hillside!)}); sends Leave`);
    const after = await eventually(async () => {
      const m = await membersOf(northInst, "north");
      return m.includes(uri.hillside!) ? null : m;
    }, WAIT, "hillside has left north").catch(() => null);
    result.leave = { effective: after !== null, members: (after ?? (await membersOf(northInst, "north"))).map(nameOf) };
    check(result.leave.effective, "hillside's leave took effect at north");
    say(`${at("north")} hillside has left, at once; members now: ${result.leave.members.join(", ")}`);

    // ---------------------------------------------------------------------------------
    act("The final record, and anyone's check of it (folkmoot verify, depth 2)");
    const fin = await fetchReferral(regional.uri);
    const t = fin.tally!;
    say(`${at("region")} signed Referral ${fin.id}`);
    say(`   “${fin.name}”: status ${fin.status}; rule ${ratificationRuleText(fin.rule)}; proof ${fin.proof?.cryptosuite ?? "none"}`);
    say(`   bodies (frozen, weights): ${fin.bodies.map((b) => `${nameOf(b.body)} ${b.members}`).join(", ")}`);
    say(`   counts: ratify ${t.counts.ratify}, reject ${t.counts.reject}, abstain ${t.counts.abstain}; weight: ratify ${t.people.ratify}, reject ${t.people.reject}, abstain ${t.people.abstain}`);
    for (const v of fin.verdicts) {
      const d = v.document as { tally?: { counts?: { ratify: number; reject: number; abstain: number } }; rule?: { of: string; rule: RatificationRule } } | null;
      const inner = d?.tally?.counts && d.rule?.of === "verdicts" ? ` (its own members: ${d.tally.counts.ratify} ratify, ${d.tally.counts.reject} reject, ${d.tally.counts.abstain} abstain, by ${ratificationRuleText(d.rule.rule)})` : "";
      say(`   verdict of ${nameOf(v.body)}: ${v.verdict}${inner}, signed by ${nameOf(String(v.document?.attributedTo ?? "?"))}`);
    }
    say(`   outcome: ${t.outcome}; ratified by ${namesOf(t.ratifiedBy)}; rejected by ${namesOf(t.rejectedBy)}; bound: ${namesOf(t.bound)}`);
    for (const url of [regional.uri, municipal.uri]) {
      const v = await runVerify(url, { allowPrivateAddress: true, depth: 2 });
      result.verify.push({ url, ok: v.ok, checks: v.checks.map((c) => ({ name: c.name, ok: c.ok, detail: c.detail })) });
      const which = url === regional.uri ? "regional" : "municipal";
      say(`verify ${which} referral (depth 2): ${v.ok ? "PASS" : "FAIL"}, ${v.checks.filter((c) => c.ok).length} of ${v.checks.length} checks hold`);
      for (const c of v.checks) {
        const line = readable(`${c.name}: ${c.detail}`);
        say(`   ${c.ok ? "✓" : "✗"} ${line.length > 160 ? `${line.slice(0, 157)}…` : line}`);
      }
      check(v.ok, `verify ${which} referral`);
    }

    // The story's expected outcomes.
    check(result.municipal.tally?.outcome === "ratified" && sameSet(result.municipal.tally.bound, ["riverside", "millbrook"]), "municipal tally: ratified by riverside and millbrook, hillside rejected");
    check(result.cascade.nested.north?.verdictUp === "ratify" && result.cascade.nested.south?.verdictUp === "reject", "nested verdicts: north ratify, south reject");
    check(result.cascade.region?.outcome === "ratified" && sameSet(result.cascade.region.bound, ["north"]), "regional tally: ratified, binds north only");
  } catch (err) {
    result.failures.push(`the story stopped: ${(err as Error).stack ?? String(err)}`);
    say(`ERROR: ${(err as Error).message}`);
  } finally {
    if (result.acts.length > 0) result.acts.at(-1)!.ms = Date.now() - actStarted;
    const stopping = Date.now();
    await world?.close().catch((err: unknown) => result.failures.push(`stopping the instances: ${String(err)}`));
    say("");
    say(`Stopped ${instances.length} instances and deleted their data (${((Date.now() - stopping) / 1000).toFixed(1)} s).`);
  }
  result.elapsedMs = Date.now() - started;
  result.ok = result.failures.length === 0;
  return result;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}
