import { publishedTally } from "../../src/federation/confederal-documents.ts";
import { describe, expect, it } from "vitest";
import {
  advance,
  bodyState,
  castVote,
  defaultBylaws,
  draftProposal,
  foundBody,
  openVoting,
  outcomeOf,
  tableProposal,
  tallyVerdicts,
  verdictFromTally,
  type CommandResult,
  type GovernanceEvent,
  type ProposalState,
  type RatificationRule,
  type Verdict,
  type VerdictRule,
  type VerdictsTally,
  type VoteChoice,
  type VoteTally,
} from "../../src/governance/index.ts";
import { signDocument, type KeyFetcher } from "../../src/proofs/integrity.ts";
import { verifyDecision, verifyReferral, type Check, type Verification, type VerifyDeps } from "../../src/verify/index.ts";

// Synthetic confederations: every document is signed with signDocument by the
// actor that must have made it and served from an in-memory map.

const AS = "https://www.w3.org/ns/activitystreams";
const NS = "https://council.example/ns/folkmoot";
const CREATED = new Date("2026-01-01T00:00:00Z");

interface Actor {
  id: string;
  keyId: URL;
  pair: CryptoKeyPair;
}

async function makeActor(id: string): Promise<Actor> {
  const pair = (await crypto.subtle.generateKey("Ed25519", true, ["sign", "verify"])) as CryptoKeyPair;
  return { id, keyId: new URL("#multikey-2", id), pair };
}

/** The documents served, and the keys known, in one test. */
class World {
  readonly docs = new Map<string, unknown>();
  readonly actors = new Map<string, Actor>();
  fetches: string[] = [];

  async actor(id: string): Promise<Actor> {
    const a = await makeActor(id);
    this.actors.set(a.keyId.href, a);
    return a;
  }

  sign(actor: Actor, doc: Record<string, unknown>): Promise<Record<string, unknown>> {
    return signDocument({ "@context": [AS, NS], ...doc }, actor.pair.privateKey, actor.keyId, CREATED);
  }

  serve(doc: Record<string, unknown>): Record<string, unknown> {
    this.docs.set(doc.id as string, doc);
    return doc;
  }

  fetchKey: KeyFetcher = async (keyId) => {
    const a = this.actors.get(keyId.href);
    return a ? { publicKey: a.pair.publicKey, controller: new URL(a.id) } : null;
  };

  deps(): VerifyDeps {
    return {
      fetchJson: async (url) => {
        this.fetches.push(url);
        const doc = this.docs.get(url);
        return doc === undefined ? null : structuredClone(doc);
      },
      fetchKey: this.fetchKey,
    };
  }
}

function check(result: Verification, name: string): Check {
  const found = result.checks.find((c) => c.name === name);
  if (!found) throw new Error(`no check ${name} in:\n${render(result)}`);
  return found;
}

function failing(result: Verification): string[] {
  return result.checks.filter((c) => !c.ok).map((c) => c.name);
}

function render(result: Verification): string {
  return result.checks.map((c) => `${c.ok ? "PASS" : "FAIL"}  ${c.name}: ${c.detail}`).join("\n");
}

const SIMPLE: VerdictRule = { of: "votes", rule: { kind: "simple-majority" } };

function voteTally(agree: number, disagree: number, abstain = 0, roll = 12, quorum = 4): VoteTally {
  return { counts: { agree, disagree, abstain, block: 0 }, roll, turnout: agree + disagree + abstain, quorum };
}

/** The core verdict a Verdict document stands for. */
function coreOf(doc: Record<string, unknown>): Verdict {
  return {
    body: doc.attributedTo as string,
    referral: doc.referral as string,
    verdict: doc.verdict as Verdict["verdict"],
    rule: doc.rule as VerdictRule,
    tally: doc.tally as VoteTally,
    at: doc.published as string,
    ...(typeof doc.decidedBy === "string" ? { decidedBy: doc.decidedBy } : {}),
  };
}

async function verdictDoc(
  w: World,
  body: Actor,
  referral: string,
  fields: { verdict?: string; rule?: VerdictRule; tally?: VoteTally | VerdictsTally; decidedBy?: string; published?: string } = {},
): Promise<Record<string, unknown>> {
  const rule = fields.rule ?? SIMPLE;
  const tally = fields.tally ?? voteTally(7, 2, 1);
  const decidedBy = fields.decidedBy ?? `${body.id.replace("/actors/", "/proposals/")}-ratification`;
  return w.sign(body, {
    id: `${decidedBy}/verdict`,
    type: "Verdict",
    attributedTo: body.id,
    referral,
    verdict: fields.verdict ?? verdictFromTally(rule, tally),
    rule,
    tally,
    published: fields.published ?? "2026-11-22T10:03:10.000Z",
    decidedBy,
  });
}

