import { describe, expect, it } from "vitest";
import { fraction, tally, type DecisionRule, type VoteChoice, type VoteRecord } from "../../src/governance/index.ts";
import { people, t } from "./helpers.ts";

const roll = people(10);
const ballots = (...choices: VoteChoice[]): VoteRecord[] => choices.map((choice, i) => ({ voter: roll[i]!, choice }));
const consensus: DecisionRule = { kind: "consensus" };
const majority: DecisionRule = { kind: "simple-majority" };
const twoThirds: DecisionRule = { kind: "supermajority", fraction: fraction(2, 3) };

describe("tally: consensus", () => {
  it("passes with unanimous agreement", () => {
    const r = tally(consensus, roll, ballots("agree", "agree", "agree"), 1);
    expect(r.outcome).toBe("passed");
    expect(r.counts).toEqual({ agree: 3, disagree: 0, abstain: 0, block: 0 });
  });
  it("allows standing aside", () => {
    expect(tally(consensus, roll, ballots("agree", "abstain", "abstain"), 1).passed).toBe(true);
  });
  it("is stopped by a single block", () => {
    const r = tally(consensus, roll, ballots("agree", "agree", "agree", "block"), 1);
    expect(r.outcome).toBe("failed");
    expect(r.reason).toContain("blocked by 1");
  });
  it("is stopped by a plain disagree (not unanimous), distinguished from a block", () => {
    const r = tally(consensus, roll, ballots("agree", "disagree"), 1);
    expect(r.passed).toBe(false);
    expect(r.reason).toContain("not unanimous");
  });
  it("needs at least one agree", () => {
    expect(tally(consensus, roll, ballots("abstain", "abstain"), 1).passed).toBe(false);
  });
  it("counts blocks and stand-asides toward quorum", () => {
    const r = tally(consensus, roll, ballots("agree", "abstain", "block"), 3);
    expect(r.quorum).toEqual({ required: 3, met: true });
  });
});

describe("tally: simple majority", () => {
  it("passes when more agree than disagree", () => {
    expect(tally(majority, roll, ballots("agree", "agree", "disagree"), 1).passed).toBe(true);
  });
  it("fails on a tie", () => {
    expect(tally(majority, roll, ballots("agree", "disagree"), 1).outcome).toBe("failed");
  });
  it("does not count abstentions", () => {
    const r = tally(majority, roll, ballots("agree", "abstain", "abstain", "abstain"), 1);
    expect(r.passed).toBe(true);
    expect(r.turnout).toBe(4);
  });
  it("refuses block as an option", () => {
    const r = tally(majority, roll, ballots("agree", "block", "block"), 1);
    expect(r.counts.block).toBe(0);
    expect(r.ignored.invalidChoice).toBe(2);
    expect(r.passed).toBe(true);
  });
  it("fails when everyone abstains", () => {
    expect(tally(majority, roll, ballots("abstain", "abstain"), 1).passed).toBe(false);
  });
});

describe("tally: supermajority", () => {
  it("passes exactly at the fraction", () => {
    expect(tally(twoThirds, roll, ballots("agree", "agree", "disagree"), 1).passed).toBe(true);
  });
  it("fails just below it", () => {
    expect(tally(twoThirds, roll, ballots("agree", "agree", "agree", "disagree", "disagree"), 1).passed).toBe(false);
  });
  it("does not count abstentions", () => {
    expect(tally(twoThirds, roll, ballots("agree", "agree", "disagree", "abstain", "abstain", "abstain"), 1).passed).toBe(true);
  });
  it("never passes with abstentions only", () => {
    expect(tally(twoThirds, roll, ballots("abstain"), 1).passed).toBe(false);
  });
  it("handles 3/4 and 1/1 exactly", () => {
    const threeQuarters: DecisionRule = { kind: "supermajority", fraction: fraction(3, 4) };
    expect(tally(threeQuarters, roll, ballots("agree", "agree", "agree", "disagree"), 1).passed).toBe(true);
    expect(tally(threeQuarters, roll, ballots("agree", "agree", "disagree"), 1).passed).toBe(false);
    const all: DecisionRule = { kind: "supermajority", fraction: fraction(1, 1) };
    expect(tally(all, roll, ballots("agree", "abstain"), 1).passed).toBe(true);
    expect(tally(all, roll, ballots("agree", "disagree"), 1).passed).toBe(false);
  });
  it("describes its threshold", () => {
    const r = tally(twoThirds, roll, ballots("agree"), 1);
    expect(r.threshold.fraction).toEqual(fraction(2, 3));
    expect(r.threshold.description).toContain("2/3");
  });
});

