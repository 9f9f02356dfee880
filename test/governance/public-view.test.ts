import { describe, expect, it } from "vitest";
import { castVote, object, proposeAmendment, publicView, recordGrievanceAgreement } from "../../src/governance/index.ts";
import { people, setup, t } from "./helpers.ts";

const m = people(4);
const [a, b] = m as [string, string];

describe("publicView", () => {
  it("shows named ballots with reasons", () => {
    const rec = setup({ members: m });
    rec.run(castVote(rec.proposal(), { actor: b, choice: "disagree", reason: "cost" }, t(1, 1)));
    const view = publicView(rec.proposal());
    expect(view.ballot).toBe("named");
    expect(view.rounds[0]?.ballots).toEqual([{ voter: b, choice: "disagree", reason: "cost", at: t(1, 1) }]);
    expect(view.roll).toEqual([...m].sort());
  });

  it("under a secret ballot shows who voted, never how", () => {
    const rec = setup({ members: m, bylaws: { ballot: "secret" } });
    rec.run(castVote(rec.proposal(), { actor: b, choice: "disagree", reason: "cost" }, t(1, 1)));
    rec.run(castVote(rec.proposal(), { actor: a, choice: "agree" }, t(1, 1)));
    const open = publicView(rec.proposal());
    expect(open.ballot).toBe("secret");
    expect(open.rounds[0]?.voters).toEqual([a, b].sort());
    expect(open.rounds[0]?.ballots).toBeNull();
    expect(open.rounds[0]?.result).toBeNull();
    const json = JSON.stringify(open);
    expect(json).not.toContain("disagree");
    expect(json).not.toContain("cost");

    rec.advance(t(2, 1));
    const closed = publicView(rec.proposal());
    expect(closed.rounds[0]?.result?.counts).toEqual({ agree: 1, disagree: 1, abstain: 0, block: 0 });
    expect(closed.rounds[0]?.ballots).toBeNull();
  });

  it("under a secret ballot hides objectors, who shares a grievance and who amends", () => {
    const rec = setup({ members: people(10), rule: { kind: "graduated-consensus" }, bylaws: { ballot: "secret" } });
    const x = people(10);
    for (const [i, voter] of x.entries()) {
      rec.run(castVote(rec.proposal(), { actor: voter, choice: i < 7 ? "agree" : "disagree" }, t(1, 1)));
    }
    rec.advance(t(2, 1));
    rec.run(object(rec.proposal(), { actor: x[8]!, dealBreaker: false, category: "Noise", text: "too loud" }, t(2, 2)));
    rec.advance(t(3, 2));
    rec.run(recordGrievanceAgreement(rec.proposal(), { actor: x[0]!, category: "noise", shares: true }, t(3, 3)));
    rec.run(proposeAmendment(rec.proposal(), { actor: x[8]!, amendment: "a1", text: "Quiet hours." }, t(3, 3)));
    const view = publicView(rec.proposal());
    expect(view.graduated?.categories).toEqual([{ tier: "minor", category: "noise", label: "Noise", objections: 1, objectors: null, advocates: [], sharedBy: 1, notSharedBy: 0 }]);
    expect(view.graduated?.objections).toEqual([{ member: null, dealBreaker: false, category: "noise", text: "too loud" }]);
    expect(view.graduated?.amendments[0]?.author).toBeNull();
    const named = setup({ members: m, rule: { kind: "graduated-consensus" } });
    expect(publicView(named.proposal()).graduated?.categories).toEqual([]);
  });

  it("is plain JSON", () => {
    const rec = setup({ members: m });
    rec.run(castVote(rec.proposal(), { actor: a, choice: "agree" }, t(1, 1)));
    rec.advance(t(2, 1));
    const view = publicView(rec.proposal());
    expect(JSON.parse(JSON.stringify(view))).toEqual(view);
  });
});