interface ReferralInput {
  id: string;
  bodies: { body: string; members: number }[];
  entries: { receivedAt: string; document: Record<string, unknown> }[];
  rule?: RatificationRule;
  proposer?: string;
  mandate?: Record<string, unknown>;
  parent?: { confederation: string; referral: string } | null;
  status?: "open" | "closed";
  left?: string[];
  /** Lets a test make the server lie about its tally. */
  lie?: (tally: Record<string, unknown>) => void;
}

const PUBLISHED = "2026-11-22T10:00:00.000Z";
const END = "2026-11-22T10:05:00.000Z";

/** A referral signed by its confederation, its tally computed as an honest server would (from the entries it kept). */
async function referralDoc(w: World, conf: Actor, r: ReferralInput): Promise<Record<string, unknown>> {
  const rule = r.rule ?? { kind: "majority" };
  const t = tallyVerdicts(
    rule,
    { id: r.id, bodies: r.bodies, left: r.left ?? [] },
    r.entries.map((e) => coreOf(e.document)),
  );
  const tally: Record<string, unknown> = publishedTally(t);
  r.lie?.(tally);
  const status = r.status ?? "closed";
  return w.serve(
    await w.sign(conf, {
      id: r.id,
      type: "Referral",
      attributedTo: conf.id,
      kind: r.parent ? "ratification" : "confederal",
      name: "A shared tool library",
      content: "Each assembly hosts one shelf.",
      topic: "commons",
      proposer: r.proposer ?? r.bodies[0]!.body,
      ...(r.mandate ? { mandate: r.mandate } : {}),
      bodies: r.bodies,
      rule,
      published: PUBLISHED,
      endTime: END,
      parent: r.parent ?? null,
      admit: null,
      status,
      closed: status === "closed" ? "2026-11-22T10:05:01.000Z" : null,
      left: r.left ?? [],
      verdicts: r.entries,
      tally: status === "closed" ? tally : null,
    }),
  );
}

/** Three bodies (riverside, hilltop, lakeside) in a council; riverside and hilltop ratify, lakeside rejects. */
async function council(w: World) {
  const conf = await w.actor("https://council.example/ap/actors/council");
  const riverside = await w.actor("https://riverside.example/ap/actors/riverside");
  const hilltop = await w.actor("https://hilltop.example/ap/actors/hilltop");
  const lakeside = await w.actor("https://lakeside.example/ap/actors/lakeside");
  const outsider = await w.actor("https://outsider.example/ap/actors/outsider");
  const id = "https://council.example/ap/referrals/r1";
  const bodies = [
    { body: riverside.id, members: 12 },
    { body: hilltop.id, members: 8 },
    { body: lakeside.id, members: 9 },
  ];
  const entries = [
    { receivedAt: "2026-11-22T10:03:12.000Z", document: await verdictDoc(w, riverside, id, { tally: voteTally(7, 2, 1) }) },
    { receivedAt: "2026-11-22T10:03:40.000Z", document: await verdictDoc(w, hilltop, id, { tally: voteTally(5, 1, 0, 8, 3) }) },
    { receivedAt: "2026-11-22T10:04:00.000Z", document: await verdictDoc(w, lakeside, id, { tally: voteTally(2, 6, 0, 9, 3) }) },
  ];
  return { conf, riverside, hilltop, lakeside, outsider, id, bodies, entries };
}

const DANA = "https://riverside.example/ap/actors/dana";

async function mandateDoc(w: World, giver: Actor, extra: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  return w.sign(giver, {
    id: "https://riverside.example/ap/mandates/bWFuZGF0ZQ",
    type: "Mandate",
    attributedTo: giver.id,
    delegate: DANA,
    role: "confederal-delegate",
    scope: "Table the tool library at the council",
    instructions: "Table it as agreed",
    covers: ["confederal"],
    startTime: "2026-11-01T00:00:00.000Z",
    endTime: "2026-12-31T00:00:00.000Z",
    decidedBy: "https://riverside.example/ap/proposals/delegation",
    confederation: "https://council.example/ap/actors/council",
    status: "live",
    ...extra,
  });
}

