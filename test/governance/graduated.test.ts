import { describe, expect, it } from "vitest";
import {
  advocatesOf,
  castVote,
  categoriesOf,
  electAdvocate,
  object,
  proposeAmendment,
  recordGrievanceAgreement,
  voteOnAmendment,
  withdraw,
  type VoteChoice,
} from "../../src/governance/index.ts";
import { type Ledger, people, refused, setup, t, testBylaws } from "./helpers.ts";

const m = people(10);
const member = (i: number): string => m[i]!;

/** Ten members, graduated consensus, 1-day stages; temperature check 1 open from day 1. */
function gsetup(extra: Parameters<typeof setup>[0] = {}): Ledger {
  return setup({ rule: { kind: "graduated-consensus" }, members: m, ...extra });
}

/** Each listed member (by index) votes in the open round. */
function votes(rec: Ledger, at: string, choices: Partial<Record<number, VoteChoice>>, round?: string): void {
  for (const [i, choice] of Object.entries(choices)) {
    rec.run(castVote(rec.proposal(), { actor: member(Number(i)), choice: choice!, ...(round ? { round } : {}) }, at));
  }
}

const agreeAll = (n: number, disagree: number[] = []): Partial<Record<number, VoteChoice>> =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [i, disagree.includes(i) ? "disagree" : "agree"]));

describe("graduated consensus: first temperature check", () => {
  it("passes at 90 %, then contention, then carried into implementation", () => {
    const rec = gsetup();
    votes(rec, t(1, 1), agreeAll(10, [9]));
    rec.advance(t(2, 1));
    let p = rec.proposal();
    expect(p.status).toBe("contention");
    expect(p.decision).toMatchObject({ outcome: "passed", round: "temperature-1" });
    expect(p.effect).toBeNull();
    expect(p.rounds.get("contention")?.ballots.size).toBe(10);
    const result = rec.advance(t(3, 2));
    p = rec.proposal();
    expect(p.status).toBe("implementing");
    expect(result.ok && result.effects.map((e) => e.type)).toEqual(["policy-adopted"]);
    expect(p.stages.map((s) => s.status)).toEqual(["draft", "deliberation", "voting", "contention", "implementing"]);
  });
  it("is rejected without quorum", () => {
    const rec = gsetup({ bylaws: { quorum: { kind: "count", count: 4 } } });
    votes(rec, t(1, 1), { 0: "agree", 1: "agree", 2: "agree" });
    rec.advance(t(2, 1));
    expect(rec.proposal().status).toBe("rejected");
    expect(rec.proposal().decision?.reason).toBe("no-quorum");
  });
  it("allows no block", () => {
    const rec = gsetup();
    refused(castVote(rec.proposal(), { actor: member(0), choice: "block" }, t(1, 1)), "invalid-choice");
  });
});

/** 6 agree, 4 disagree (members 6–9) in the first temperature check; now in objections. */
function toObjections(): Ledger {
  const rec = gsetup();
  votes(rec, t(1, 1), agreeAll(10, [6, 7, 8, 9]));
  rec.advance(t(2, 1));
  return rec;
}

describe("graduated consensus: objections", () => {
  it("asks those who voted against to qualify their objections", () => {
    const rec = toObjections();
    const p = rec.proposal();
    expect(p.status).toBe("objections");
    expect(p.decision).toBeNull();
    expect([...(p.graduated?.eligibleObjectors ?? [])].sort()).toEqual([6, 7, 8, 9].map(member).sort());
    expect(p.stageEndsAt).toBe(t(3, 1));
  });
  it("refuses objections from those who did not vote against, and from outsiders", () => {
    const rec = toObjections();
    refused(object(rec.proposal(), { actor: member(0), dealBreaker: false, category: "cost" }, t(2, 2)), "not-an-objector");
    refused(object(rec.proposal(), { actor: "x", dealBreaker: false, category: "cost" }, t(2, 2)), "not-on-roll");
    refused(object(rec.proposal(), { actor: member(6), dealBreaker: false, category: "  " }, t(2, 2)), "invalid-input");
  });
  it("groups categories case- and space-insensitively; the last objection counts", () => {
    const rec = toObjections();
    rec.run(object(rec.proposal(), { actor: member(6), dealBreaker: true, category: "safety" }, t(2, 2)));
    rec.run(object(rec.proposal(), { actor: member(6), dealBreaker: false, category: "Cost", text: "too dear" }, t(2, 3)));
    rec.run(object(rec.proposal(), { actor: member(7), dealBreaker: false, category: "  cost " }, t(2, 3)));
    const g = rec.proposal().graduated!;
    expect([...categoriesOf(g, "minor")]).toEqual([["cost", { label: "Cost", objectors: [member(6), member(7)] }]]);
    expect(categoriesOf(g, "deal-breaker").size).toBe(0);
  });
  it("refuses objections after the objection period", () => {
    const rec = toObjections();
    refused(object(rec.proposal(), { actor: member(6), dealBreaker: false, category: "cost" }, t(3, 2)), "deadline-passed");
  });
  it("goes straight to the final vote when nobody qualifies an objection", () => {
    const rec = toObjections();
    rec.advance(t(3, 2));
    const p = rec.proposal();
    expect(p.status).toBe("voting");
    expect(p.openRounds).toEqual(["final"]);
  });
  it("skips the minor tier and second temperature check when all objections are deal-breakers", () => {
    const rec = toObjections();
    rec.run(object(rec.proposal(), { actor: member(8), dealBreaker: true, category: "safety" }, t(2, 2)));
    rec.advance(t(3, 2));
    const p = rec.proposal();
    expect(p.status).toBe("grievances");
    expect(p.graduated?.tier).toBe("deal-breaker");
    rec.advance(t(4, 3));
    expect(rec.proposal().openRounds).toEqual(["final"]);
  });
});

