import { describe, expect, it } from "vitest";
import {
  admitMemberBody,
  advanceReferrals,
  applyBodyEvent,
  bodyState,
  bodyStateAfter,
  castVote,
  confederationVerdict,
  defaultBylaws,
  draftProposal,
  forkBody,
  foundBody,
  fraction,
  mandateId,
  memberBodyLeaves,
  nextReferralDeadline,
  openVoting,
  ratificationVerdict,
  receiveRevocation,
  receiveVerdict,
  recordJoinRefused,
  referConfederal,
  tableProposal,
  tallyVerdicts,
  verdictFromTally,
  type BodyState,
  type DraftInput,
  type GovernanceEvent,
  type Mandate,
  type RatificationRule,
  type ReferralBody,
  type Verdict,
  type VerdictsTally,
  type VoteChoice,
} from "../../src/governance/index.ts";
import { Ledger, ok, people, refused, t, testBylaws } from "./helpers.ts";

const CONF = "https://c.example/groups/valley";
const UP = "https://r.example/groups/region";
const [A, B, C, D] = ["https://a.example/groups/a", "https://b.example/groups/b", "https://c.example/groups/c", "https://d.example/groups/d"] as const;
const SIZES: Record<string, number> = { [A]: 100, [B]: 40, [C]: 10, [D]: 60 };
const list = (bodies: string[]): ReferralBody[] => bodies.map((body) => ({ body, members: SIZES[body] ?? 1 }));

function confederation(rule: RatificationRule = { kind: "majority" }, members: string[] = [A, B, C], admission: "open" | "by-decision" = "by-decision", id = CONF): Ledger {
  const rec = new Ledger();
  const bylaws = { ...testBylaws({ kind: "simple-majority" }, { admission }), ratification: rule };
  rec.run(foundBody({ body: id, actor: members[0]!, kind: "confederation", name: "Valley", bylaws, members }, t(0)));
  return rec;
}

function refer(rec: Ledger, referral = "q1", actor: string = A, extra: Partial<Parameters<typeof referConfederal>[1]> = {}): void {
  const bodies = list([...rec.body.members]);
  rec.run(referConfederal(rec.body, { referral, actor, title: "Water plan", text: "Share the river.", bodies, deadline: t(10), ...extra }, t(1)));
}

/** A verdict whose embedded tally supports it (simple majority, quorum 1, roll 5). */
function verdict(body: string, choice: VoteChoice | "none", referral = "q1", at = t(5)): Verdict {
  const counts = { agree: 0, disagree: 0, abstain: 0, block: 0 };
  if (choice === "agree") counts.agree = 3;
  if (choice === "disagree") counts.disagree = 3;
  const turnout = counts.agree + counts.disagree;
  return {
    body,
    referral,
    verdict: choice === "agree" ? "ratify" : choice === "disagree" ? "reject" : "abstain",
    rule: { of: "votes", rule: { kind: "simple-majority" } },
    tally: { counts, roll: 5, turnout, quorum: 1 },
    at,
  };
}

