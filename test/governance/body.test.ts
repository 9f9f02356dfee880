import { describe, expect, it } from "vitest";
import {
  applyBodyEvent,
  bodyState,
  castVote,
  checkBodyEvent,
  defaultBylaws,
  draftProposal,
  fraction,
  foundBody,
  joinBody,
  leaveBody,
  openVoting,
  tableProposal,
  validateBylaws,
  type Bylaws,
  type GovernanceEvent,
} from "../../src/governance/index.ts";
import { BODY, Ledger, ok, people, refused, t, testBylaws } from "./helpers.ts";

const m = people(4);
const [a, b, c, d] = m as [string, string, string, string];

function founded(bylaws: Bylaws = testBylaws({ kind: "simple-majority" }), members = [a, b, c]): Ledger {
  const rec = new Ledger();
  rec.run(foundBody({ body: BODY, actor: a, kind: "assembly", name: "Riverside", bylaws, members }, t(0)));
  return rec;
}

/** Drafts, tables, opens, has `yes` agree, and closes proposal `id`, starting on `day`. */
function decide(rec: Ledger, id: string, draft: Partial<Parameters<typeof draftProposal>[1]>, day: number, yes: string[]): void {
  rec.run(draftProposal(rec.body, { proposal: id, actor: a, kind: "policy", title: id, text: id, ...draft }, t(day)));
  rec.run(tableProposal(rec.proposal(id), { actor: a, body: rec.body }, t(day)));
  rec.run(openVoting(rec.proposal(id), { actor: a, body: rec.body }, t(day + 1)));
  for (const voter of yes) rec.run(castVote(rec.proposal(id), { actor: voter, choice: "agree" }, t(day + 1, 1)));
  rec.advance(t(day + 2, 1), id);
}

describe("founding", () => {
  it("defaults to the founder alone and default bylaws", () => {
    const state = bodyState(ok(foundBody({ body: BODY, actor: a, kind: "council", name: "Tenants" }, t(0))));
    expect(state?.kind).toBe("council");
    expect([...state!.members]).toEqual([a]);
    expect(state?.bylaws).toEqual(defaultBylaws("council"));
    expect(state?.bylawsVersion).toBe(1);
    expect(state?.bylawsHistory).toEqual([{ version: 1, bylaws: defaultBylaws("council"), adoptedAt: t(0), proposal: null }]);
  });
  it("refuses invalid bylaws, naming the problems", () => {
    const bad = { ...defaultBylaws(), quorum: { kind: "count", count: 0 }, votingPeriod: "P1Y" } as unknown as Bylaws;
    const result = foundBody({ body: BODY, actor: a, kind: "assembly", name: "R", bylaws: bad }, t(0));
    refused(result, "invalid-bylaws");
    expect(!result.ok && result.reason.message).toMatch(/quorum.*votingPeriod/);
  });
  it("requires a ratification rule of a confederation", () => {
    refused(foundBody({ body: BODY, actor: a, kind: "confederation", name: "C", bylaws: defaultBylaws("assembly") }, t(0)), "invalid-bylaws");
    expect(foundBody({ body: BODY, actor: a, kind: "confederation", name: "C" }, t(0)).ok).toBe(true);
    for (const ratification of [
      { kind: "unanimity" },
      { kind: "supermajority", fraction: fraction(2, 3) },
      { kind: "double-majority", bodies: fraction(1, 2), people: fraction(1, 2) },
      { kind: "weighted", fraction: fraction(1, 2) },
    ] as const) {
      expect(validateBylaws({ ...defaultBylaws(), ratification }, "confederation").ok).toBe(true);
    }
    expect(validateBylaws({ ...defaultBylaws(), ratification: { kind: "weighted", fraction: fraction(0, 2) } }).ok).toBe(false);
  });
  it("refuses bad founding data", () => {
    refused(foundBody({ body: BODY, actor: a, kind: "assembly", name: "R", members: [] }, t(0)), "invalid-input");
    refused(foundBody({ body: BODY, actor: a, kind: "assembly", name: "R", members: [a, a] }, t(0)), "invalid-input");
    refused(foundBody({ body: BODY, actor: a, kind: "cabal" as never, name: "R" }, t(0)), "invalid-input");
    refused(foundBody({ body: BODY, actor: a, kind: "assembly", name: "" }, t(0)), "invalid-input");
  });
  it("cannot be founded twice", () => {
    const rec = founded();
    const again = rec.events[0] as GovernanceEvent & { type: "body-founded" };
    expect(checkBodyEvent(rec.body, again)?.code).toBe("duplicate-id");
  });
});