/** Objections: 6 and 7 minor "cost", 8 deal-breaker "safety"; now in the minor grievances. */
function toMinorGrievances(): Ledger {
  const rec = toObjections();
  rec.run(object(rec.proposal(), { actor: member(6), dealBreaker: false, category: "cost", text: "too dear" }, t(2, 2)));
  rec.run(object(rec.proposal(), { actor: member(7), dealBreaker: false, category: "Cost" }, t(2, 2)));
  rec.run(object(rec.proposal(), { actor: member(8), dealBreaker: true, category: "safety" }, t(2, 2)));
  rec.advance(t(3, 2));
  return rec;
}

describe("graduated consensus: grievances", () => {
  it("hears the non-deal-breaker tier first", () => {
    const rec = toMinorGrievances();
    expect(rec.proposal().status).toBe("grievances");
    expect(rec.proposal().graduated?.tier).toBe("minor");
  });
  it("elects advocates by the objectors of each category", () => {
    const rec = toMinorGrievances();
    rec.run(electAdvocate(rec.proposal(), { actor: member(6), category: "cost", candidate: member(7) }, t(3, 3)));
    rec.run(electAdvocate(rec.proposal(), { actor: member(7), category: "COST", candidate: member(7) }, t(3, 3)));
    expect(advocatesOf(rec.proposal().graduated!, "minor", "cost")).toEqual([member(7)]);
    refused(electAdvocate(rec.proposal(), { actor: member(0), category: "cost", candidate: member(0) }, t(3, 3)), "not-an-objector");
    refused(electAdvocate(rec.proposal(), { actor: member(8), category: "cost", candidate: member(8) }, t(3, 3)), "not-an-objector");
    refused(electAdvocate(rec.proposal(), { actor: member(8), category: "safety", candidate: member(8) }, t(3, 3)), "unknown-category");
    refused(electAdvocate(rec.proposal(), { actor: member(6), category: "cost", candidate: "x" }, t(3, 3)), "invalid-candidate");
  });
  it("makes co-advocates on a tie", () => {
    const rec = toMinorGrievances();
    rec.run(electAdvocate(rec.proposal(), { actor: member(6), category: "cost", candidate: member(6) }, t(3, 3)));
    rec.run(electAdvocate(rec.proposal(), { actor: member(7), category: "cost", candidate: member(7) }, t(3, 3)));
    expect(advocatesOf(rec.proposal().graduated!, "minor", "cost")).toEqual([member(6), member(7)].sort());
  });
  it("records who shares a grievance (anyone on the roll, last answer counts)", () => {
    const rec = toMinorGrievances();
    rec.run(recordGrievanceAgreement(rec.proposal(), { actor: member(0), category: "cost", shares: true }, t(3, 3)));
    rec.run(recordGrievanceAgreement(rec.proposal(), { actor: member(1), category: "cost", shares: true }, t(3, 3)));
    rec.run(recordGrievanceAgreement(rec.proposal(), { actor: member(1), category: "cost", shares: false }, t(3, 4)));
    const agreements = rec.proposal().graduated!.agreements.get("minor|cost");
    expect(Object.fromEntries(agreements!)).toEqual({ [member(0)]: true, [member(1)]: false });
    refused(recordGrievanceAgreement(rec.proposal(), { actor: "x", category: "cost", shares: true }, t(3, 5)), "not-on-roll");
    refused(recordGrievanceAgreement(rec.proposal(), { actor: member(0), category: "noise", shares: true }, t(3, 5)), "unknown-category");
  });
  it("takes friendly amendments from the tier's objectors only", () => {
    const rec = toMinorGrievances();
    rec.run(proposeAmendment(rec.proposal(), { actor: member(6), amendment: "a1", text: "Use donated seeds." }, t(3, 3)));
    const a1 = rec.proposal().graduated!.amendments.get("a1");
    expect(a1).toMatchObject({ tier: "minor", category: "cost", author: member(6), outcome: null });
    refused(proposeAmendment(rec.proposal(), { actor: member(0), amendment: "a2", text: "x" }, t(3, 3)), "not-an-objector");
    refused(proposeAmendment(rec.proposal(), { actor: member(8), amendment: "a2", text: "x" }, t(3, 3)), "not-an-objector");
    refused(proposeAmendment(rec.proposal(), { actor: member(7), amendment: "a1", text: "x" }, t(3, 3)), "duplicate-id");
    refused(proposeAmendment(rec.proposal(), { actor: member(7), amendment: "a3", text: "" }, t(3, 3)), "invalid-input");
    refused(proposeAmendment(rec.proposal(), { actor: member(7), amendment: "a3", text: "x" }, t(4, 3)), "deadline-passed");
  });
  it("goes to the second temperature check when no amendment was offered", () => {
    const rec = toMinorGrievances();
    rec.advance(t(4, 3));
    expect(rec.proposal().openRounds).toEqual(["temperature-2"]);
  });
  it("can be withdrawn by the author", () => {
    const rec = toMinorGrievances();
    rec.run(withdraw(rec.proposal(), { actor: member(0) }, t(3, 3)));
    expect(rec.proposal().status).toBe("withdrawn");
  });
});