describe("joining and leaving a confederation", () => {
  const members = people(3);
  function assembly(): Ledger {
    const rec = new Ledger();
    rec.run(foundBody({ body: A, actor: members[0]!, kind: "assembly", name: "A", bylaws: testBylaws({ kind: "simple-majority" }), members }, t(0)));
    return rec;
  }
  function decide(rec: Ledger, id: string, draft: Partial<DraftInput>, day: number): void {
    rec.run(draftProposal(rec.body, { proposal: id, actor: members[0]!, kind: "policy", title: id, text: id, ...draft }, t(day)));
    rec.run(tableProposal(rec.proposal(id), { actor: members[0]!, body: rec.body }, t(day)));
    rec.run(openVoting(rec.proposal(id), { actor: members[0]!, body: rec.body }, t(day + 1)));
    rec.run(castVote(rec.proposal(id), { actor: members[0]!, choice: "agree" }, t(day + 1, 1)));
    rec.advance(t(day + 2, 1), id);
  }
  it("a body decides to join and to leave; the effects tell the adapter to send Join and Leave", () => {
    const rec = assembly();
    decide(rec, "j", { kind: "join", payload: { confederation: CONF } }, 1);
    expect(rec.body.confederations.has(CONF)).toBe(true);
    refused(draftProposal(rec.body, { proposal: "x", actor: members[0]!, kind: "join", title: "x", text: "x", payload: { confederation: CONF } }, t(4)), "already-member");
    refused(draftProposal(rec.body, { proposal: "x", actor: members[0]!, kind: "join", title: "x", text: "x", payload: { confederation: A } }, t(4)), "invalid-payload");
    refused(draftProposal(rec.body, { proposal: "x", actor: members[0]!, kind: "leave", title: "x", text: "x", payload: {} }, t(4)), "invalid-payload");
    decide(rec, "l", { kind: "leave", payload: { confederation: CONF } }, 4);
    expect(rec.body.confederations.has(CONF)).toBe(false);
    expect(rec.body.effects.map((e) => e.effect)).toEqual([
      { type: "confederation-join", body: A, proposal: "j", confederation: CONF },
      { type: "confederation-leave", body: A, proposal: "l", confederation: CONF },
    ]);
  });
  it("a refused Join is recorded: the body is no longer in the confederation, and may decide to join again", () => {
    const rec = assembly();
    refused(recordJoinRefused(rec.body, { confederation: CONF, join: "j#join", reason: "not ratified" }, t(1)), "not-member");
    decide(rec, "j", { kind: "join", payload: { confederation: CONF } }, 1);
    refused(recordJoinRefused(rec.body, { confederation: CONF, join: "j#join", reason: 7 as unknown as string }, t(4)), "invalid-input");
    rec.run(recordJoinRefused(rec.body, { confederation: CONF, join: "j#join", reason: "Not ratified: 0 of 1 bodies ratified" }, t(4)));
    expect(rec.body.confederations.has(CONF)).toBe(false);
    expect(rec.events.at(-1)).toMatchObject({ type: "join-refused", actor: CONF, reason: "Not ratified: 0 of 1 bodies ratified" });
    // A second refusal of the same confederation has nothing left to undo.
    refused(recordJoinRefused(rec.body, { confederation: CONF, join: "j#join", reason: "again" }, t(4)), "not-member");
    decide(rec, "j2", { kind: "join", payload: { confederation: CONF } }, 5);
    expect(rec.body.confederations.has(CONF)).toBe(true);
    // The whole record replays to the same state.
    expect(bodyState(rec.events)?.confederations).toEqual(rec.body.confederations);
  });
  it("the confederation admits by its own rule: open admission, or a membership proposal naming the body", () => {
    const open = confederation({ kind: "majority" }, [A], "open");
    open.run(admitMemberBody(open.body, { body: B }, t(1)));
    expect([...open.body.members]).toEqual([A, B]);
    refused(admitMemberBody(open.body, { body: B }, t(1)), "already-member");
    open.run(memberBodyLeaves(open.body, { body: B }, t(2)));
    expect([...open.body.members]).toEqual([A]);
    refused(memberBodyLeaves(open.body, { body: B }, t(2)), "not-member");

    const closed = confederation({ kind: "majority" }, [A]);
    refused(admitMemberBody(closed.body, { body: B }, t(1)), "admission-by-decision");
    closed.run(draftProposal(closed.body, { proposal: "m", actor: A, kind: "membership", title: "Admit B", text: "", payload: { member: B } }, t(1)));
    closed.run(tableProposal(closed.proposal("m"), { actor: A, body: closed.body }, t(1)));
    closed.run(openVoting(closed.proposal("m"), { actor: A, body: closed.body }, t(2)));
    closed.run(castVote(closed.proposal("m"), { actor: A, choice: "agree" }, t(2, 1)));
    closed.advance(t(3, 1), "m");
    expect(closed.body.members.has(B)).toBe(true);
  });
  it("member-body events belong to confederations only", () => {
    const rec = assembly();
    refused(admitMemberBody(rec.body, { body: B }, t(1)), "not-a-confederation");
    refused(referConfederal(rec.body, { referral: "q", actor: A, title: "x", text: "x", bodies: [] }, t(1)), "not-a-confederation");
  });
});