describe("tally: graduated consensus counts as its temperature check", () => {
  it("passes at 90 %", () => {
    const nine = ballots("agree", "agree", "agree", "agree", "agree", "agree", "agree", "agree", "agree", "disagree");
    expect(tally({ kind: "graduated-consensus" }, roll, nine, 1).passed).toBe(true);
  });
  it("does not pass at 89 %", () => {
    const r = tally({ kind: "graduated-consensus" }, roll, ballots("agree", "agree", "agree", "agree", "agree", "agree", "agree", "agree", "disagree"), 1);
    expect(r.passed).toBe(false);
  });
});

describe("tally: quorum, roll, deadlines", () => {
  it("reports no-quorum before the threshold", () => {
    const r = tally(majority, roll, ballots("agree", "agree"), 3);
    expect(r.outcome).toBe("no-quorum");
    expect(r.passed).toBe(false);
    expect(r.reason).toMatch(/^No quorum/);
  });
  it("computes a share quorum against the roll, rounding up", () => {
    const r = tally(majority, roll, ballots("agree", "agree", "agree"), { kind: "share", share: fraction(1, 3) });
    expect(r.quorum.required).toBe(4);
    expect(r.outcome).toBe("no-quorum");
  });
  it("accepts a count quorum object", () => {
    expect(tally(majority, roll, ballots("agree"), { kind: "count", count: 1 }).passed).toBe(true);
  });
  it("ignores voters not on the roll", () => {
    const r = tally(majority, roll, [...ballots("disagree"), { voter: "stranger", choice: "agree" }, { voter: "other", choice: "agree" }], 1);
    expect(r.ignored.notOnRoll).toBe(2);
    expect(r.passed).toBe(false);
  });
  it("counts each voter's last ballot only", () => {
    const r = tally(
      majority,
      roll,
      [
        { voter: roll[0]!, choice: "agree" },
        { voter: roll[0]!, choice: "disagree" },
        { voter: roll[1]!, choice: "disagree" },
        { voter: roll[1]!, choice: "agree" },
      ],
      1,
    );
    expect(r.counts).toEqual({ agree: 1, disagree: 1, abstain: 0, block: 0 });
    expect(r.turnout).toBe(2);
    expect(r.ignored.superseded).toBe(2);
  });
  it("ignores ballots after the deadline, keeping the voter's earlier one", () => {
    const r = tally(
      majority,
      roll,
      [
        { voter: roll[0]!, choice: "agree", at: t(0, 1) },
        { voter: roll[0]!, choice: "disagree", at: t(2) },
        { voter: roll[1]!, choice: "disagree", at: t(1, 0, 1) },
        { voter: roll[2]!, choice: "abstain", at: t(1) },
      ],
      1,
      { deadline: t(1) },
    );
    expect(r.counts).toEqual({ agree: 1, disagree: 0, abstain: 1, block: 0 });
    expect(r.ignored.late).toBe(2);
  });
  it("compares instants, not strings, across offsets", () => {
    const r = tally(majority, roll, [{ voter: roll[0]!, choice: "agree", at: "2026-03-02T00:30:00+01:00" }], 1, {
      deadline: "2026-03-01T23:59:00Z",
    });
    expect(r.turnout).toBe(1);
  });
  it("rejects a malformed deadline as a bug", () => {
    expect(() => tally(majority, roll, [], 1, { deadline: "tomorrow" })).toThrow(RangeError);
  });
  it("handles an empty roll and no votes", () => {
    const r = tally(majority, [], [], 1);
    expect(r.outcome).toBe("no-quorum");
    expect(r.rollSize).toBe(0);
  });
});

describe("tally: scale", () => {
  // Generous bounds: the machine is shared; they catch quadratic behaviour, not microseconds.
  it("counts 10,000 ballots quickly", () => {
    const big = people(10_000);
    const votes: VoteRecord[] = big.map((voter, i) => ({ voter, choice: i % 3 === 0 ? "disagree" : "agree", at: t(0, 1) }));
    const rollSet = new Set(big);
    tally(twoThirds, rollSet, votes, 1, { deadline: t(1) });
    const start = performance.now();
    const r = tally(twoThirds, rollSet, votes, { kind: "share", share: fraction(1, 2) }, { deadline: t(1) });
    const elapsed = performance.now() - start;
    expect(r.turnout).toBe(10_000);
    expect(r.counts.disagree).toBe(3334);
    expect(r.passed).toBe(false);
    expect(elapsed).toBeLessThan(250);
  });
  it("treats non-canonical instants like canonical ones", () => {
    const votes: VoteRecord[] = [
      { voter: roll[0]!, choice: "agree", at: "2026-03-02T00:59:59+01:00" },
      { voter: roll[1]!, choice: "agree", at: "2026-03-02T00:00:00.000Z" },
      { voter: roll[2]!, choice: "agree", at: "2026-03-02T00:00:00.001Z" },
      { voter: roll[3]!, choice: "agree", at: "garbage" },
    ];
    const r = tally(majority, roll, votes, 1, { deadline: "2026-03-02T01:00:00+01:00" });
    expect(r.turnout).toBe(2);
    expect(r.ignored.late).toBe(2);
  });
});