/** Amendment a1 (minor, by 6) and a2 (minor, by 7); now voting on them. */
function toAmendmentVoting(): Ledger {
  const rec = toMinorGrievances();
  rec.run(proposeAmendment(rec.proposal(), { actor: member(6), amendment: "a1", text: "Use donated seeds." }, t(3, 3)));
  rec.run(proposeAmendment(rec.proposal(), { actor: member(7), amendment: "a2", text: "Halve the budget." }, t(3, 3)));
  rec.advance(t(4, 3));
  return rec;
}

describe("graduated consensus: amendment voting", () => {
  it("opens one vote per amendment", () => {
    const rec = toAmendmentVoting();
    const p = rec.proposal();
    expect(p.status).toBe("amendment-voting");
    expect(p.openRounds).toEqual(["amendment:a1", "amendment:a2"]);
    refused(castVote(p, { actor: member(0), choice: "agree" }, t(4, 4)), "wrong-stage");
    refused(voteOnAmendment(p, { actor: member(0), amendment: "zz", choice: "agree" }, t(4, 4)), "unknown-round");
  });
  it("accepts by simple majority, turns down otherwise, sustains without quorum", () => {
    const rec = gsetup({ bylaws: { quorum: { kind: "count", count: 3 } } });
    votes(rec, t(1, 1), agreeAll(10, [6, 7, 8]));
    rec.advance(t(2, 1));
    rec.run(object(rec.proposal(), { actor: member(6), dealBreaker: false, category: "cost" }, t(2, 2)));
    rec.advance(t(3, 2));
    for (const id of ["a1", "a2", "a3", "a4"]) {
      rec.run(proposeAmendment(rec.proposal(), { actor: member(6), amendment: id, text: `amend ${id}` }, t(3, 3)));
    }
    rec.advance(t(4, 3));
    const on = (amendment: string, choices: Partial<Record<number, VoteChoice>>) => {
      for (const [i, choice] of Object.entries(choices)) {
        rec.run(voteOnAmendment(rec.proposal(), { actor: member(Number(i)), amendment, choice: choice! }, t(4, 4)));
      }
    };
    on("a1", { 0: "agree", 1: "agree", 2: "disagree", 3: "abstain" });
    on("a2", { 0: "agree", 1: "disagree", 2: "abstain" });
    on("a3", { 0: "agree", 1: "agree" });
    on("a4", { 0: "disagree", 1: "disagree", 2: "disagree" });
    refused(voteOnAmendment(rec.proposal(), { actor: member(0), amendment: "a1", choice: "block" }, t(4, 5)), "invalid-choice");
    refused(voteOnAmendment(rec.proposal(), { actor: member(0), amendment: "a1", choice: "agree" }, t(5, 4)), "deadline-passed");
    rec.advance(t(5, 4));
    const outcomes = [...rec.proposal().graduated!.amendments.values()].map((a) => a.outcome);
    expect(outcomes).toEqual(["accepted", "turned-down", "sustained", "turned-down"]);
    expect(rec.proposal().openRounds).toEqual(["temperature-2"]);
  });
});