describe("confederal proposals are referred to every member body", () => {
  it("tabled by a member body: the list and rule are frozen; the deadline defaults to the bylaws' periods", () => {
    const rec = confederation();
    rec.run(referConfederal(rec.body, { referral: "q1", actor: B, title: "Water", text: "x", bodies: list([A, B, C]) }, t(1)));
    const r = rec.body.referrals.get("q1")!;
    expect(r).toMatchObject({ kind: "confederal", proposer: B, viaMandate: null, rule: { kind: "majority" }, deadline: t(3), openedAt: t(1), parent: null });
    expect(r.bodies).toEqual(list([A, B, C]));
    expect(nextReferralDeadline(rec.body)).toBe(t(3));
  });
  it("refuses an outsider, a wrong list, a duplicate id, a past deadline", () => {
    const rec = confederation();
    const input = { referral: "q1", actor: A, title: "W", text: "x", bodies: list([A, B, C]), deadline: t(10) };
    refused(referConfederal(rec.body, { ...input, actor: D }, t(1)), "not-member");
    refused(referConfederal(rec.body, { ...input, bodies: list([A, B]) }, t(1)), "roll-mismatch");
    refused(referConfederal(rec.body, { ...input, bodies: list([A, B, D]) }, t(1)), "roll-mismatch");
    refused(referConfederal(rec.body, { ...input, bodies: [{ body: A, members: 0 }, ...list([B, C])] }, t(1)), "invalid-input");
    refused(referConfederal(rec.body, { ...input, deadline: t(1) }, t(1)), "invalid-input");
    rec.run(referConfederal(rec.body, input, t(1)));
    refused(referConfederal(rec.body, input, t(1)), "duplicate-id");
  });

  const mandate: Mandate = {
    id: mandateId("https://a.example/p/del", "https://a.example/users/ana"),
    delegate: "https://a.example/users/ana",
    role: "confederal-delegate",
    scope: "Valley council",
    instructions: "Table the water plan",
    covers: ["confederal"],
    start: t(0),
    end: t(30),
    body: A,
    confederation: CONF,
    decidedBy: "https://a.example/p/del",
    revokedAt: null,
    revokedBy: null,
  };
  const byDelegate = { referral: "q1", actor: mandate.delegate, title: "W", text: "x", bodies: list([A, B, C]), deadline: t(10), viaMandate: mandate };

  it("tabled by a delegate whose live mandate covers it: recorded with the mandate", () => {
    const rec = confederation();
    rec.run(referConfederal(rec.body, byDelegate, t(1)));
    expect(rec.body.referrals.get("q1")!.viaMandate).toBe(mandate.id);
  });
  it("refuses a delegate's act outside the mandate: revoked, expired, out of scope, someone else's, another confederation's", () => {
    const rec = confederation();
    refused(referConfederal(rec.body, { ...byDelegate, viaMandate: { ...mandate, covers: ["water"] } }, t(1)), "outside-scope");
    refused(referConfederal(rec.body, { ...byDelegate, viaMandate: { ...mandate, confederation: UP } }, t(1)), "outside-scope");
    refused(referConfederal(rec.body, { ...byDelegate, viaMandate: { ...mandate, end: t(1) } }, t(1)), "mandate-expired");
    refused(referConfederal(rec.body, { ...byDelegate, viaMandate: { ...mandate, revokedAt: t(1), revokedBy: "r" } }, t(1)), "mandate-revoked");
    refused(referConfederal(rec.body, { ...byDelegate, actor: "https://a.example/users/bo" }, t(1)), "not-a-delegate");
    refused(referConfederal(rec.body, { ...byDelegate, viaMandate: { ...mandate, body: D } }, t(1)), "not-a-member-body");
    refused(referConfederal(rec.body, { ...byDelegate, viaMandate: { ...mandate, role: "secretary" } }, t(1)), "outside-scope");
  });
  it("an act by a recalled delegate is refused once the revocation arrived, even with a mandate that still looks live", () => {
    const rec = confederation();
    rec.run(receiveRevocation(rec.body, { actor: A, mandate: mandate.id, delegate: mandate.delegate, revokedAt: t(0, 12), revokedBy: "https://a.example/p/recall" }, t(0, 13)));
    const result = referConfederal(rec.body, byDelegate, t(1));
    refused(result, "mandate-revoked");
    refused(receiveRevocation(rec.body, { actor: A, mandate: mandate.id, delegate: mandate.delegate, revokedAt: t(0, 12), revokedBy: "x" }, t(1)), "duplicate-id");
  });
});