describe("membership", () => {
  it("open admission: anyone may join; a member may leave", () => {
    const rec = founded(testBylaws({ kind: "simple-majority" }, { admission: "open" }));
    rec.run(joinBody(rec.body, { actor: d }, t(1)));
    expect(rec.body.members.has(d)).toBe(true);
    refused(joinBody(rec.body, { actor: d }, t(1)), "already-member");
    rec.run(leaveBody(rec.body, { actor: d }, t(2)));
    expect(rec.body.members.has(d)).toBe(false);
    refused(leaveBody(rec.body, { actor: d }, t(2)), "not-member");
  });
  it("by decision: one who is not a member may put forward their own admission, and nothing else", () => {
    const rec = founded();
    rec.run(draftProposal(rec.body, { proposal: "ask", actor: d, kind: "membership", title: "d asks", text: "Admit me", payload: { member: d } }, t(1)));
    rec.run(tableProposal(rec.proposal("ask"), { actor: d, body: rec.body }, t(1)));
    expect(rec.proposal("ask")).toMatchObject({ author: d, status: "deliberation" });
    // Not someone else's admission, not another kind.
    refused(
      draftProposal(rec.body, { proposal: "x", actor: d, kind: "membership", title: "x", text: "x", payload: { member: "https://x.example/users/zed" } }, t(1)),
      "not-member",
    );
    refused(draftProposal(rec.body, { proposal: "y", actor: d, kind: "policy", title: "y", text: "y" }, t(1)), "not-member");
    // Not in a body that admits openly (one joins it instead).
    const open = founded(testBylaws({ kind: "simple-majority" }, { admission: "open" }));
    refused(draftProposal(open.body, { proposal: "z", actor: d, kind: "membership", title: "z", text: "z", payload: { member: d } }, t(1)), "not-member");
  });
  it("by decision: joining is refused; a membership proposal admits", () => {
    const rec = founded();
    refused(joinBody(rec.body, { actor: d }, t(1)), "admission-by-decision");
    refused(draftProposal(rec.body, { proposal: "x", actor: a, kind: "membership", title: "x", text: "x", payload: { member: b } }, t(1)), "already-member");
    refused(draftProposal(rec.body, { proposal: "x", actor: a, kind: "membership", title: "x", text: "x", payload: {} }, t(1)), "invalid-payload");
    decide(rec, "admit", { kind: "membership", payload: { member: d } }, 1, [a, b]);
    expect(rec.proposal("admit").status).toBe("passed");
    expect(rec.body.members.has(d)).toBe(true);
    expect(rec.body.effects.map((e) => e.effect)).toEqual([{ type: "member-admitted", body: BODY, proposal: "admit", member: d }]);
    decide(rec, "next", {}, 5, [d]);
    expect(rec.proposal("next").roll?.has(d)).toBe(true);
    expect(rec.proposal("next").decision?.outcome).toBe("passed");
  });
  it("a rejected membership proposal admits nobody", () => {
    const rec = founded();
    decide(rec, "admit", { kind: "membership", payload: { member: d } }, 1, []);
    expect(rec.body.members.has(d)).toBe(false);
  });
});