/** Runs the full procedure to the final vote: a1 accepted, temperature check 2 at 80 %, a deal-breaker tier with a2. */
function toFinal(): Ledger {
  const rec = toAmendmentVoting();
  rec.run(voteOnAmendment(rec.proposal(), { actor: member(0), amendment: "a1", choice: "agree" }, t(4, 4)));
  rec.run(voteOnAmendment(rec.proposal(), { actor: member(1), amendment: "a2", choice: "disagree" }, t(4, 4)));
  rec.advance(t(5, 4)); // temperature check 2 until t(6, 4)
  votes(rec, t(5, 5), agreeAll(10, [8, 9]));
  rec.advance(t(6, 5)); // deal-breaker grievances until t(7, 5)
  const p = rec.proposal();
  expect(p.status).toBe("grievances");
  expect(p.graduated?.tier).toBe("deal-breaker");
  rec.run(electAdvocate(p, { actor: member(8), category: "safety", candidate: member(8) }, t(6, 6)));
  rec.run(recordGrievanceAgreement(rec.proposal(), { actor: member(9), category: "safety", shares: true }, t(6, 6)));
  rec.run(proposeAmendment(rec.proposal(), { actor: member(8), amendment: "a3", text: "Fence the pond." }, t(6, 6)));
  refused(proposeAmendment(rec.proposal(), { actor: member(6), amendment: "a4", text: "x" }, t(6, 6)), "not-an-objector");
  rec.advance(t(7, 6)); // amendment voting until t(8, 6)
  rec.run(voteOnAmendment(rec.proposal(), { actor: member(8), amendment: "a3", choice: "agree" }, t(7, 7)));
  rec.advance(t(8, 7)); // final vote until t(9, 7)
  expect(rec.proposal().openRounds).toEqual(["final"]);
  return rec;
}

describe("graduated consensus: the full procedure", () => {
  it("records every stage in order", () => {
    const rec = toFinal();
    votes(rec, t(8, 8), agreeAll(10, [7, 8, 9]));
    rec.advance(t(9, 8));
    const p = rec.proposal();
    expect(p.status).toBe("contention");
    expect(p.decision).toMatchObject({ outcome: "passed", round: "final" });
    expect(p.stages.map((s) => s.status)).toEqual([
      "draft",
      "deliberation",
      "voting",
      "objections",
      "grievances",
      "amendment-voting",
      "voting",
      "grievances",
      "amendment-voting",
      "voting",
      "contention",
    ]);
    expect([...p.graduated!.amendments.values()].map((a) => [a.id, a.outcome])).toEqual([
      ["a1", "accepted"],
      ["a2", "turned-down"],
      ["a3", "accepted"],
    ]);
    rec.advance(t(10, 9));
    expect(rec.proposal().status).toBe("implementing");
    expect(rec.proposal().effect).toEqual({
      type: "policy-adopted",
      body: p.body,
      proposal: "p1",
      text: "Plant it.",
      amendments: ["Use donated seeds.", "Fence the pond."],
    });
  });
  it("rejects a final vote below 2/3", () => {
    const rec = toFinal();
    votes(rec, t(8, 8), agreeAll(10, [5, 6, 7, 8, 9]));
    rec.advance(t(9, 8));
    expect(rec.proposal().status).toBe("rejected");
    expect(rec.proposal().decision).toMatchObject({ outcome: "rejected", reason: "below-threshold", round: "final" });
  });
  it("passes at the second temperature check with 90 %", () => {
    const rec = toAmendmentVoting();
    rec.advance(t(5, 4));
    votes(rec, t(5, 5), agreeAll(10, [9]));
    rec.advance(t(6, 5));
    expect(rec.proposal().status).toBe("contention");
    expect(rec.proposal().decision?.round).toBe("temperature-2");
  });
  it("rejects a second temperature check without quorum", () => {
    const rec = toAmendmentVoting();
    rec.advance(t(5, 4));
    rec.advance(t(6, 5));
    expect(rec.proposal().decision).toMatchObject({ outcome: "rejected", reason: "no-quorum", round: "temperature-2" });
  });
  it("goes to the final vote after temperature check 2 when there are no deal-breakers", () => {
    const rec = toObjections();
    rec.run(object(rec.proposal(), { actor: member(6), dealBreaker: false, category: "cost" }, t(2, 2)));
    rec.advance(t(3, 2));
    rec.advance(t(4, 3));
    votes(rec, t(4, 4), agreeAll(10, [6, 7]));
    rec.advance(t(5, 4));
    expect(rec.proposal().openRounds).toEqual(["final"]);
  });
});