describe("verdicts", () => {
  it("from a member body's own ratification proposal, by its own rule", () => {
    const voters = people(5);
    const rec = new Ledger();
    rec.run(foundBody({ body: A, actor: voters[0]!, kind: "assembly", name: "A", bylaws: testBylaws({ kind: "supermajority", fraction: fraction(2, 3) }), members: voters }, t(0)));
    refused(
      draftProposal(rec.body, { proposal: "rat", actor: voters[0]!, kind: "ratification", title: "x", text: "x", payload: { confederation: CONF } }, t(1)),
      "invalid-payload",
    );
    rec.run(
      draftProposal(
        rec.body,
        { proposal: "rat", actor: voters[0]!, kind: "ratification", title: "Water plan", text: "x", payload: { confederation: CONF, referral: "q1", proposalUri: `${CONF}/q1` } },
        t(1),
      ),
    );
    refused(
      draftProposal(
        rec.body,
        { proposal: "rat2", actor: voters[0]!, kind: "ratification", title: "again", text: "x", payload: { confederation: CONF, referral: "q1", proposalUri: `${CONF}/q1` } },
        t(1),
      ),
      "duplicate-id",
    );
    rec.run(tableProposal(rec.proposal("rat"), { actor: voters[0]!, body: rec.body }, t(1)));
    rec.run(openVoting(rec.proposal("rat"), { actor: voters[0]!, body: rec.body }, t(2)));
    expect(ratificationVerdict(rec.body, "rat")).toBeNull();
    for (const [i, v] of voters.entries()) rec.run(castVote(rec.proposal("rat"), { actor: v, choice: i < 3 ? "agree" : "disagree" }, t(2, 1)));
    rec.advance(t(3, 1), "rat");
    const v = ratificationVerdict(rec.body, "rat")!;
    expect(v).toEqual({
      body: A,
      referral: "q1",
      verdict: "reject",
      rule: { of: "votes", rule: { kind: "supermajority", fraction: fraction(2, 3) } },
      tally: { counts: { agree: 3, disagree: 2, abstain: 0, block: 0 }, roll: 5, turnout: 5, quorum: 1 },
      at: t(3, 1),
      decidedBy: "rat",
    });
    expect(verdictFromTally(v.rule, v.tally)).toBe("reject");

    const conf = confederation();
    refer(conf);
    conf.run(receiveVerdict(conf.body, v, t(4)));
    expect(conf.body.referrals.get("q1")!.verdicts).toEqual([v]);
  });
  it("a ratification proposal in a confederation is refused: it refers down instead", () => {
    const conf = confederation();
    refused(
      draftProposal(conf.body, { proposal: "r", actor: A, kind: "ratification", title: "x", text: "x", payload: { confederation: UP, referral: "u1", proposalUri: "u" } }, t(1)),
      "invalid-payload",
    );
  });

  describe("attacks, each refused with no effect", () => {
    function opened(): Ledger {
      const rec = confederation({ kind: "majority" }, [A, B, C], "open");
      refer(rec);
      return rec;
    }
    function attack(rec: Ledger, v: Verdict, at: string, code: string): void {
      const before = rec.body;
      refused(receiveVerdict(rec.body, v, at), code);
      // Forced into the record anyway, it is ignored on replay.
      const after = bodyState([...rec.events, { type: "verdict-received", at, body: CONF, actor: v.body, referral: v.referral, verdict: v }])!;
      expect(after.referrals.get("q1")!.verdicts).toEqual(before.referrals.get("q1")!.verdicts);
      expect(after.ignored.at(-1)?.code).toBe(code);
    }
    it("a verdict by a body that is not a member (not on the frozen list)", () => {
      const rec = opened();
      attack(rec, verdict(D, "agree"), t(2), "not-a-member-body");
      rec.run(admitMemberBody(rec.body, { body: D }, t(2)));
      attack(rec, verdict(D, "agree"), t(3), "not-a-member-body");
    });
    it("a replayed (second) verdict: the first one counts", () => {
      const rec = opened();
      rec.run(receiveVerdict(rec.body, verdict(A, "agree"), t(2)));
      attack(rec, verdict(A, "disagree"), t(3), "duplicate-verdict");
      attack(rec, verdict(A, "agree"), t(3), "duplicate-verdict");
    });
    it("a verdict after the deadline (inclusive) or after closing", () => {
      const rec = opened();
      rec.run(receiveVerdict(rec.body, verdict(B, "agree"), t(10)));
      attack(rec, verdict(A, "agree"), t(10, 0, 1), "deadline-passed");
    });
    it("a verdict from a body that left during the referral, and the one it sent before leaving stops counting", () => {
      const rec = opened();
      rec.run(receiveVerdict(rec.body, verdict(C, "agree"), t(2)));
      rec.run(receiveVerdict(rec.body, verdict(A, "agree"), t(2)));
      rec.run(memberBodyLeaves(rec.body, { body: B }, t(3)));
      rec.run(memberBodyLeaves(rec.body, { body: C }, t(3)));
      attack(rec, verdict(B, "agree"), t(4), "left");
      rec.run(advanceReferrals(rec.body, t(11)));
      const tally = rec.body.referrals.get("q1")!.tally!;
      expect(tally.counts).toEqual({ ratify: 1, reject: 0, abstain: 0 });
      expect(tally.ratifiedBy).toEqual([A]);
      expect(tally.ignored.left).toBe(1);
    });
    it("a tally that counts a body as ratifying when its own counts do not", () => {
      const rec = opened();
      attack(rec, { ...verdict(A, "disagree"), verdict: "ratify" }, t(2), "tally-mismatch");
      attack(rec, { ...verdict(A, "none"), verdict: "ratify" }, t(2), "tally-mismatch");
      attack(rec, { ...verdict(A, "agree"), tally: { counts: { agree: 9, disagree: 0, abstain: 0, block: 0 }, roll: 5, turnout: 9, quorum: 1 } }, t(2), "tally-mismatch");
      attack(rec, { ...verdict(A, "agree"), rule: { of: "votes", rule: { kind: "graduated-consensus" } } as never }, t(2), "tally-mismatch");
    });
    it("a verdict sent by another body than its own, or for another referral", () => {
      const rec = opened();
      refused({ ...receiveVerdict(rec.body, verdict(A, "agree", "zz"), t(2)) }, "unknown-referral");
      const forged = receiveVerdict(rec.body, verdict(A, "agree"), t(2));
      expect(forged.ok).toBe(true);
      const bad = bodyState([...rec.events, { type: "verdict-received", at: t(2), body: CONF, actor: B, referral: "q1", verdict: verdict(A, "agree") }])!;
      expect(bad.ignored.at(-1)?.code).toBe("invalid-input");
    });
  });

  it("a verdict applied to a state (copying only the referral) gives what a whole replay gives, and leaves the state as it was", () => {
    const rec = confederation({ kind: "majority" }, [A, B, C, D], "open");
    refer(rec);
    refer(rec, "q2", B);
    rec.run(receiveVerdict(rec.body, verdict(A, "agree"), t(2)));
    const before = rec.body;
    const snapshot = structuredClone(before);
    let state: BodyState | null = before;
    const events: GovernanceEvent[] = [
      { type: "verdict-received", at: t(3), body: CONF, actor: B, referral: "q1", verdict: verdict(B, "disagree") },
      { type: "verdict-received", at: t(4), body: CONF, actor: C, referral: "q2", verdict: verdict(C, "agree", "q2") },
      // Refused (a second verdict from A): noted as ignored, as a replay notes it.
      { type: "verdict-received", at: t(5), body: CONF, actor: A, referral: "q1", verdict: verdict(A, "disagree") },
    ];
    for (const e of events) state = applyBodyEvent(state, e);
    expect(state).toEqual(bodyState([...rec.events, ...events]));
    expect(before).toEqual(snapshot);
    expect(state!.referrals.get("q1")!.verdicts.map((v) => v.body)).toEqual([A, B]);
  });

  it("at the deadline the referral closes: no verdict counts as abstaining; the decision binds only those that ratified", () => {
    const rec = confederation({ kind: "majority" }, [A, B, C, D], "open");
    refer(rec);
    rec.run(receiveVerdict(rec.body, verdict(A, "agree"), t(2)));
    rec.run(receiveVerdict(rec.body, verdict(B, "agree"), t(3)));
    rec.run(receiveVerdict(rec.body, verdict(C, "disagree"), t(4)));
    expect(ok(advanceReferrals(rec.body, t(10)))).toEqual([]);
    refused(receiveVerdict(rec.body, verdict(C, "agree"), t(9)), "duplicate-verdict");
    const result = advanceReferrals(rec.body, t(10, 0, 1));
    rec.run(result);
    const tally = rec.body.referrals.get("q1")!.tally!;
    expect(tally).toMatchObject({
      counts: { ratify: 2, reject: 1, abstain: 1 },
      passed: false,
      ratifiedBy: [A, B],
      rejectedBy: [C],
      abstained: [D],
      bound: [],
    });
    expect(tally.reason).toBe("Not ratified: 2 of 4 bodies ratified; a majority needs more than half.");
    expect(result.ok && result.effects).toEqual([{ type: "referral-decided", body: CONF, referral: "q1", tally, parent: null }]);
    expect(nextReferralDeadline(rec.body)).toBeNull();
  });
});

