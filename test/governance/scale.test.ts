import { describe, expect, it } from "vitest";
import { bodyState, castVote, type GovernanceEvent } from "../../src/governance/index.ts";
import { BODY, people, setup, t } from "./helpers.ts";

describe("scale", () => {
  // A generous bound on a shared machine: it catches quadratic replay, not microseconds.
  it("replays a body with 10,000 members and votes in linear time", () => {
    const members = people(10_000);
    const rec = setup({ members, bylaws: { ballot: "secret" } });
    const votes: GovernanceEvent[] = members.map((actor, i) => ({
      type: "vote-cast",
      at: t(1, 1, Math.floor(i / 100)),
      body: BODY,
      proposal: "p1",
      actor,
      round: "main",
      choice: i % 4 === 0 ? "disagree" : "agree",
    }));
    rec.events.push(...votes);
    const before = rec.proposal();
    expect(castVote(before, { actor: members[0]!, choice: "agree" }, t(1, 23)).ok).toBe(true);
    const start = performance.now();
    const body = bodyState([...rec.events, { type: "stage-ended", at: t(2, 1), body: BODY, proposal: "p1", stage: "voting" }]);
    const elapsed = performance.now() - start;
    const p = body!.proposals.get("p1")!;
    expect(p.rounds.get("main")?.result?.counts).toEqual({ agree: 7500, disagree: 2500, abstain: 0, block: 0 });
    expect(p.status).toBe("implementing");
    expect(elapsed).toBeLessThan(2000);
  });
});
