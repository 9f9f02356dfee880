import { describe, expect, it } from "vitest";
import {
  addDuration,
  compareRules,
  contentionHolds,
  describeRule,
  durationMs,
  EVENT_TYPES,
  FIXED_RULE_KINDS,
  fraction,
  instantMs,
  isAtLeastAsStrong,
  isDecisionRule,
  kindDefinition,
  KINDS,
  PROPOSAL_KINDS,
  requiredTurnout,
  type DecisionRule,
} from "../../src/governance/index.ts";
import { afterAmendments, afterGrievances, afterObjections, afterVote, amendmentOutcome } from "../../src/governance/rules/graduated-consensus.ts";

const simple: DecisionRule = { kind: "simple-majority" };
const sup = (num: number, den: number): DecisionRule => ({ kind: "supermajority", fraction: fraction(num, den) });
const graduated: DecisionRule = { kind: "graduated-consensus" };
const consensus: DecisionRule = { kind: "consensus" };

describe("strength order", () => {
  const ascending = [simple, sup(3, 5), sup(2, 3), graduated, sup(3, 4), sup(9, 10), sup(1, 1), consensus];
  it("orders the rules from weakest to strongest", () => {
    for (let i = 0; i < ascending.length; i++) {
      for (let j = 0; j < ascending.length; j++) {
        expect(Math.sign(compareRules(ascending[i]!, ascending[j]!))).toBe(Math.sign(i - j));
      }
    }
  });
  it("treats equal fractions as equal strength", () => {
    expect(compareRules(sup(2, 3), sup(4, 6))).toBe(0);
    expect(isAtLeastAsStrong(sup(4, 6), sup(2, 3))).toBe(true);
  });
  it("validates rules", () => {
    expect(isDecisionRule(sup(1, 2))).toBe(false);
    expect(isDecisionRule(sup(4, 3))).toBe(false);
    expect(isDecisionRule({ kind: "supermajority", fraction: { num: 0.5, den: 1 } })).toBe(false);
    expect(isDecisionRule({ kind: "sortition" })).toBe(false);
    expect(isDecisionRule(null)).toBe(false);
    expect(isDecisionRule(sup(2, 3))).toBe(true);
  });
  it("names rules", () => {
    expect(describeRule(sup(2, 3))).toBe("supermajority (2/3)");
    expect(describeRule(graduated)).toBe("graduated consensus");
  });
});

describe("graduated-consensus steps", () => {
  const none = { minor: false, dealBreaker: false };
  const both = { minor: true, dealBreaker: true };
  it("after votes", () => {
    expect(afterVote("temperature-1", false, false, both)).toEqual({ to: "rejected", reason: "no-quorum" });
    expect(afterVote("temperature-1", true, true, both)).toEqual({ to: "passed" });
    expect(afterVote("temperature-1", true, false, none)).toEqual({ to: "objections" });
    expect(afterVote("temperature-2", true, false, both)).toEqual({ to: "grievances", tier: "deal-breaker" });
    expect(afterVote("temperature-2", true, false, { minor: true, dealBreaker: false })).toEqual({ to: "final" });
    expect(afterVote("final", true, false, both)).toEqual({ to: "rejected", reason: "below-threshold" });
    expect(afterVote("final", true, true, both)).toEqual({ to: "passed" });
  });
  it("after objections, grievances and amendments", () => {
    expect(afterObjections(both)).toEqual({ to: "grievances", tier: "minor" });
    expect(afterObjections({ minor: false, dealBreaker: true })).toEqual({ to: "grievances", tier: "deal-breaker" });
    expect(afterObjections(none)).toEqual({ to: "final" });
    expect(afterGrievances("minor", 0)).toEqual({ to: "temperature-2" });
    expect(afterGrievances("deal-breaker", 0)).toEqual({ to: "final" });
    expect(afterGrievances("minor", 2)).toEqual({ to: "amendment-voting", tier: "minor" });
    expect(afterAmendments("minor")).toEqual({ to: "temperature-2" });
    expect(afterAmendments("deal-breaker")).toEqual({ to: "final" });
  });
  it("amendment outcomes and the contention floor", () => {
    expect(amendmentOutcome(true, true)).toBe("accepted");
    expect(amendmentOutcome(true, false)).toBe("turned-down");
    expect(amendmentOutcome(false, true)).toBe("sustained");
    expect(contentionHolds({ agree: 5, disagree: 5, abstain: 0, block: 0 })).toBe(true);
    expect(contentionHolds({ agree: 4, disagree: 5, abstain: 9, block: 0 })).toBe(false);
    expect(contentionHolds({ agree: 0, disagree: 0, abstain: 3, block: 0 })).toBe(false);
  });
});

describe("time and quorum", () => {
  it("parses durations without months or years", () => {
    expect(durationMs("P7D")).toBe(7 * 86_400_000);
    expect(durationMs("P1W")).toBe(7 * 86_400_000);
    expect(durationMs("PT36H")).toBe(36 * 3_600_000);
    expect(durationMs("P1DT12H30M")).toBe(86_400_000 + 12.5 * 3_600_000);
    expect(durationMs("PT0.5S")).toBe(500);
    for (const bad of ["P1M", "P1Y", "P", "PT", "P0D", "7 days", 7, null]) expect(durationMs(bad)).toBeNull();
  });
  it("needs instants with an offset", () => {
    expect(instantMs("2026-03-01T00:00:00Z")).toBe(Date.UTC(2026, 2, 1));
    expect(instantMs("2026-03-01T01:00:00+01:00")).toBe(Date.UTC(2026, 2, 1));
    expect(instantMs("2026-03-01T00:00:00")).toBeNull();
    expect(instantMs("2026-03-01")).toBeNull();
    expect(addDuration("2026-03-01T00:00:00Z", "P1D")).toBe("2026-03-02T00:00:00.000Z");
  });
  it("rounds a share quorum up", () => {
    expect(requiredTurnout({ kind: "share", share: fraction(1, 3) }, 10)).toBe(4);
    expect(requiredTurnout({ kind: "share", share: fraction(1, 2) }, 10)).toBe(5);
    expect(requiredTurnout({ kind: "count", count: 7 }, 3)).toBe(7);
    expect(requiredTurnout(2, 100)).toBe(2);
  });
});

describe("registries", () => {
  it("defines every kind, and the fixed-rule list matches the definitions", () => {
    expect(Object.keys(KINDS).sort()).toEqual([...PROPOSAL_KINDS].sort());
    for (const kind of PROPOSAL_KINDS) {
      expect(kindDefinition(kind).kind).toBe(kind);
      expect(FIXED_RULE_KINDS.has(kind)).toBe(kindDefinition(kind).fixedRule !== undefined);
    }
  });
  it("lists each event type once", () => {
    expect(new Set(EVENT_TYPES).size).toBe(EVENT_TYPES.length);
    expect(EVENT_TYPES.length).toBe(24);
  });
});