describe("tallyVerdicts by each ratification rule", () => {
  const referral = { id: "q1", bodies: list([A, B, C, D]) }; // 100, 40, 10, 60 people
  const vs = (choices: Record<string, VoteChoice | "none">) => Object.entries(choices).map(([body, c]) => verdict(body, c));
  const run = (rule: RatificationRule, choices: Record<string, VoteChoice | "none">) => tallyVerdicts(rule, referral, vs(choices));

  it("unanimity: every body that counts ratifies; a silent body stops it", () => {
    expect(run({ kind: "unanimity" }, { [A]: "agree", [B]: "agree", [C]: "agree", [D]: "agree" }).passed).toBe(true);
    expect(run({ kind: "unanimity" }, { [A]: "agree", [B]: "agree", [C]: "agree" }).passed).toBe(false);
  });
  it("majority and supermajority of bodies", () => {
    expect(run({ kind: "majority" }, { [A]: "agree", [B]: "agree", [C]: "agree" }).passed).toBe(true);
    expect(run({ kind: "majority" }, { [A]: "agree", [B]: "agree", [C]: "disagree" }).passed).toBe(false);
    expect(run({ kind: "supermajority", fraction: fraction(3, 4) }, { [A]: "agree", [B]: "agree", [C]: "agree", [D]: "disagree" }).passed).toBe(true);
    expect(run({ kind: "supermajority", fraction: fraction(3, 4) }, { [A]: "agree", [B]: "agree", [D]: "disagree" }).passed).toBe(false);
  });
  it("double majority: bodies, and people of the bodies that ratified or rejected", () => {
    const rule: RatificationRule = { kind: "double-majority", bodies: fraction(1, 2), people: fraction(1, 2) };
    // Bodies 2 of 4; people 50 of 210 deciding (B 40 + C 10 ratify; A 100 + D 60 reject).
    const t1 = run(rule, { [A]: "disagree", [B]: "agree", [C]: "agree", [D]: "disagree" });
    expect(t1.passed).toBe(false);
    expect(t1.people).toEqual({ ratify: 50, reject: 160, abstain: 0 });
    // A (100) ratifies, D (60) rejects, B and C silent: 1 of 4 bodies is not half.
    expect(run(rule, { [A]: "agree", [D]: "disagree" }).passed).toBe(false);
    // A and C ratify (110), D rejects (60), B silent: 2 of 4 bodies, 110 of 170 people.
    expect(run(rule, { [A]: "agree", [C]: "agree", [D]: "disagree" }).passed).toBe(true);
  });
  it("weighted by members", () => {
    const rule: RatificationRule = { kind: "weighted", fraction: fraction(1, 2) };
    expect(run(rule, { [A]: "agree", [C]: "agree" }).passed).toBe(true); // 110 of 210
    expect(run(rule, { [A]: "agree", [B]: "disagree", [C]: "disagree", [D]: "disagree" }).passed).toBe(false); // 100 of 210
  });
  it("nothing passes without a ratifying body; verdicts of other referrals are ignored", () => {
    const none = tallyVerdicts({ kind: "weighted", fraction: fraction(0, 1) } as never, referral, []);
    expect(none.passed).toBe(false);
    const other = tallyVerdicts({ kind: "majority" }, referral, [verdict(A, "agree", "q2")]);
    expect(other.ignored.otherReferral).toBe(1);
    expect(other.counts.abstain).toBe(4);
  });
});

