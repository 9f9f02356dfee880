import { describe, expect, it } from "vitest";
import {
  advance,
  castVote,
  completeImplementation,
  draftProposal,
  fraction,
  joinBody,
  leaveBody,
  nextDeadline,
  openVoting,
  replayProposal,
  secondProposal,
  tableProposal,
  withdraw,
  type GovernanceEvent,
} from "../../src/governance/index.ts";
import { BODY, Ledger, ok, people, refused, setup, t, testBylaws } from "./helpers.ts";
import { foundBody } from "../../src/governance/index.ts";

const m = people(5);
const [a, b, c, d, e] = m as [string, string, string, string, string];

function vote(rec: Ledger, actor: string, choice: "agree" | "disagree" | "abstain" | "block", at = t(1, 1)) {
  return rec.run(castVote(rec.proposal(), { actor, choice }, at));
}

describe("drafting", () => {
  const fresh = () => {
    const rec = new Ledger();
    rec.run(foundBody({ body: BODY, actor: a, kind: "assembly", name: "R", bylaws: testBylaws({ kind: "simple-majority" }), members: m }, t(0)));
    return rec;
  };
  const draft = { proposal: "p1", actor: a, kind: "policy" as const, title: "T", text: "X" };

  it("starts a proposal in draft", () => {
    const rec = fresh();
    rec.run(draftProposal(rec.body, draft, t(0)));
    expect(rec.proposal().status).toBe("draft");
    expect(rec.proposal().author).toBe(a);
  });
  it("refuses a non-member", () => {
    refused(draftProposal(fresh().body, { ...draft, actor: "outsider" }, t(0)), "not-member");
  });
  it("refuses an unknown kind and a bad payload", () => {
    refused(draftProposal(fresh().body, { ...draft, kind: "coup" as never }, t(0)), "unknown-kind");
    refused(draftProposal(fresh().body, { ...draft, payload: { implementation: "yes" } }, t(0)), "invalid-payload");
    refused(draftProposal(fresh().body, { ...draft, title: " " }, t(0)), "invalid-input");
  });
  it("refuses a rule weaker than the bylaws require, accepts a stronger one", () => {
    const rec = new Ledger();
    rec.run(foundBody({ body: BODY, actor: a, kind: "assembly", name: "R", bylaws: testBylaws({ kind: "supermajority", fraction: fraction(2, 3) }), members: m }, t(0)));
    refused(draftProposal(rec.body, { ...draft, rule: { kind: "simple-majority" } }, t(0)), "rule-too-weak");
    refused(draftProposal(rec.body, { ...draft, rule: { kind: "supermajority", fraction: fraction(3, 5) } }, t(0)), "rule-too-weak");
    expect(draftProposal(rec.body, { ...draft, rule: { kind: "consensus" } }, t(0)).ok).toBe(true);
    expect(draftProposal(rec.body, { ...draft, rule: { kind: "graduated-consensus" } }, t(0)).ok).toBe(true);
  });
  it("refuses a malformed rule", () => {
    refused(draftProposal(fresh().body, { ...draft, rule: { kind: "supermajority", fraction: fraction(1, 2) } }, t(0)), "invalid-input");
  });
  it("allows longer periods, never shorter ones", () => {
    expect(draftProposal(fresh().body, { ...draft, deliberationPeriod: "P14D", votingPeriod: "PT36H" }, t(0)).ok).toBe(true);
    refused(draftProposal(fresh().body, { ...draft, votingPeriod: "PT1H" }, t(0)), "invalid-input");
    refused(draftProposal(fresh().body, { ...draft, votingPeriod: "P1M" }, t(0)), "invalid-input");
  });
  it("refuses a duplicate id", () => {
    const rec = fresh();
    rec.run(draftProposal(rec.body, draft, t(0)));
    refused(draftProposal(rec.body, draft, t(0)), "duplicate-id");
  });
  it("throws on a malformed clock reading (a bug, not a refusal)", () => {
    expect(() => draftProposal(fresh().body, draft, "yesterday")).toThrow(RangeError);
  });
});