/** Passed with 7 agree (0–6), 3 disagree (7–9); now in contention until t(10, 8). */
function toContention(): Ledger {
  const rec = toFinal();
  votes(rec, t(8, 8), agreeAll(10, [7, 8, 9]));
  rec.advance(t(9, 8));
  return rec;
}

describe("graduated consensus: contention", () => {
  it("lets voters change their vote; tables the decision once support falls below half", () => {
    const rec = toContention();
    votes(rec, t(9, 9), { 0: "disagree" });
    expect(rec.proposal().status).toBe("contention");
    votes(rec, t(9, 10), { 1: "disagree" }); // 5 to 5: still half
    expect(rec.proposal().status).toBe("contention");
    votes(rec, t(9, 11), { 2: "abstain" }); // 4 to 5
    const p = rec.proposal();
    expect(p.status).toBe("tabled");
    expect(p.endedAt).toBe(t(9, 11));
    expect(p.effect).toBeNull();
    expect(p.decision?.outcome).toBe("passed");
    refused(castVote(p, { actor: member(3), choice: "agree", round: "contention" }, t(9, 12)), "deadline-passed");
  });
  it("tables it when every voter stands aside", () => {
    const rec = gsetup();
    votes(rec, t(1, 1), { 0: "agree" });
    rec.advance(t(2, 1));
    votes(rec, t(2, 2), { 0: "abstain" });
    expect(rec.proposal().status).toBe("tabled");
  });
  it("carries it when support holds to the end", () => {
    const rec = toContention();
    votes(rec, t(9, 9), { 0: "disagree", 8: "agree" });
    refused(castVote(rec.proposal(), { actor: member(1), choice: "agree" }, t(10, 9)), "deadline-passed");
    rec.advance(t(10, 9));
    expect(rec.proposal().status).toBe("implementing");
    expect(rec.proposal().rounds.get("contention")?.result?.counts).toEqual({ agree: 7, disagree: 3, abstain: 0, block: 0 });
  });
  it("only those who voted may change their vote", () => {
    const rec = gsetup();
    votes(rec, t(1, 1), agreeAll(9));
    rec.advance(t(2, 1));
    refused(castVote(rec.proposal(), { actor: member(9), choice: "disagree" }, t(2, 2)), "not-a-voter");
  });
  it("cannot be withdrawn", () => {
    refused(withdraw(toContention().proposal(), { actor: member(0) }, t(9, 9)), "wrong-stage");
  });
});

describe("graduated consensus: structured amendments", () => {
  it("an accepted amendment may replace a bylaws proposal's payload", () => {
    const proposed = { ...testBylaws({ kind: "graduated-consensus" }), ballot: "secret" as const };
    const amended = { ...proposed, ballot: "named" as const };
    const rec = gsetup({ draft: { kind: "bylaws", payload: { bylaws: proposed } } });
    votes(rec, t(1, 1), agreeAll(10, [5, 6]));
    rec.advance(t(2, 1));
    rec.run(object(rec.proposal(), { actor: member(6), dealBreaker: false, category: "secrecy" }, t(2, 2)));
    rec.advance(t(3, 2));
    refused(proposeAmendment(rec.proposal(), { actor: member(6), amendment: "bad", text: "x", payload: { bylaws: {} } }, t(3, 3)), "invalid-payload");
    rec.run(proposeAmendment(rec.proposal(), { actor: member(6), amendment: "a1", text: "Keep named ballots.", payload: { bylaws: amended } }, t(3, 3)));
    rec.advance(t(4, 3));
    rec.run(voteOnAmendment(rec.proposal(), { actor: member(0), amendment: "a1", choice: "agree" }, t(4, 4)));
    rec.advance(t(5, 4));
    votes(rec, t(5, 5), agreeAll(10));
    rec.advance(t(6, 5));
    rec.advance(t(7, 6));
    expect(rec.proposal().status).toBe("passed");
    expect(rec.body.bylaws.ballot).toBe("named");
    expect(rec.body.bylawsVersion).toBe(2);
    expect(rec.body.bylawsHistory.at(-1)).toMatchObject({ version: 2, proposal: "p1", adoptedAt: t(7, 6) });
  });
});