describe("nested confederation: power stays at the base", () => {
  it("a member confederation refers the higher referral down and returns its members' tally as its verdict", () => {
    // Region: members Valley (a confederation of A, B, C: 150 people) and D.
    const region = confederation({ kind: "unanimity" }, [CONF, D], "by-decision", UP);
    region.run(
      referConfederal(
        region.body,
        {
          referral: "u1",
          actor: D,
          title: "Regional grid",
          text: "x",
          bodies: [
            { body: CONF, members: 150 },
            { body: D, members: 60 },
          ],
          deadline: t(20),
        },
        t(1),
      ),
    );

    const valley = confederation({ kind: "majority" });
    refused(referConfederal(valley.body, { referral: "v1", actor: CONF, title: "Regional grid", text: "x", bodies: list([A, B, C]), deadline: t(10) }, t(2)), "not-member");
    valley.run(
      referConfederal(
        valley.body,
        { referral: "v1", actor: CONF, title: "Regional grid", text: "x", bodies: list([A, B, C]), deadline: t(10), parent: { confederation: UP, referral: "u1" } },
        t(2),
      ),
    );
    expect(valley.body.referrals.get("v1")!.kind).toBe("ratification");
    valley.run(receiveVerdict(valley.body, verdict(A, "agree", "v1"), t(3)));
    valley.run(receiveVerdict(valley.body, verdict(B, "agree", "v1"), t(3)));
    valley.run(receiveVerdict(valley.body, verdict(C, "disagree", "v1"), t(3)));
    expect(confederationVerdict(valley.body, "v1")).toBeNull();
    valley.run(advanceReferrals(valley.body, t(11)));
    const up = confederationVerdict(valley.body, "v1")!;
    expect(up).toMatchObject({
      body: CONF,
      referral: "u1",
      verdict: "ratify",
      rule: { of: "verdicts", rule: { kind: "majority" } },
      tally: { counts: { ratify: 2, reject: 1, abstain: 0 }, people: { ratify: 140, reject: 10, abstain: 0 }, roll: 3, turnout: 3 },
      at: t(11),
      decidedBy: "v1",
    });

    region.run(receiveVerdict(region.body, up, t(12)));
    region.run(receiveVerdict(region.body, verdict(D, "agree", "u1"), t(12)));
    region.run(advanceReferrals(region.body, t(21)));
    expect(region.body.referrals.get("u1")!.tally).toMatchObject({ passed: true, ratifiedBy: [CONF, D], bound: [CONF, D] });
    // A lower confederation cannot claim its members ratified when they did not.
    refused(receiveVerdict(region.body, { ...up, verdict: "reject" }, t(22)), "deadline-passed");
    const fresh = confederation({ kind: "unanimity" }, [CONF, D], "by-decision", UP);
    fresh.run(
      referConfederal(
        fresh.body,
        {
          referral: "u1",
          actor: D,
          title: "x",
          text: "x",
          bodies: [
            { body: CONF, members: 150 },
            { body: D, members: 60 },
          ],
          deadline: t(20),
        },
        t(1),
      ),
    );
    refused(receiveVerdict(fresh.body, { ...up, tally: { ...(up.tally as VerdictsTally), counts: { ratify: 1, reject: 2, abstain: 0 }, turnout: 3 } }, t(12)), "tally-mismatch");
  });
});