describe("bylaws are versioned and changed only by proposal", () => {
  const stronger = testBylaws({ kind: "consensus" }, { quorum: { kind: "count", count: 2 } });

  it("a passed bylaws proposal adopts a new version at the moment it passes", () => {
    const rec = founded();
    decide(rec, "b1", { kind: "bylaws", payload: { bylaws: stronger } }, 1, [a, b]);
    const body = rec.body;
    expect(body.bylawsVersion).toBe(2);
    expect(body.bylaws).toEqual(stronger);
    expect(body.bylawsHistory.map((v) => [v.version, v.proposal, v.adoptedAt])).toEqual([
      [1, null, t(0)],
      [2, "b1", t(3, 1)],
    ]);
  });
  it("a proposal keeps the terms it was tabled under; later ones get the new bylaws", () => {
    const rec = founded();
    rec.run(draftProposal(rec.body, { proposal: "early", actor: a, kind: "policy", title: "e", text: "e" }, t(1)));
    rec.run(tableProposal(rec.proposal("early"), { actor: a, body: rec.body }, t(1)));
    decide(rec, "b1", { kind: "bylaws", payload: { bylaws: stronger } }, 1, [a, b]);
    expect(rec.proposal("early").terms?.rule).toEqual({ kind: "simple-majority" });
    expect(rec.proposal("early").terms?.bylawsVersion).toBe(1);
    decide(rec, "late", {}, 5, [a]);
    expect(rec.proposal("late").terms).toMatchObject({ rule: { kind: "consensus" }, bylawsVersion: 2 });
    expect(rec.proposal("late").decision?.reason).toBe("no-quorum");
  });
  it("a draft asking for a rule the new bylaws find too weak cannot be tabled", () => {
    const rec = founded();
    rec.run(draftProposal(rec.body, { proposal: "d", actor: a, kind: "policy", title: "d", text: "d", rule: { kind: "simple-majority" } }, t(1)));
    decide(rec, "b1", { kind: "bylaws", payload: { bylaws: stronger } }, 1, [a, b]);
    refused(tableProposal(rec.proposal("d"), { actor: a, body: rec.body }, t(4)), "rule-too-weak");
  });
  it("a rule per kind: bylaws changes may need more than policy", () => {
    const rec = founded(testBylaws({ kind: "simple-majority" }, { ruleByKind: { bylaws: { kind: "supermajority", fraction: fraction(2, 3) } } }));
    const draft = { proposal: "b", actor: a, kind: "bylaws" as const, title: "b", text: "b", payload: { bylaws: stronger } };
    refused(draftProposal(rec.body, { ...draft, rule: { kind: "simple-majority" } }, t(1)), "rule-too-weak");
    rec.run(draftProposal(rec.body, draft, t(1)));
    rec.run(tableProposal(rec.proposal("b"), { actor: a, body: rec.body }, t(1)));
    expect(rec.proposal("b").terms?.rule).toEqual({ kind: "supermajority", fraction: fraction(2, 3) });
  });
  it("refuses invalid bylaws as a payload", () => {
    const rec = founded();
    refused(
      draftProposal(rec.body, { proposal: "b", actor: a, kind: "bylaws", title: "b", text: "b", payload: { bylaws: { decisionRule: { kind: "dice" } } } }, t(1)),
      "invalid-payload",
    );
    refused(draftProposal(rec.body, { proposal: "b", actor: a, kind: "bylaws", title: "b", text: "b", payload: defaultBylaws() }, t(1)), "invalid-payload");
  });
});

describe("recall", () => {
  it("is always decided by simple majority, whatever the bylaws say", () => {
    const rec = founded(testBylaws({ kind: "consensus" }));
    const draft = { proposal: "r", actor: a, kind: "recall" as const, title: "Recall", text: "Recall d.", payload: { delegate: d, role: "treasurer" } };
    refused(draftProposal(rec.body, { ...draft, rule: { kind: "consensus" } }, t(1)), "rule-fixed-by-kind");
    decide(rec, "r", { kind: "recall", payload: { delegate: d, role: "treasurer" } }, 1, [a, b]);
    expect(rec.proposal("r").terms?.rule).toEqual({ kind: "simple-majority" });
    expect(rec.proposal("r").effect).toEqual({ type: "delegate-recalled", body: BODY, proposal: "r", delegate: d, role: "treasurer" });
  });
  it("cannot be given another rule in the bylaws", () => {
    expect(validateBylaws({ ...defaultBylaws(), ruleByKind: { recall: { kind: "consensus" } } }).ok).toBe(false);
    expect(validateBylaws({ ...defaultBylaws(), ruleByKind: { coup: { kind: "consensus" } } }).ok).toBe(false);
  });
  it("needs a delegate", () => {
    refused(draftProposal(founded().body, { proposal: "r", actor: a, kind: "recall", title: "r", text: "r", payload: {} }, t(1)), "invalid-payload");
  });
});

describe("replaying a body", () => {
  it("ignores events of other bodies and lists invalid ones", () => {
    const rec = founded();
    rec.events.push({ type: "member-joined", at: t(1), body: "https://elsewhere.example/groups/x", actor: d });
    rec.events.push({ type: "member-joined", at: t(1), body: BODY, actor: d });
    rec.events.push({ type: "member-left", at: t(0, -1), body: BODY, actor: b });
    rec.events.push({ type: "vote-cast", at: t(1), body: BODY, proposal: "ghost", actor: a, round: "main", choice: "agree" });
    const body = rec.body;
    expect(body.members.has(d)).toBe(false);
    expect(body.members.has(b)).toBe(true);
    expect(body.ignored.map((i) => i.code)).toEqual(["admission-by-decision", "out-of-order", "unknown-proposal"]);
  });
  it("is null before the body is founded", () => {
    expect(bodyState([])).toBeNull();
    expect(bodyState([{ type: "member-joined", at: t(0), body: BODY, actor: a }])).toBeNull();
  });
  it("applyBodyEvent leaves the old state untouched", () => {
    const rec = founded(testBylaws({ kind: "simple-majority" }, { admission: "open" }));
    const before = rec.body;
    const after = applyBodyEvent(before, { type: "member-joined", at: t(1), body: BODY, actor: d });
    expect(after?.members.has(d)).toBe(true);
    expect(before.members.has(d)).toBe(false);
  });
});
