import { describe, expect, it } from "vitest";
import { fitPeriods, nestedDeadline } from "../../src/decisions/confederation/ratification.ts";
import { defaultBylaws, termsFor } from "../../src/governance/index.ts";

describe("a ratification's calendar fits its referral's deadline", () => {
  const now = "2026-11-22T10:00:00.000Z";
  it("keeps the bylaws' periods when they fit", () => {
    expect(fitPeriods("PT1H", "PT1H", "2026-11-23T10:00:00.000Z", now)).toEqual({});
  });
  it("shortens both in proportion, leaving a tenth of the time left as a margin", () => {
    // 7 days + 7 days against 10 days: 9 days available, 4.5 + 4.5.
    expect(fitPeriods("P7D", "P7D", "2026-12-02T10:00:00.000Z", now)).toEqual({ deliberationPeriod: "PT388800S", votingPeriod: "PT388800S" });
  });
  it("asks nothing when there is no time left to fit anything", () => {
    expect(fitPeriods("P7D", "P7D", "2026-11-22T10:00:01.000Z", now)).toEqual({});
  });
  it("the core lets a ratification be shorter than the bylaws, and nothing else", () => {
    const bylaws = defaultBylaws("assembly");
    expect(termsFor(bylaws, 1, { kind: "ratification", deliberationPeriod: "PT1M", votingPeriod: "PT1M" }).ok).toBe(true);
    expect(termsFor(bylaws, 1, { kind: "policy", deliberationPeriod: "PT1M" }).ok).toBe(false);
  });
  it("a nested referral closes at four fifths of the time left", () => {
    expect(nestedDeadline("2026-11-22T10:00:10.000Z", now)).toBe("2026-11-22T10:00:08.000Z");
  });
});
