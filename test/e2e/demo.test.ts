import { describe, expect, it } from "vitest";
import { runStory, type StoryResult } from "../../src/demo/story/index.ts";

// The demonstration (`npm run demo`) as a test: six instances in this process (three
// communes, two municipal councils, a regional council), the whole story in real time.
// The story bounds each of its own waits (60 s); the test bounds the whole.

describe("the demonstration: communes, municipal councils and a regional council", () => {
  it("runs the whole story, and every checkpoint holds", async () => {
    const lines: string[] = [];
    const r: StoryResult = await runStory({ log: (line) => lines.push(line) });
    // On failure, the account says where it stopped.
    expect(r.failures, lines.join("\n")).toEqual([]);
    expect(r.ok).toBe(true);

    // Assemblies joined by their own decision; the councils admitted them.
    for (const a of ["riverside", "hillside", "millbrook", "oakfield", "fernwood"]) expect(r.joins[a]?.outcome).toBe("passed");
    expect(new Set(r.admitted.north)).toEqual(new Set(["riverside", "hillside", "millbrook"]));
    expect(new Set(r.admitted.south)).toEqual(new Set(["oakfield", "fernwood"]));

    // The municipal councils joined the region by referring the question to their members.
    expect(r.councilJoins.north?.outcome).toBe("ratified");
    expect(r.councilJoins.south?.outcome).toBe("ratified");
    expect(new Set(r.regionMembers.map((m) => m.body))).toEqual(new Set(["north", "south"]));

    // The municipal referral, decided by three different rules.
    expect(r.municipal.ratifications.riverside).toMatchObject({ outcome: "passed", counts: "2–1" });
    expect(r.municipal.ratifications.hillside).toMatchObject({ outcome: "rejected", counts: "1–1" });
    expect(r.municipal.ratifications.millbrook).toMatchObject({ outcome: "passed", counts: "2–1" });
    expect(r.municipal.tally).toMatchObject({ outcome: "ratified", counts: { ratify: 2, reject: 1, abstain: 0 }, rejectedBy: ["hillside"] });
    expect(new Set(r.municipal.tally!.bound)).toEqual(new Set(["riverside", "millbrook"]));

    // The recall mid-vote: received while the referral was open; the next act is refused.
    expect(r.recall.outcome).toBe("passed");
    expect(r.recall.revocationReceived).toBe(true);
    expect(r.recall.referralOpenWhenReceived).toBe(true);
    expect(r.recall.refusedLocally).toMatch(/revoked/);
    expect(r.recall.refusedByCouncil).toMatch(/revoked/);
    expect(r.recall.noNewReferral).toBe(true);

    // North decided by its assemblies' ratification to table the seed bank at the region,
    // and tabled it itself.
    expect(r.tabling.ratifications).toMatchObject({ riverside: { outcome: "passed" }, hillside: { outcome: "passed" }, millbrook: { outcome: "passed" } });
    expect(r.tabling.tally).toMatchObject({ outcome: "ratified", counts: { ratify: 3, reject: 0, abstain: 0 } });
    expect(r.tabling.offerSent).toBe(true);

    // The cascade: a verdict at every level.
    expect(r.cascade.base).toMatchObject({
      riverside: { verdict: "ratify" },
      hillside: { verdict: "ratify" },
      millbrook: { verdict: "reject" },
      oakfield: { verdict: "ratify" },
      fernwood: { verdict: "reject" },
    });
    expect(r.cascade.nested.north).toMatchObject({ counts: { ratify: 2, reject: 1, abstain: 0 }, outcome: "ratified", verdictUp: "ratify" });
    expect(r.cascade.nested.south).toMatchObject({ counts: { ratify: 1, reject: 1, abstain: 0 }, outcome: "not-ratified", verdictUp: "reject" });
    expect(r.cascade.verdictsAtRegion).toEqual({ north: "ratify", south: "reject" });
    expect(r.cascade.region).toMatchObject({ outcome: "ratified", ratifiedBy: ["north"], rejectedBy: ["south"], bound: ["north"] });

    // Hillside left North.
    expect(r.leave.effective).toBe(true);
    expect(new Set(r.leave.members)).toEqual(new Set(["riverside", "millbrook"]));

    // Anyone's check of the final records passes, two levels down.
    expect(r.verify).toHaveLength(2);
    for (const v of r.verify) {
      expect(
        v.ok,
        v.checks
          .filter((c) => !c.ok)
          .map((c) => `${c.name}: ${c.detail}`)
          .join("\n"),
      ).toBe(true);
      expect(v.checks.length).toBeGreaterThan(0);
    }
    // The account has one line per step, with the tallies in it.
    expect(lines.some((l) => l.includes("tally of “A shared tool library”"))).toBe(true);
    expect(lines.some((l) => l.includes("tally of “A regional seed bank”"))).toBe(true);
  }, 600_000);
});