describe("adopt and fork", () => {
  const members = people(3);
  it("a body adopts another's decision, recorded with where it came from", () => {
    const rec = new Ledger();
    rec.run(foundBody({ body: B, actor: members[0]!, kind: "assembly", name: "B", bylaws: testBylaws({ kind: "simple-majority" }), members }, t(0)));
    const source = { body: A, proposal: "https://a.example/p/boycott", title: "Boycott", text: "Buy local." };
    refused(
      draftProposal(rec.body, { proposal: "x", actor: members[0]!, kind: "adopt", title: "x", text: "x", payload: { source: { ...source, body: B } } }, t(1)),
      "invalid-payload",
    );
    refused(draftProposal(rec.body, { proposal: "x", actor: members[0]!, kind: "adopt", title: "x", text: "x", payload: { source: { body: A } } }, t(1)), "invalid-payload");
    rec.run(draftProposal(rec.body, { proposal: "ad", actor: members[0]!, kind: "adopt", title: "Adopt the boycott", text: "", payload: { source } }, t(1)));
    rec.run(tableProposal(rec.proposal("ad"), { actor: members[0]!, body: rec.body }, t(1)));
    rec.run(openVoting(rec.proposal("ad"), { actor: members[0]!, body: rec.body }, t(2)));
    rec.run(castVote(rec.proposal("ad"), { actor: members[0]!, choice: "agree" }, t(2, 1)));
    rec.advance(t(3, 1), "ad");
    expect(rec.proposal("ad").effect).toEqual({ type: "decision-adopted", body: B, proposal: "ad", source });
  });
  it("a fork founds a new body from a copy of the origin's bylaws, linked to it", () => {
    const origin = confederation({ kind: "weighted", fraction: fraction(2, 3) });
    const events = ok(forkBody({ body: D, actor: A, name: "Valley (fork)", origin: origin.body, members: [A, B] }, t(5)));
    expect(events[0]).toMatchObject({ type: "body-forked", origin: CONF, originBylawsVersion: 1, kind: "confederation" });
    const fork = bodyState(events)!;
    expect(fork.origin).toBe(CONF);
    expect(fork.bylaws).toEqual(origin.body.bylaws);
    expect([...fork.members]).toEqual([A, B]);
    expect(fork.referrals.size).toBe(0);
    refused(forkBody({ body: CONF, actor: A, name: "x", origin: origin.body }, t(5)), "invalid-input");
    expect(bodyState([...events, ...events])!.ignored.map((i) => i.code)).toEqual(["duplicate-id"]);
    expect(defaultBylaws("confederation").ratification).toEqual({ kind: "majority" });
  });
});

describe("a confederation decides its own proposals by referring them to its members", () => {
  it("a join ratified by the member bodies takes effect at the close; not ratified, nothing happens", () => {
    const rec = confederation({ kind: "majority" });
    refer(rec, "j1", A, { decides: { kind: "join", payload: { confederation: UP } } });
    rec.run(receiveVerdict(rec.body, verdict(A, "agree", "j1"), t(2)));
    rec.run(receiveVerdict(rec.body, verdict(B, "agree", "j1"), t(3)));
    const closed = rec.run(advanceReferrals(rec.body, t(11)));
    expect(closed.map((e) => e.type)).toEqual(["referral-closed"]);
    expect(rec.body.confederations.has(UP)).toBe(true);
    expect(rec.body.effects.map((e) => e.effect.type)).toContain("confederation-join");

    const no = confederation({ kind: "majority" });
    refer(no, "j1", A, { decides: { kind: "join", payload: { confederation: UP } } });
    no.run(receiveVerdict(no.body, verdict(A, "agree", "j1"), t(2)));
    no.run(advanceReferrals(no.body, t(11)));
    expect(no.body.confederations.has(UP)).toBe(false);
  });

  it("refuses kinds a confederation cannot decide this way, and bad payloads", () => {
    const rec = confederation();
    const bodies = list([...rec.body.members]);
    refused(
      referConfederal(rec.body, { referral: "x", actor: A, title: "t", text: "", bodies, deadline: t(10), decides: { kind: "membership", payload: {} } }, t(1)),
      "invalid-input",
    );
    refused(referConfederal(rec.body, { referral: "x", actor: A, title: "t", text: "", bodies, deadline: t(10), decides: { kind: "join", payload: {} } }, t(1)), "invalid-payload");
  });
});

