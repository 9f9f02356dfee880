import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { operations } from "../../src/cli/operations.ts";
import { findBody } from "../../src/community/actors.ts";
import { InboundActivity } from "../../src/community/inbound.ts";
import { referToMemberBodies } from "../../src/decisions/confederation/referral.ts";
import { recordVerdict } from "../../src/decisions/confederation/verdict.ts";
import { loadRecord } from "../../src/decisions/record.ts";
import { addMember, bylawsTemplates, replayBody, resolveFoundingBylaws, runDueDeadlines } from "../../src/decisions/index.ts";
import { fraction, type Bylaws, type RatificationRule, type Verdict } from "../../src/governance/index.ts";
import { startTestInstance, type TestInstance } from "../support/instance.ts";

// Founding a body with its bylaws (a template, any field changed), a confederation deciding
// its own bylaws and every ratification rule on a real instance, and a member leaving.

let a: TestInstance;
let api: string;
const tokens: Record<string, string> = {};

async function call(method: string, path: string, body?: unknown, as: string | null = "carol") {
  const auth = as ? tokens[as] : undefined;
  const res = await fetch(`${api}${path}`, {
    method,
    headers: { ...(body !== undefined ? { "content-type": "application/json" } : {}), ...(auth ? { authorization: `Bearer ${auth}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as any) : null };
}

beforeAll(async () => {
  a = await startTestInstance({ host: "127.0.0.53" });
  api = `${a.origin}/api/folkmoot/v1`;
  for (const p of ["carol", "dan", "erin"]) {
    await operations["account.create"](a.app, { handle: p, password: `${p}-password` });
    tokens[p] = (await call("POST", "/sessions", { handle: p, password: `${p}-password` }, null)).body.token;
  }
});

/** A local body's row (the test fails if there is none). */
async function bodyRow(handle: string) {
  const found = await findBody(a.app, handle);
  if (!found.ok) throw new Error(`no body ${handle}`);
  return found.value;
}

afterAll(async () => {
  await a?.stop();
});

describe("founding a body with its bylaws", () => {
  it("lists the templates with their plain descriptions and complete bylaws, to anyone", async () => {
    const res = await call("GET", "/bylaws-templates", undefined, null);
    expect(res.status).toBe(200);
    expect(res.body.map((t: { id: string }) => t.id)).toEqual(bylawsTemplates().map((t) => t.id));
    const trial = res.body.find((t: { id: string }) => t.id === "trial");
    expect(trial).toMatchObject({ title: expect.stringMatching(/Trial/), kinds: ["assembly", "council", "committee", "confederation"] });
    expect(trial.bylaws).toMatchObject({ deliberationPeriod: "PT5M", votingPeriod: "PT5M", minimumPeriod: "PT1M" });
  });

  it("founds from a template with fields changed: the record starts with those bylaws and the founder", async () => {
    const res = await call("POST", "/bodies", {
      handle: "tenants",
      kind: "council",
      name: "Tenants' Council",
      template: "graduated-council",
      bylaws: { quorum: { kind: "count", count: 2 }, graduatedConsensus: { contentionPeriod: "P3D" }, visibility: "public", text: "Rent is a commons." },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ handle: "tenants", kind: "council", admission: "by-decision" });
    const bylaws = await call("GET", "/bodies/tenants/bylaws", undefined, null);
    expect(bylaws.body.version).toBe(1);
    expect(bylaws.body.bylaws).toMatchObject({
      decisionRule: { kind: "graduated-consensus" },
      quorum: { kind: "count", count: 2 },
      graduatedConsensus: { objectionPeriod: "P2D", grievancePeriod: "P5D", contentionPeriod: "P3D" },
      admission: "by-decision",
      text: "Rent is a commons.",
    });
    expect(bylaws.body.members).toHaveLength(1);
  });

  it("refuses invalid bylaws with 400, naming every problem per field, and creates nothing", async () => {
    const res = await call("POST", "/bodies", {
      handle: "broken",
      kind: "assembly",
      template: "parliament",
      bylaws: { quorum: { kind: "count", count: 0 }, quorom: 3, votingPeriod: "P1M", minimumPeriod: "P9D" },
    });
    expect(res.status).toBe(400);
    expect(Object.keys(res.body.fields).sort()).toEqual(["bylaws.minimumPeriod", "bylaws.quorom", "bylaws.quorum", "bylaws.votingPeriod", "template"]);
    expect(res.body.message).toMatch(/no template "parliament"/);
    expect(res.body.message).toMatch(/quorum must be/);
    expect((await call("GET", "/bodies/broken", undefined, null)).status).toBe(404);
    // A template for another kind of body; an admission that contradicts the bylaws.
    const wrongKind = await call("POST", "/bodies", { handle: "broken", kind: "assembly", template: "regional-confederation" });
    expect(wrongKind.status).toBe(400);
    expect(wrongKind.body.fields.template).toMatch(/for confederations/);
    const twoAdmissions = await call("POST", "/bodies", { handle: "broken", kind: "assembly", admission: "open", bylaws: { admission: "by-decision" } });
    expect(twoAdmissions.status).toBe(400);
    expect((await call("GET", "/bodies/broken", undefined, null)).status).toBe(404);
    // The same check without creating anything, for a form.
    expect(resolveFoundingBylaws({ kind: "assembly", template: "trial", bylaws: { votingPeriod: "PT2M" } })).toMatchObject({ ok: true, value: { votingPeriod: "PT2M" } });
  });

  it("a trial assembly decides the same day: minutes of deliberation and voting, and proposals may ask for a shorter period down to its minimum", async () => {
    expect((await call("POST", "/bodies", { handle: "trial", kind: "assembly", template: "trial" })).status).toBe(201);
    expect((await call("POST", "/bodies/trial/members", undefined, "dan")).status).toBe(201);
    const tooShort = await call("POST", "/bodies/trial/proposals", { kind: "policy", title: "Too fast", text: "", votingPeriod: "PT30S" });
    expect(tooShort.status).toBe(400);
    expect(tooShort.body.message).toMatch(/minimum PT1M/);
    const drafted = await call("POST", "/bodies/trial/proposals", { kind: "policy", title: "Plant a tree", text: "By the gate.", deliberationPeriod: "PT2M" });
    expect(drafted.status).toBe(201);
    const id = drafted.body.id;
    const tabled = await call("POST", `/proposals/${id}/table`);
    expect(tabled.status).toBe(200);
    const start = Date.now();
    await runDueDeadlines(a.app, new Date(start + 3 * 60_000));
    expect((await call("POST", `/proposals/${id}/votes`, { choice: "agree" })).status).toBe(201);
    await runDueDeadlines(a.app, new Date(start + 10 * 60_000));
    const done = await call("GET", `/proposals/${id}`, undefined, null);
    expect(done.body.outcome).toBe("passed");
    expect(Date.parse(done.body.view.decision.at) - start).toBeLessThan(15 * 60_000);
  });

  it("the operator founds a body with a template from the CLI's operation: its record starts with those bylaws when it is founded", async () => {
    const made = await operations["body.create"](a.app, { handle: "collective", kind: "committee", template: "consensus-collective", bylaws: { votingPeriod: "P5D" } });
    expect(made).toMatchObject({ kind: "committee", admission: "by-decision", bylaws: { decisionRule: { kind: "consensus" }, votingPeriod: "P5D" } });
    await operations["member.add"](a.app, { body: "collective", member: "erin" });
    const drafted = await call("POST", "/bodies/collective/proposals", { kind: "policy", title: "Meet on Mondays", text: "" }, "erin");
    expect(drafted.status).toBe(201);
    const bylaws = await call("GET", "/bodies/collective/bylaws", undefined, null);
    expect(bylaws.body.bylaws).toMatchObject({ decisionRule: { kind: "consensus" }, votingPeriod: "P5D" });
    await expect(operations["body.create"](a.app, { handle: "nope", kind: "assembly", template: "trial", bylaws: { ballot: "whispered" } })).rejects.toThrow(
      /ballot must be named or secret/,
    );
  });
});

describe("a confederation on a real instance: its ratification rule, and its own bylaws", () => {
  let n = 0;
  /** A verdict from a member body, as its instance would send it (signature checked by federation, not here). */
  const send = async (confHandle: string, body: string, referral: string, ratify: boolean) => {
    n += 1;
    const conf = await bodyRow(confHandle);
    const verdict: Verdict = {
      body,
      referral,
      verdict: ratify ? "ratify" : "reject",
      rule: { of: "votes", rule: { kind: "simple-majority" } },
      tally: { counts: { agree: ratify ? 2 : 0, disagree: ratify ? 0 : 2, abstain: 0, block: 0 }, roll: 3, turnout: 2, quorum: 1 },
      at: new Date().toISOString(),
    };
    const inbound = new InboundActivity({ activity: `https://elsewhere.example/activities/v${n}`, actor: body, type: "Add" });
    return recordVerdict(a.app, conf, { verdict, sender: body, document: { id: `https://elsewhere.example/verdicts/v${n}` }, weight: null }, inbound);
  };
  const refer = async (confHandle: string, decides?: { kind: "bylaws"; payload: unknown }) => {
    n += 1;
    const conf = await bodyRow(confHandle);
    const state = await replayBody(a.app, conf.id);
    const proposer = [...state!.members][0]!;
    const referral = `${a.origin}/ap/referrals/test-${n}`;
    const inbound = new InboundActivity({ activity: `https://elsewhere.example/activities/o${n}`, actor: proposer, type: "Offer" });
    const result = await referToMemberBodies(a.app, conf, { referral, actor: proposer, title: "Question", text: "", ...(decides ? { decides } : {}) }, inbound);
    expect(result).toMatchObject({ ok: true });
    return referral;
  };
  const close = async () => runDueDeadlines(a.app, new Date(Date.now() + 60 * 86_400_000));

  /** A confederation founded through the API with the rule, and two local assemblies as its member bodies. */
  async function confederation(handle: string, bylaws: unknown): Promise<[string, string]> {
    const res = await call("POST", "/bodies", { handle, kind: "confederation", template: "municipal-confederation", bylaws });
    expect(res.status).toBe(201);
    for (const m of ["east", "west"]) {
      const mh = `${handle}_${m}`;
      expect((await call("POST", "/bodies", { handle: mh, kind: "assembly", template: "neighbourhood-assembly" })).status).toBe(201);
      expect(await addMember(a.app, handle, mh, "operator (test)")).toMatchObject({ ok: true });
    }
    const state = await replayBody(a.app, (await bodyRow(handle)).id);
    return [...state!.members] as [string, string];
  }

  it("every ratification rule can be founded and decides the confederation's referrals", async () => {
    const rules: RatificationRule[] = [
      { kind: "unanimity" },
      { kind: "majority" },
      { kind: "supermajority", fraction: fraction(2, 3) },
      { kind: "double-majority", bodies: fraction(1, 2), people: fraction(1, 2) },
      { kind: "weighted", fraction: fraction(1, 2) },
    ];
    for (const [i, rule] of rules.entries()) {
      const handle = `conf${i}`;
      const [east, west] = await confederation(handle, { ratification: rule, delegateRatio: 50 });
      const bylaws = await call("GET", `/bodies/${handle}/bylaws`, undefined, null);
      expect(bylaws.body.bylaws).toMatchObject({ ratification: rule, delegateRatio: 50 });
      const referral = await refer(handle);
      expect(await send(handle, east, referral, true)).toMatchObject({ ok: true });
      expect(await send(handle, west, referral, false)).toMatchObject({ ok: true });
      await close();
      const tally = (await replayBody(a.app, (await bodyRow(handle)).id))!.referrals.get(referral)!.tally!;
      expect(tally.rule, rule.kind).toEqual(rule);
      // One of two equal bodies ratified: exactly half.
      expect(tally.passed, rule.kind).toBe(rule.kind === "double-majority" || rule.kind === "weighted");
    }
  });

  it("a confederation changes its own bylaws by its member bodies' verdicts, under its own rule", async () => {
    const [east, west] = await confederation("valley", {});
    const before = (await call("GET", "/bodies/valley/bylaws", undefined, null)).body;
    expect(before.version).toBe(1);
    // Its record started when it was founded, by the person who founded it, with no member body.
    const first = (await loadRecord(a.app.db, a.app.db, (await bodyRow("valley")).id)).events[0];
    expect(first).toMatchObject({ type: "body-founded", kind: "confederation", members: [], actor: expect.stringMatching(/\/ap\/actors\//) });
    expect((await call("GET", "/me")).body.id).toBe((first as { actor?: string }).actor);
    const next: Bylaws = { ...before.bylaws, ratification: { kind: "unanimity" }, admission: "by-decision" };
    const referral = await refer("valley", { kind: "bylaws", payload: { bylaws: next } });
    await send("valley", east, referral, true);
    await send("valley", west, referral, true);
    await close();
    const after = (await call("GET", "/bodies/valley/bylaws", undefined, null)).body;
    expect(after.version).toBe(2);
    expect(after.bylaws.ratification).toEqual({ kind: "unanimity" });
    expect(after.history[1].proposal).toBe(referral);
    // How the confederation admits bodies follows its new bylaws.
    expect((await call("GET", "/bodies/valley", undefined, null)).body.admission).toBe("by-decision");
  });
});

describe("leaving a body", () => {
  it("a member leaves at once, on the body's record; leaving again, or a body not theirs, is refused", async () => {
    expect((await call("POST", "/bodies", { handle: "garden", kind: "assembly", template: "neighbourhood-assembly" })).status).toBe(201);
    expect((await call("POST", "/bodies/garden/members", undefined, "dan")).status).toBe(201);
    expect((await call("POST", "/bodies/garden/leave", undefined, null)).status).toBe(401);
    const left = await call("POST", "/bodies/garden/leave", undefined, "dan");
    expect(left.status).toBe(200);
    expect(left.body).toMatchObject({ body: "garden" });
    const members = await call("GET", "/bodies/garden/members", undefined, null);
    expect(members.body.map((m: { handle: string }) => m.handle.split("@")[0])).toEqual(["carol"]);
    const bylaws = await call("GET", "/bodies/garden/bylaws", undefined, null);
    expect(bylaws.body.members).toHaveLength(1);
    const state = await replayBody(a.app, (await bodyRow("garden")).id);
    expect(state!.members.has(left.body.member)).toBe(false);
    expect((await call("POST", "/bodies/garden/leave", undefined, "dan")).status).toBe(409);
    expect((await call("POST", "/bodies/nowhere/leave", undefined, "dan")).status).toBe(404);
    // The operator records a member's leaving from the CLI.
    expect((await call("POST", "/bodies/garden/members", undefined, "erin")).status).toBe(201);
    expect(await operations["member.leave"](a.app, { body: "garden", member: "erin" })).toMatchObject({ body: "garden", left: true });
    expect((await call("GET", "/bodies/garden/members", undefined, null)).body).toHaveLength(1);
  });
});