describe("seconding and tabling", () => {
  const seconded = () => {
    const rec = new Ledger();
    const bylaws = testBylaws({ kind: "simple-majority" }, { tabling: { who: "seconded", seconds: 2 } });
    rec.run(foundBody({ body: BODY, actor: a, kind: "assembly", name: "R", bylaws, members: m }, t(0)));
    rec.run(draftProposal(rec.body, { proposal: "p1", actor: a, kind: "policy", title: "T", text: "X" }, t(0)));
    return rec;
  };

  it("needs the seconds the bylaws ask for", () => {
    const rec = seconded();
    refused(tableProposal(rec.proposal(), { actor: a, body: rec.body }, t(0)), "needs-seconds");
    rec.run(secondProposal(rec.proposal(), { actor: b, body: rec.body }, t(0)));
    refused(tableProposal(rec.proposal(), { actor: a, body: rec.body }, t(0)), "needs-seconds");
    rec.run(secondProposal(rec.proposal(), { actor: c, body: rec.body }, t(0)));
    rec.run(tableProposal(rec.proposal(), { actor: a, body: rec.body }, t(0)));
    expect(rec.proposal().status).toBe("deliberation");
  });
  it("refuses seconds by the author, twice by one member, or by a non-member", () => {
    const rec = seconded();
    refused(secondProposal(rec.proposal(), { actor: a, body: rec.body }, t(0)), "invalid-input");
    rec.run(secondProposal(rec.proposal(), { actor: b, body: rec.body }, t(0)));
    refused(secondProposal(rec.proposal(), { actor: b, body: rec.body }, t(0)), "already-seconded");
    refused(secondProposal(rec.proposal(), { actor: "x", body: rec.body }, t(0)), "not-member");
  });
  it("only the author tables, and only a draft", () => {
    const rec = setup({ open: false });
    refused(tableProposal(rec.proposal(), { actor: a, body: rec.body }, t(0)), "wrong-stage");
    const rec2 = seconded();
    refused(tableProposal(rec2.proposal(), { actor: b, body: rec2.body }, t(0)), "not-author");
  });
  it("freezes the terms from the bylaws in force", () => {
    const rec = setup({ open: false, bylaws: { ballot: "secret" } });
    const terms = rec.proposal().terms;
    expect(terms?.rule).toEqual({ kind: "simple-majority" });
    expect(terms?.ballot).toBe("secret");
    expect(terms?.bylawsVersion).toBe(1);
    expect(rec.proposal().deliberationEndsAt).toBe(t(1));
  });
});