describe("verifyReferral: the referral and its verdicts", () => {
  it("passes a valid 3-body referral, through verifyDecision's dispatch", async () => {
    const w = new World();
    const c = await council(w);
    await referralDoc(w, c.conf, c);
    const result = await verifyDecision(c.id, w.deps(), { depth: 0 });
    expect(failing(result), render(result)).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.proposal).toBe(c.id);
    expect(result.body).toBe(c.conf.id);
    expect(result.tally?.counts).toEqual({ ratify: 2, reject: 1, abstain: 0 });
    expect(result.tally?.outcome).toBe("ratified");
    expect(check(result, "signature").detail).toContain(c.conf.id);
    expect(check(result, `verdict ${c.riverside.id}`).detail).toContain("ratify");
    expect(check(result, `verdict ${c.lakeside.id}`).detail).toContain("reject");
    expect(check(result, "tally").detail).toContain("As the server says");
    // depth 0: nothing below the verdicts is fetched
    expect(w.fetches).toEqual([c.id]);
    expect(result.checks.some((x) => x.name.startsWith("decision of"))).toBe(false);
  });

  it("fails a referral whose own signature does not hold", async () => {
    const w = new World();
    const c = await council(w);
    const doc = await referralDoc(w, c.conf, c);
    doc.name = "Something else";
    const result = await verifyReferral(doc, c.id, w.deps(), { depth: 0 });
    expect(failing(result)).toEqual(["signature"]);
  });

  it("fails a tampered verdict (its signature)", async () => {
    const w = new World();
    const c = await council(w);
    c.entries[1]!.document.published = "2026-11-22T10:01:00.000Z";
    const result = await verifyReferral(await referralDoc(w, c.conf, c), c.id, w.deps(), { depth: 0 });
    const v = check(result, `verdict ${c.hilltop.id}`);
    expect(v.ok).toBe(false);
    expect(v.detail).toMatch(/signature does not hold \(the signature does not match the document/);
    expect(result.ok).toBe(false);
  });

  it("fails a verdict signed by a body not on the list", async () => {
    const w = new World();
    const c = await council(w);
    c.entries.push({ receivedAt: "2026-11-22T10:04:30.000Z", document: await verdictDoc(w, c.outsider, c.id) });
    const result = await verifyReferral(await referralDoc(w, c.conf, c), c.id, w.deps(), { depth: 0 });
    const v = check(result, `verdict ${c.outsider.id}`);
    expect(v.ok).toBe(false);
    expect(v.detail).toContain(`${c.outsider.id} is not on the referral's list of bodies`);
    expect(failing(result)).toEqual([`verdict ${c.outsider.id}`]);
  });

  it("fails a verdict from a body that left, or claiming another body's name", async () => {
    const w = new World();
    const c = await council(w);
    // signed by the outsider but attributed to lakeside: the proof is someone else's
    c.entries[2] = { receivedAt: "2026-11-22T10:04:00.000Z", document: await w.sign(c.outsider, { ...stripProof(c.entries[2]!.document) }) };
    const result = await verifyReferral(await referralDoc(w, c.conf, { ...c, left: [c.hilltop.id] }), c.id, w.deps(), { depth: 0 });
    expect(check(result, `verdict ${c.lakeside.id}`).detail).toContain("not by the one it names as its author");
    expect(check(result, `verdict ${c.hilltop.id}`).detail).toContain("left the confederation during the referral");
  });

  it("fails a verdict received after endTime", async () => {
    const w = new World();
    const c = await council(w);
    c.entries[2]!.receivedAt = "2026-11-22T10:05:00.001Z";
    const result = await verifyReferral(await referralDoc(w, c.conf, c), c.id, w.deps(), { depth: 0 });
    const v = check(result, `verdict ${c.lakeside.id}`);
    expect(v.ok).toBe(false);
    expect(v.detail).toContain(`after the referral closed at ${END}`);
    // the server counted it as a reject; without it lakeside abstains
    expect(failing(result)).toEqual([`verdict ${c.lakeside.id}`, "tally"]);
    expect(check(result, "tally").detail).toContain("the verdicts give ratify 2, reject 0, abstain 1");
  });

  it("fails a second verdict from the same body (the first counts)", async () => {
    const w = new World();
    const c = await council(w);
    c.entries.push({
      receivedAt: "2026-11-22T10:04:30.000Z",
      document: await verdictDoc(w, c.lakeside, c.id, { tally: voteTally(6, 2, 0, 9, 3), decidedBy: "https://lakeside.example/ap/proposals/again" }),
    });
    const result = await verifyReferral(await referralDoc(w, c.conf, c), c.id, w.deps(), { depth: 0 });
    const lakeside = result.checks.filter((x) => x.name === `verdict ${c.lakeside.id}`);
    expect(lakeside.map((x) => x.ok)).toEqual([true, false]);
    expect(lakeside[1]!.detail).toContain("a second verdict");
    // the honest tally counted the first: still 2 to 1
    expect(check(result, "tally").ok).toBe(true);
  });

  it("fails a verdict that does not follow from its own tally", async () => {
    const w = new World();
    const c = await council(w);
    c.entries[2] = { receivedAt: "2026-11-22T10:04:00.000Z", document: await verdictDoc(w, c.lakeside, c.id, { verdict: "ratify", tally: voteTally(2, 6, 0, 9, 3) }) };
    const result = await verifyReferral(await referralDoc(w, c.conf, c), c.id, w.deps(), { depth: 0 });
    const v = check(result, `verdict ${c.lakeside.id}`);
    expect(v.ok).toBe(false);
    expect(v.detail).toContain("its tally gives reject under its rule, not ratify");
  });

  it("fails a verdict for another referral", async () => {
    const w = new World();
    const c = await council(w);
    c.entries[0] = { receivedAt: "2026-11-22T10:03:12.000Z", document: await verdictDoc(w, c.riverside, "https://council.example/ap/referrals/other") };
    const result = await verifyReferral(await referralDoc(w, c.conf, c), c.id, w.deps(), { depth: 0 });
    expect(check(result, `verdict ${c.riverside.id}`).detail).toContain("not this referral");
  });

  it("fails a claimed tally that lists a rejecting body as ratifying", async () => {
    const w = new World();
    const c = await council(w);
    const lie = (t: Record<string, unknown>) => {
      t.counts = { ratify: 3, reject: 0, abstain: 0 };
      t.ratifiedBy = [c.riverside.id, c.hilltop.id, c.lakeside.id];
      t.rejectedBy = [];
    };
    const result = await verifyReferral(await referralDoc(w, c.conf, { ...c, lie }), c.id, w.deps(), { depth: 0 });
    const tally = check(result, "tally");
    expect(tally.ok).toBe(false);
    expect(tally.detail).toContain("counts: the server says ratify 3, reject 0, abstain 0, the verdicts give ratify 2, reject 1, abstain 0");
    expect(tally.detail).toMatch(/ratifiedBy: the server says .*\(the server adds \[https:\/\/lakeside/);
    expect(tally.detail).toContain("rejectedBy");
    expect(failing(result)).toEqual(["tally"]);
  });

  it("fails a claimed tally with inflated counts only, or a wrong outcome", async () => {
    const w = new World();
    const c = await council(w);
    const lie = (t: Record<string, unknown>) => {
      t.counts = { ratify: 3, reject: 1, abstain: 0 };
      t.people = { ratify: 99, reject: 9, abstain: 0 };
    };
    const result = await verifyReferral(await referralDoc(w, c.conf, { ...c, lie }), c.id, w.deps(), { depth: 0 });
    expect(failing(result)).toEqual(["tally"]);
    expect(check(result, "tally").detail).toContain("the server says ratify 3");
    expect(check(result, "tally").detail).toContain("people: the server says ratify 99");

    const w2 = new World();
    const c2 = await council(w2);
    const unanimity = await verifyReferral(
      await referralDoc(w2, c2.conf, {
        ...c2,
        lie: (t) => {
          t.passed = true;
          t.outcome = "ratified";
          t.bound = t.ratifiedBy;
        },
        rule: { kind: "unanimity" },
      }),
      c2.id,
      w2.deps(),
      { depth: 0 },
    );
    expect(failing(unanimity)).toEqual(["tally"]);
    expect(check(unanimity, "tally").detail).toContain("passed: the server says true, the verdicts give false");
  });

  it("reports the standing of a referral still open, ok", async () => {
    const w = new World();
    const c = await council(w);
    const result = await verifyReferral(await referralDoc(w, c.conf, { ...c, status: "open", entries: c.entries.slice(0, 1) }), c.id, w.deps(), { depth: 0 });
    expect(result.ok, render(result)).toBe(true);
    expect(check(result, "tally").detail).toContain("still open");
    expect(check(result, "tally").detail).toContain("ratify 1, reject 0, abstain 2");
  });
});

describe("verifyReferral: the delegate's mandate", () => {
  async function tabled(w: World, mandate: (c: Awaited<ReturnType<typeof council>>) => Promise<Record<string, unknown>>) {
    const c = await council(w);
    const m = await mandate(c);
    return { c, doc: await referralDoc(w, c.conf, { ...c, proposer: DANA, mandate: m }) };
  }

  it("passes a referral tabled by a delegate under a live mandate", async () => {
    const w = new World();
    const { c, doc } = await tabled(w, async (c) => w.serve(await mandateDoc(w, c.riverside)));
    const result = await verifyReferral(doc, c.id, w.deps(), { depth: 0 });
    expect(failing(result), render(result)).toEqual([]);
    expect(check(result, "mandate signature").detail).toContain(c.riverside.id);
    expect(check(result, "mandate recall").detail).toContain("not revoked");
  });

  it("passes, saying so, when the mandate's current version cannot be fetched", async () => {
    const w = new World();
    const { c, doc } = await tabled(w, (c) => mandateDoc(w, c.riverside));
    const result = await verifyReferral(doc, c.id, w.deps(), { depth: 0 });
    expect(result.ok).toBe(true);
    expect(check(result, "mandate recall").detail).toContain("could not be fetched");
  });

  it("fails a forged mandate (covers tampered with)", async () => {
    const w = new World();
    const { c, doc } = await tabled(w, async (c) => {
      const m = await mandateDoc(w, c.riverside, { covers: ["reporting"] });
      w.serve(m);
      return { ...m, covers: ["confederal"] };
    });
    const result = await verifyReferral(doc, c.id, w.deps(), { depth: 0 });
    const s = check(result, "mandate signature");
    expect(s.ok).toBe(false);
    expect(s.detail).toContain("the signature does not match the document");
    expect(check(result, "mandate").ok).toBe(true);
  });

  it("fails a mandate that does not cover the act, or was given by a body not on the list", async () => {
    const w = new World();
    const { c, doc } = await tabled(w, (c) => mandateDoc(w, c.outsider, { covers: ["reporting"] }));
    const result = await verifyReferral(doc, c.id, w.deps(), { depth: 0 });
    const m = check(result, "mandate");
    expect(m.ok).toBe(false);
    expect(m.detail).toContain("not on the referral's list of bodies");
    expect(m.detail).toContain("does not cover confederal (commons)");
    expect(check(result, "mandate signature").ok).toBe(true);
  });

  it("fails a referral tabled by someone else than the mandated delegate", async () => {
    const w = new World();
    const c = await council(w);
    const m = await mandateDoc(w, c.riverside, { delegate: "https://riverside.example/ap/actors/eve" });
    const result = await verifyReferral(await referralDoc(w, c.conf, { ...c, proposer: DANA, mandate: m }), c.id, w.deps(), { depth: 0 });
    expect(check(result, "mandate").detail).toContain(`but the referral was tabled by ${DANA}`);
  });

  it("fails a mandate revoked before the referral opened (the current version says so)", async () => {
    const w = new World();
    const { c, doc } = await tabled(w, async (c) => {
      w.serve(await mandateDoc(w, c.riverside, { status: "revoked", revokedAt: "2026-11-22T09:00:00.000Z", revokedBy: "https://riverside.example/ap/proposals/recall" }));
      return mandateDoc(w, c.riverside); // the copy embedded when tabled: not revoked
    });
    const result = await verifyReferral(doc, c.id, w.deps(), { depth: 0 });
    const r = check(result, "mandate recall");
    expect(r.ok).toBe(false);
    expect(r.detail).toContain("recalled delegate");
    expect(r.detail).toContain("2026-11-22T09:00:00.000Z");
    expect(failing(result)).toEqual(["mandate recall"]);
  });

  it("passes a mandate revoked after the referral opened", async () => {
    const w = new World();
    const { c, doc } = await tabled(w, async (c) => {
      w.serve(await mandateDoc(w, c.riverside, { status: "revoked", revokedAt: "2026-11-22T10:01:00.000Z", revokedBy: "https://riverside.example/ap/proposals/recall" }));
      return mandateDoc(w, c.riverside);
    });
    const result = await verifyReferral(doc, c.id, w.deps(), { depth: 0 });
    expect(result.ok, render(result)).toBe(true);
    expect(check(result, "mandate recall").detail).toContain("after the referral opened");
  });

  it("fails a referral with no mandate tabled by someone who is not a member body", async () => {
    const w = new World();
    const c = await council(w);
    const result = await verifyReferral(await referralDoc(w, c.conf, { ...c, proposer: DANA }), c.id, w.deps(), { depth: 0 });
    expect(failing(result)).toEqual(["proposer"]);
  });
});

// ---------------------------------------------------------------------------
// Depth: the decisions below the verdicts.

function ok(r: CommandResult): readonly GovernanceEvent[] {
  if (!r.ok) throw new Error(`refused: ${r.reason.code}: ${r.reason.message}`);
  return r.events;
}

/**
 * A body's ratification decision, decided by its members' votes and served as a
 * Question and a body-signed record; returns the verdict's tally and rule.
 */
async function localDecision(w: World, body: Actor, votes: VoteChoice[], members = votes.length + 2): Promise<{ decidedBy: string; rule: VerdictRule; tally: VoteTally }> {
  const proposal = `${body.id.replace("/actors/", "/proposals/")}-ratification`;
  const people = Array.from({ length: members }, (_, i) => `${body.id}/members/m${i}`);
  const bylaws = {
    ...defaultBylaws(),
    decisionRule: { kind: "simple-majority" as const },
    quorum: { kind: "count" as const, count: 3 },
    deliberationPeriod: "P1D",
    votingPeriod: "P1D",
  };
  const events: GovernanceEvent[] = [];
  const run = (r: CommandResult) => events.push(...ok(r));
  const at = (h: number) => new Date(Date.UTC(2026, 10, 20) + h * 3_600_000).toISOString();
  const state = () => bodyState(events)!;
  const prop = (): ProposalState => state().proposals.get(proposal)!;
  run(foundBody({ body: body.id, actor: people[0]!, kind: "assembly", name: "Body", bylaws, members: people }, at(0)));
  run(draftProposal(state(), { proposal, actor: people[0]!, kind: "policy", title: "Ratify the tool library", text: "Ratify it." }, at(0)));
  run(tableProposal(prop(), { actor: people[0]!, body: state() }, at(0)));
  run(openVoting(prop(), { actor: people[0]!, body: state() }, at(25)));
  votes.forEach((choice, i) => {
    run(castVote(prop(), { actor: people[i]!, choice }, at(26)));
  });
  run(advance(prop(), at(50), state()));
  const p = prop();
  const round = [...p.rounds.values()].at(-1)!;
  const result = round.result!;
  w.serve({
    id: proposal,
    type: "Question",
    attributedTo: body.id,
    outcome: outcomeOf(p)?.outcome ?? null,
    rounds: [...p.rounds.values()].map((r) => ({ id: r.id, counts: r.result?.counts ?? r.counts })),
  });
  w.serve(await w.sign(body, { id: `${proposal}/record`, type: "DecisionRecord", attributedTo: body.id, proposal, totalItems: events.length, events }));
  const tally: VoteTally = { counts: { ...result.counts }, roll: result.rollSize, turnout: result.turnout, quorum: result.quorum.required };
  return { decidedBy: proposal, rule: { of: "votes", rule: { kind: "simple-majority" } }, tally };
}

async function councilWithRecords(w: World, opts: { referral?: string; parent?: ReferralInput["parent"] } = {}) {
  const conf = await w.actor("https://council.example/ap/actors/council");
  const riverside = await w.actor("https://riverside.example/ap/actors/riverside");
  const hilltop = await w.actor("https://hilltop.example/ap/actors/hilltop");
  const lakeside = await w.actor("https://lakeside.example/ap/actors/lakeside");
  const id = opts.referral ?? "https://council.example/ap/referrals/r1";
  const decisions = [
    [riverside, await localDecision(w, riverside, ["agree", "agree", "agree", "disagree", "abstain"])],
    [hilltop, await localDecision(w, hilltop, ["agree", "agree", "agree", "agree"])],
    [lakeside, await localDecision(w, lakeside, ["disagree", "disagree", "disagree", "agree"])],
  ] as const;
  const entries = [];
  for (const [body, d] of decisions) {
    entries.push({ receivedAt: "2026-11-22T10:03:00.000Z", document: await verdictDoc(w, body, id, d) });
  }
  const bodies = [
    { body: riverside.id, members: 7 },
    { body: hilltop.id, members: 6 },
    { body: lakeside.id, members: 6 },
  ];
  return { conf, riverside, hilltop, lakeside, id, bodies, entries, decisions, parent: opts.parent ?? null };
}

describe("verifyReferral: depth", () => {
  it("verifies each body's own decision at depth 1, one line per body", async () => {
    const w = new World();
    const c = await councilWithRecords(w);
    await referralDoc(w, c.conf, c);
    const result = await verifyDecision(c.id, w.deps()); // default depth 1
    expect(failing(result), render(result)).toEqual([]);
    for (const b of [c.riverside, c.hilltop, c.lakeside]) {
      const d = check(result, `decision of ${b.id}`);
      expect(d.detail).toContain("are the verdict's");
    }
    expect(check(result, `decision of ${c.riverside.id}`).detail).toContain("agree 3, disagree 1, abstain 1, block 0");
    expect(result.checks.filter((x) => x.name.startsWith("decision of"))).toHaveLength(3);
  });

  it("fails a verdict whose counts are not what its body's record gives", async () => {
    const w = new World();
    const c = await councilWithRecords(w);
    const [, d] = c.decisions[2];
    // lakeside claims 1 agree more and 1 disagree less than its record: still a reject, self-consistent
    const tally = { ...d.tally, counts: { ...d.tally.counts, agree: 2, disagree: 2 } };
    c.entries[2] = { receivedAt: "2026-11-22T10:03:00.000Z", document: await verdictDoc(w, c.lakeside, c.id, { ...d, tally }) };
    await referralDoc(w, c.conf, c);
    const result = await verifyDecision(c.id, w.deps(), { depth: 1 });
    expect(failing(result)).toEqual([`decision of ${c.lakeside.id}`]);
    expect(check(result, `decision of ${c.lakeside.id}`).detail).toContain("the verdict says agree 2, disagree 2, abstain 0, block 0, the record gives agree 1, disagree 3");
  });

  it("folds the failing checks of a decision below under the body's name", async () => {
    const w = new World();
    const c = await councilWithRecords(w);
    const record = w.docs.get(`${c.decisions[0][1].decidedBy}/record`) as Record<string, unknown>;
    record.totalItems = 1; // breaks the body's signature on its record
    await referralDoc(w, c.conf, c);
    const result = await verifyDecision(c.id, w.deps(), { depth: 1 });
    expect(failing(result)).toEqual([`decision of ${c.riverside.id}`, `decision of ${c.riverside.id} › signature`]);
    expect(check(result, `decision of ${c.riverside.id}`).detail).toContain("fail (below)");
  });

  async function nested(w: World, lowerTally?: (t: VerdictsTally) => VerdictsTally) {
    const top = await w.actor("https://federation.example/ap/actors/federation");
    const topId = "https://federation.example/ap/referrals/f1";
    const lower = await councilWithRecords(w, { referral: "https://council.example/ap/referrals/r1", parent: { confederation: top.id, referral: topId } });
    const lowerDoc = await referralDoc(w, lower.conf, lower);
    const t = lowerDoc.tally as { counts: VerdictsTally["counts"]; people: VerdictsTally["people"] };
    const honest: VerdictsTally = { counts: t.counts, people: t.people, roll: 3, turnout: t.counts.ratify + t.counts.reject };
    const tally = lowerTally ? lowerTally(honest) : honest;
    const mountain = await w.actor("https://mountain.example/ap/actors/mountain");
    const mountainDecision = await localDecision(w, mountain, ["agree", "agree", "disagree"]);
    const entries = [
      {
        receivedAt: "2026-11-22T10:04:00.000Z",
        document: await verdictDoc(w, lower.conf, topId, { rule: { of: "verdicts", rule: { kind: "majority" } }, tally, decidedBy: lower.id }),
      },
      { receivedAt: "2026-11-22T10:04:10.000Z", document: await verdictDoc(w, mountain, topId, mountainDecision) },
    ];
    await referralDoc(w, top, {
      id: topId,
      bodies: [
        { body: lower.conf.id, members: 19 },
        { body: mountain.id, members: 5 },
      ],
      entries,
    });
    return { top, topId, lower, mountain };
  }

  it("passes a consistent nested referral at depth 2", async () => {
    const w = new World();
    const n = await nested(w);
    const result = await verifyDecision(n.topId, w.deps(), { depth: 2 });
    expect(failing(result), render(result)).toEqual([]);
    expect(check(result, `decision of ${n.lower.conf.id}`).detail).toContain("the referral below tallies ratify 2, reject 1, abstain 0 (ratified)");
    // depth 2 reached the bodies' records under the lower confederation
    expect(w.fetches).toContain(`${n.lower.decisions[0][1].decidedBy}/record`);
  });

  it("does not go below the lower referral's verdicts at depth 1", async () => {
    const w = new World();
    const n = await nested(w);
    const result = await verifyDecision(n.topId, w.deps(), { depth: 1 });
    expect(result.ok, render(result)).toBe(true);
    expect(w.fetches).toContain(n.lower.id);
    expect(w.fetches).not.toContain(`${n.lower.decisions[0][1].decidedBy}/record`);
  });

  it("fails a nested verdict whose tally is not the lower referral's", async () => {
    const w = new World();
    // claims the lower confederation's members were unanimous: self-consistent, but not what its referral gives
    const n = await nested(w, (t) => ({ ...t, counts: { ratify: 3, reject: 0, abstain: 0 }, people: { ratify: 19, reject: 0, abstain: 0 }, turnout: 3 }));
    const result = await verifyDecision(n.topId, w.deps(), { depth: 2 });
    const d = check(result, `decision of ${n.lower.conf.id}`);
    expect(d.ok).toBe(false);
    expect(d.detail).toContain("counts: the verdict says ratify 3, reject 0, abstain 0, the verdicts below give ratify 2, reject 1, abstain 0");
    expect(failing(result)).toEqual([`decision of ${n.lower.conf.id}`]);
  });

  it("fails a nested verdict whose lower referral answers another parent", async () => {
    const w = new World();
    const top = await w.actor("https://federation.example/ap/actors/federation");
    const topId = "https://federation.example/ap/referrals/f1";
    const lower = await councilWithRecords(w, { parent: { confederation: top.id, referral: "https://federation.example/ap/referrals/OTHER" } });
    const lowerDoc = await referralDoc(w, lower.conf, lower);
    const t = lowerDoc.tally as { counts: VerdictsTally["counts"]; people: VerdictsTally["people"] };
    const tally: VerdictsTally = { counts: t.counts, people: t.people, roll: 3, turnout: 3 };
    const entries = [
      {
        receivedAt: "2026-11-22T10:04:00.000Z",
        document: await verdictDoc(w, lower.conf, topId, { rule: { of: "verdicts", rule: { kind: "majority" } }, tally, decidedBy: lower.id }),
      },
    ];
    await referralDoc(w, top, { id: topId, bodies: [{ body: lower.conf.id, members: 19 }], entries });
    const result = await verifyDecision(topId, w.deps(), { depth: 1 });
    expect(failing(result)).toEqual([`decision of ${lower.conf.id}`]);
    expect(check(result, `decision of ${lower.conf.id}`).detail).toContain("not from this referral");
  });
});

describe("verifyReferral: scale", () => {
  it("checks 1,000 verdicts with at most 16 key look-ups at a time", async () => {
    const w = new World();
    const conf = await w.actor("https://council.example/ap/actors/council");
    const id = "https://council.example/ap/referrals/big";
    const bodies: { body: string; members: number }[] = [];
    const entries: ReferralInput["entries"] = [];
    for (let i = 0; i < 1000; i++) {
      const b = await w.actor(`https://b${i}.example/ap/actors/b${i}`);
      bodies.push({ body: b.id, members: 10 + (i % 7) });
      entries.push({ receivedAt: "2026-11-22T10:03:00.000Z", document: await verdictDoc(w, b, id, { tally: i % 3 === 0 ? voteTally(2, 6) : voteTally(6, 2) }) });
    }
    await referralDoc(w, conf, { id, bodies, entries });
    let active = 0;
    let peak = 0;
    const deps = w.deps();
    const slow: VerifyDeps = {
      fetchJson: deps.fetchJson,
      fetchKey: async (keyId) => {
        active++;
        peak = Math.max(peak, active);
        await new Promise((r) => setTimeout(r, 2));
        active--;
        return deps.fetchKey(keyId);
      },
    };
    const started = Date.now();
    const result = await verifyDecision(id, slow, { depth: 0 });
    expect(failing(result)).toEqual([]);
    expect(result.tally?.counts).toEqual({ ratify: 666, reject: 334, abstain: 0 });
    expect(peak).toBeLessThanOrEqual(16);
    expect(peak).toBeGreaterThan(1);
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});

function stripProof(doc: Record<string, unknown>): Record<string, unknown> {
  const { proof: _proof, "@context": _context, ...rest } = doc;
  return rest;
}