describe("a body tables a confederal proposal by its own decision", () => {
  it("only in a confederation it decided to join; carried, the adapter sends the Offer", async () => {
    const { kindDefinition } = await import("../../src/governance/index.ts");
    const def = kindDefinition("confederal");
    const rec = new Ledger();
    const members = people(2);
    rec.run(foundBody({ body: A, actor: members[0]!, kind: "assembly", name: "A", bylaws: testBylaws({ kind: "simple-majority" }), members }, t(0)));
    expect(def.validatePayload({ confederation: CONF, title: "Buses" }, rec.body)?.code).toBe("invalid-payload");
    expect(def.validatePayload({ confederation: CONF }, undefined)?.code).toBe("invalid-payload");
    expect(def.validatePayload({ confederation: CONF, title: "Buses", topic: "transport" }, undefined)).toBeNull();
    expect(def.effect({ body: A, proposal: "p", text: "", payload: { confederation: CONF, title: "Buses", text: "At night" }, amendments: [] })).toEqual({
      type: "confederal-tabled",
      body: A,
      proposal: "p",
      confederation: CONF,
      title: "Buses",
      text: "At night",
    });
  });
});

describe("admission by the member bodies' decision", () => {
  it("a body asking to join is admitted only once its admission referral is ratified", () => {
    const rec = confederation({ kind: "majority" }, [A, B, C], "by-decision");
    refused(admitMemberBody(rec.body, { body: D }, t(1)), "admission-by-decision");
    refer(rec, "adm", CONF, { admit: D });
    refused(admitMemberBody(rec.body, { body: D, referral: "adm" }, t(2)), "not-ratified");
    rec.run(receiveVerdict(rec.body, verdict(A, "agree", "adm"), t(2)));
    rec.run(receiveVerdict(rec.body, verdict(B, "agree", "adm"), t(3)));
    rec.run(advanceReferrals(rec.body, t(11)));
    refused(admitMemberBody(rec.body, { body: UP, referral: "adm" }, t(12)), "unknown-referral");
    rec.run(admitMemberBody(rec.body, { body: D, referral: "adm" }, t(12)));
    expect(rec.body.members.has(D)).toBe(true);
  });

  it("refuses an admission referral opened by anyone but the confederation, or for a member", () => {
    const rec = confederation({ kind: "majority" }, [A, B, C], "by-decision");
    const bodies = list([...rec.body.members]);
    refused(referConfederal(rec.body, { referral: "x", actor: A, title: "t", text: "", bodies, deadline: t(10), admit: D }, t(1)), "invalid-input");
    refused(referConfederal(rec.body, { referral: "x", actor: CONF, title: "t", text: "", bodies, deadline: t(10), admit: B }, t(1)), "already-member");
  });
});

describe("replaying a record from a state already known", () => {
  it("gives the same body as replaying the whole record, from every point, and leaves the known state untouched", () => {
    const rec = confederation({ kind: "majority" }, [A, B, C], "open");
    rec.run(admitMemberBody(rec.body, { body: D }, t(0, 1)));
    refer(rec, "j1", A, { decides: { kind: "join", payload: { confederation: UP } } });
    refer(rec, "q2", B);
    rec.run(receiveVerdict(rec.body, verdict(A, "agree", "j1"), t(2)));
    rec.run(receiveVerdict(rec.body, verdict(B, "disagree", "q2"), t(3)));
    rec.run(memberBodyLeaves(rec.body, { body: C }, t(4)));
    rec.run(receiveVerdict(rec.body, verdict(D, "agree", "j1"), t(5)));
    rec.run(advanceReferrals(rec.body, t(11)));
    const events = rec.events;
    const whole = bodyState(events);
    for (let k = 0; k <= events.length; k++) {
      const known = bodyState(events.slice(0, k));
      const snapshot = structuredClone(known);
      expect(bodyStateAfter(known, events.slice(k))).toEqual(whole);
      expect(known).toEqual(snapshot);
    }
  });
});