describe("opening voting", () => {
  it("refuses before deliberation ends", () => {
    const rec = setup({ open: false });
    refused(openVoting(rec.proposal(), { actor: a, body: rec.body }, t(0, 23)), "too-early");
  });
  it("says so when voting is already open, or the proposal is still a draft", () => {
    const rec = setup({});
    expect(rec.proposal().status).toBe("voting");
    const again = openVoting(rec.proposal(), { actor: a, body: rec.body }, t(1, 1));
    refused(again, "wrong-stage");
    if (!again.ok) expect(again.reason.message).toBe("voting is already open on this proposal");
    const draft = new Ledger();
    draft.run(foundBody({ body: BODY, actor: a, kind: "assembly", name: "R", bylaws: testBylaws({ kind: "simple-majority" }), members: m }, t(0)));
    draft.run(draftProposal(draft.body, { proposal: "p1", actor: a, kind: "policy", title: "T", text: "X" }, t(0)));
    const early = openVoting(draft.proposal(), { actor: a, body: draft.body }, t(1));
    refused(early, "wrong-stage");
    if (!early.ok) expect(early.reason.message).toContain("still a draft");
  });
  it("refuses a non-member opening it", () => {
    const rec = setup({ open: false });
    refused(openVoting(rec.proposal(), { actor: "x", body: rec.body }, t(1)), "not-member");
  });
  it("is done by advance() at the deadline when given the body, not without it", () => {
    const rec = setup({ open: false });
    const early = advance(rec.proposal(), t(0, 23), rec.body);
    expect(ok(early)).toEqual([]);
    expect(ok(advance(rec.proposal(), t(2)))).toEqual([]);
    expect(nextDeadline(rec.proposal())).toBe(t(1));
    rec.advance(t(1));
    expect(rec.proposal().status).toBe("voting");
    expect(rec.proposal().votingOpenedAt).toBe(t(1));
    expect(nextDeadline(rec.proposal())).toBe(t(2));
  });
  it("freezes the roll: later members cannot vote, leavers still can", () => {
    const rec = setup({ open: false, bylaws: { admission: "open" } });
    rec.run(leaveBody(rec.body, { actor: e }, t(0, 12)));
    rec.run(openVoting(rec.proposal(), { actor: a, body: rec.body }, t(1)));
    expect([...(rec.proposal().roll ?? [])].sort()).toEqual([a, b, c, d].sort());
    rec.run(joinBody(rec.body, { actor: "newcomer" }, t(1, 1)));
    rec.run(leaveBody(rec.body, { actor: d }, t(1, 1)));
    refused(castVote(rec.proposal(), { actor: "newcomer", choice: "agree" }, t(1, 2)), "not-on-roll");
    refused(castVote(rec.proposal(), { actor: e, choice: "agree" }, t(1, 2)), "not-on-roll");
    expect(castVote(rec.proposal(), { actor: d, choice: "agree" }, t(1, 2)).ok).toBe(true);
  });
});

describe("voting", () => {
  it("refuses votes before voting opens", () => {
    const rec = setup({ open: false });
    refused(castVote(rec.proposal(), { actor: a, choice: "agree" }, t(0, 1)), "wrong-stage");
  });
  it("refuses an option the rule does not have", () => {
    const rec = setup({});
    refused(castVote(rec.proposal(), { actor: a, choice: "block" }, t(1, 1)), "invalid-choice");
    refused(castVote(rec.proposal(), { actor: a, choice: "maybe" as never }, t(1, 1)), "invalid-choice");
  });
  it("lets a member change their vote until the deadline; the last counts", () => {
    const rec = setup({});
    vote(rec, a, "agree");
    vote(rec, a, "disagree", t(1, 2));
    vote(rec, a, "agree", t(2));
    refused(castVote(rec.proposal(), { actor: a, choice: "agree" }, t(2)), "already-voted");
    expect(castVote(rec.proposal(), { actor: a, choice: "agree", reason: "on reflection" }, t(2)).ok).toBe(true);
    const round = rec.proposal().rounds.get("main");
    expect(round?.ballots.size).toBe(1);
    expect(round?.ballots.get(a)?.choice).toBe("agree");
  });
  it("keeps reasons with votes", () => {
    const rec = setup({});
    rec.run(castVote(rec.proposal(), { actor: b, choice: "disagree", reason: "too costly" }, t(1, 1)));
    expect(rec.proposal().rounds.get("main")?.ballots.get(b)?.reason).toBe("too costly");
  });
  it("refuses a vote after the deadline, even before the stage is closed", () => {
    const rec = setup({});
    refused(castVote(rec.proposal(), { actor: a, choice: "agree" }, t(2, 0, 1)), "deadline-passed");
    rec.advance(t(2, 1));
    refused(castVote(rec.proposal(), { actor: a, choice: "agree" }, t(2, 2)), "deadline-passed");
  });
  it("does not close a round at its deadline, only after it", () => {
    const rec = setup({});
    expect(ok(advance(rec.proposal(), t(2), rec.body))).toEqual([]);
    expect(castVote(rec.proposal(), { actor: a, choice: "agree" }, t(2)).ok).toBe(true);
  });
});

describe("deciding", () => {
  it("passes a simple majority and moves a policy to implementing, with its effect", () => {
    const rec = setup({});
    vote(rec, a, "agree");
    vote(rec, b, "agree");
    vote(rec, c, "disagree");
    vote(rec, d, "abstain");
    const result = rec.advance(t(2, 1));
    expect(result.ok && result.effects).toEqual([{ type: "policy-adopted", body: BODY, proposal: "p1", text: "Plant it.", amendments: [] }]);
    const p = rec.proposal();
    expect(p.status).toBe("implementing");
    expect(p.decision).toMatchObject({ outcome: "passed", reason: "threshold-met", round: "main", at: t(2, 1) });
    expect(p.rounds.get("main")?.result?.counts).toEqual({ agree: 2, disagree: 1, abstain: 1, block: 0 });
    expect(p.effectiveAt).toBe(t(2, 1));
  });
  it("ends at passed for a policy that needs no work", () => {
    const rec = setup({ draft: { payload: { implementation: false } } });
    vote(rec, a, "agree");
    rec.advance(t(2, 1));
    expect(rec.proposal().status).toBe("passed");
    expect(rec.proposal().endedAt).toBe(t(2, 1));
  });
  it("rejects below the threshold", () => {
    const rec = setup({});
    vote(rec, a, "agree");
    vote(rec, b, "disagree");
    rec.advance(t(2, 1));
    expect(rec.proposal().status).toBe("rejected");
    expect(rec.proposal().decision?.reason).toBe("below-threshold");
    expect(rec.proposal().effect).toBeNull();
  });
  it("rejects without quorum, saying so", () => {
    const rec = setup({ bylaws: { quorum: { kind: "share", share: fraction(1, 2) } } });
    vote(rec, a, "agree");
    vote(rec, b, "agree");
    rec.advance(t(2, 1));
    expect(rec.proposal().status).toBe("rejected");
    expect(rec.proposal().decision?.reason).toBe("no-quorum");
    expect(rec.proposal().decision?.explanation).toMatch(/No quorum: turnout 2 of 5, quorum 3/);
  });
  it("consensus: one block stops it", () => {
    const rec = setup({ rule: { kind: "consensus" } });
    vote(rec, a, "agree");
    vote(rec, b, "agree");
    vote(rec, c, "agree");
    vote(rec, d, "block");
    rec.advance(t(2, 1));
    expect(rec.proposal().status).toBe("rejected");
    expect(rec.proposal().decision?.explanation).toContain("blocked");
  });
  it("consensus: passes with agreement and stand-asides", () => {
    const rec = setup({ rule: { kind: "consensus" } });
    vote(rec, a, "agree");
    vote(rec, b, "abstain");
    rec.advance(t(2, 1));
    expect(rec.proposal().status).toBe("implementing");
  });
  it("supermajority: 2 of 3 passes 2/3", () => {
    const rec = setup({ rule: { kind: "supermajority", fraction: fraction(2, 3) } });
    vote(rec, a, "agree");
    vote(rec, b, "agree");
    vote(rec, c, "disagree");
    rec.advance(t(2, 1));
    expect(rec.proposal().decision?.outcome).toBe("passed");
  });
  it("refuses votes once decided", () => {
    const rec = setup({});
    vote(rec, a, "agree");
    rec.advance(t(2, 1));
    refused(castVote(rec.proposal(), { actor: b, choice: "agree", round: "main" }, t(2, 1)), "deadline-passed");
    refused(castVote(rec.proposal(), { actor: b, choice: "agree" }, t(2, 1)), "deadline-passed");
  });
});

describe("implementation", () => {
  it("a carried decision that mandates work waits for the delegates the body elects (see implementation.test.ts)", () => {
    const rec = setup({});
    vote(rec, a, "agree");
    refused(completeImplementation(rec.proposal(), { actor: b }, t(1, 2)), "wrong-stage");
    rec.advance(t(2, 1));
    expect(rec.proposal().status).toBe("implementing");
    expect(rec.proposal().implementation).toBeNull();
    refused(completeImplementation(rec.proposal(), { actor: b }, t(3)), "wrong-stage");
  });
});

describe("withdrawal", () => {
  it("only by the author, before a decision", () => {
    const rec = setup({});
    refused(withdraw(rec.proposal(), { actor: b }, t(1, 1)), "not-author");
    rec.run(withdraw(rec.proposal(), { actor: a, reason: "merged into p2" }, t(1, 1)));
    const p = rec.proposal();
    expect(p.status).toBe("withdrawn");
    expect(p.withdrawal).toEqual({ at: t(1, 1), reason: "merged into p2" });
    expect(p.openRounds).toEqual([]);
    refused(castVote(p, { actor: b, choice: "agree", round: "main" }, t(1, 2)), "deadline-passed");
  });
  it("works on drafts", () => {
    const rec = setup({ open: false });
    expect(withdraw(rec.proposal(), { actor: a }, t(0, 1)).ok).toBe(true);
  });
  it("is refused after the decision", () => {
    const rec = setup({});
    vote(rec, a, "agree");
    rec.advance(t(2, 1));
    refused(withdraw(rec.proposal(), { actor: a }, t(3)), "wrong-stage");
  });
});

describe("the record is the authority: invalid events are ignored on replay", () => {
  const base = { body: BODY, proposal: "p1" } as const;
  it("ignores a late vote written into the record", () => {
    const rec = setup({});
    vote(rec, a, "disagree");
    rec.events.push({ ...base, type: "vote-cast", at: t(2, 0, 1), actor: b, round: "main", choice: "agree" });
    rec.events.push({ ...base, type: "vote-cast", at: t(2, 0, 2), actor: c, round: "main", choice: "agree" });
    rec.advance(t(2, 1));
    const p = rec.proposal();
    expect(p.status).toBe("rejected");
    expect(p.ignored.map((i) => i.code)).toEqual(["deadline-passed", "deadline-passed"]);
  });
  it("ignores a vote by someone not on the roll", () => {
    const rec = setup({});
    rec.events.push({ ...base, type: "vote-cast", at: t(1, 1), actor: "sock-puppet", round: "main", choice: "agree" });
    rec.advance(t(2, 1));
    expect(rec.proposal().decision?.reason).toBe("no-quorum");
    expect(rec.proposal().ignored[0]?.code).toBe("not-on-roll");
  });
  it("ignores a forged roll and forged terms when replaying the whole body", () => {
    const rec = setup({ open: false });
    rec.events.push({ ...base, type: "voting-opened", at: t(1), roll: [a, "sock-puppet"] });
    expect(rec.proposal().status).toBe("deliberation");
    expect(rec.proposal().ignored[0]?.code).toBe("roll-mismatch");

    const rec2 = setup({ open: false, rule: { kind: "consensus" } });
    const tabled = rec2.events.find((ev) => ev.type === "proposal-tabled") as GovernanceEvent & { terms: object };
    (tabled.terms as { rule: unknown }).rule = { kind: "simple-majority" };
    expect(rec2.proposal().status).toBe("draft");
    expect(rec2.proposal().ignored[0]?.code).toBe("terms-mismatch");
  });
  it("ignores an early stage end and out-of-order events", () => {
    const rec = setup({});
    rec.events.push({ ...base, type: "stage-ended", at: t(1, 12), stage: "voting" });
    rec.events.push({ ...base, type: "vote-cast", at: t(0, 12), actor: a, round: "main", choice: "agree" });
    expect(rec.proposal().status).toBe("voting");
    expect(rec.proposal().ignored.map((i) => i.code)).toEqual(["too-early", "out-of-order"]);
  });
  it("replays a proposal alone to the same decision as within its body", () => {
    const rec = setup({});
    vote(rec, a, "agree");
    vote(rec, b, "disagree");
    vote(rec, c, "agree");
    rec.advance(t(2, 1));
    const alone = replayProposal(rec.events);
    expect(alone?.status).toBe(rec.proposal().status);
    expect(alone?.decision).toEqual(rec.proposal().decision);
    expect(replayProposal(rec.events, { proposal: "nope" })).toBeNull();
  });
});
