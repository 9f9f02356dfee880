import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  advance,
  applyBodyEvent,
  bodyState,
  castVote,
  fraction,
  object,
  publicView,
  replayProposal,
  tally,
  withdraw,
  type BodyState,
  type DecisionRule,
  type GovernanceEvent,
  type Quorum,
  type VoteChoice,
  type VoteRecord,
} from "../../src/governance/index.ts";
import { BODY, people, setup, t } from "./helpers.ts";

// Bounded runs: the whole folder must stay well under a minute on a shared 2-core machine.
const RUNS = { numRuns: 150 };
const FEW = { numRuns: 60 };

const ROLL = people(12);
const OUTSIDERS = people(4, "https://elsewhere.example/u/");
const choice = fc.constantFrom<VoteChoice>("agree", "disagree", "abstain", "block");
const voter = fc.constantFrom(...ROLL);
const ballot = fc.record({ voter, choice });
const rule: fc.Arbitrary<DecisionRule> = fc.oneof(
  fc.constant<DecisionRule>({ kind: "consensus" }),
  fc.constant<DecisionRule>({ kind: "simple-majority" }),
  fc.constant<DecisionRule>({ kind: "graduated-consensus" }),
  fc
    .integer({ min: 2, max: 12 })
    .chain((den) => fc.integer({ min: Math.floor(den / 2) + 1, max: den }).map((num) => ({ num, den })))
    .map((f): DecisionRule => ({ kind: "supermajority", fraction: f })),
);
const quorum: fc.Arbitrary<Quorum> = fc.oneof(
  fc.integer({ min: 1, max: 13 }).map((count): Quorum => ({ kind: "count", count })),
  fc.integer({ min: 1, max: 10 }).map((num): Quorum => ({ kind: "share", share: fraction(num, 10) })),
);

/** Reorders ballots at random while keeping each voter's own ballots in order. */
function interleave<T extends { voter: string }>(ballots: readonly T[], keys: readonly number[]): T[] {
  const byVoter = new Map<string, number[]>();
  ballots.forEach((b, i) => {
    byVoter.set(b.voter, [...(byVoter.get(b.voter) ?? []), keys[i] ?? i]);
  });
  for (const list of byVoter.values()) list.sort((x, y) => x - y);
  const used = new Map<string, number>();
  const withKey = ballots.map((b, i) => {
    const n = used.get(b.voter) ?? 0;
    used.set(b.voter, n + 1);
    return { b, key: byVoter.get(b.voter)![n]!, i };
  });
  return withKey.sort((x, y) => x.key - y.key || x.i - y.i).map((x) => x.b);
}

/** An independent count: each voter's last ballot with an allowed choice. */
function lastBallots(ballots: readonly VoteRecord[], allowBlock: boolean): Map<string, VoteChoice> {
  const last = new Map<string, VoteChoice>();
  for (const b of ballots) if (ROLL.includes(b.voter) && (allowBlock || b.choice !== "block")) last.set(b.voter, b.choice);
  return last;
}

describe("properties of the tally", () => {
  it("ballot order within a round does not matter (each voter's own order kept)", () => {
    fc.assert(
      fc.property(rule, quorum, fc.array(ballot, { maxLength: 40 }), fc.array(fc.integer(), { minLength: 40, maxLength: 40 }), (r, q, ballots, keys) => {
        const shuffled = interleave(ballots, keys);
        const x = tally(r, ROLL, ballots, q);
        const y = tally(r, ROLL, shuffled, q);
        expect(y.counts).toEqual(x.counts);
        expect(y.outcome).toBe(x.outcome);
        expect(y.reason).toBe(x.reason);
      }),
      RUNS,
    );
  });

  it("a block always stops consensus", () => {
    fc.assert(
      fc.property(fc.array(ballot, { maxLength: 30 }), voter, quorum, (ballots, blocker, q) => {
        const r = tally({ kind: "consensus" }, ROLL, [...ballots, { voter: blocker, choice: "block" }], q);
        expect(r.passed).toBe(false);
        expect(r.outcome).not.toBe("passed");
      }),
      RUNS,
    );
  });

  it("nothing passes below its threshold or without quorum", () => {
    fc.assert(
      fc.property(rule, quorum, fc.array(fc.record({ voter: fc.constantFrom(...ROLL, ...OUTSIDERS), choice }), { maxLength: 40 }), (r, q, ballots) => {
        const result = tally(r, ROLL, ballots, q);
        if (!result.passed) return;
        const last = lastBallots(ballots, r.kind === "consensus");
        const count = (c: VoteChoice) => [...last.values()].filter((v) => v === c).length;
        const [agree, disagree, block] = [count("agree"), count("disagree"), count("block")];
        const required = q.kind === "count" ? q.count : Math.ceil((q.share.num * ROLL.length) / q.share.den);
        expect(last.size).toBeGreaterThanOrEqual(required);
        expect(agree).toBeGreaterThan(0);
        switch (r.kind) {
          case "consensus":
            expect(disagree + block).toBe(0);
            break;
          case "simple-majority":
            expect(agree).toBeGreaterThan(disagree);
            break;
          case "supermajority":
            expect(agree * r.fraction.den).toBeGreaterThanOrEqual(r.fraction.num * (agree + disagree));
            break;
          case "graduated-consensus":
            expect(agree * 10).toBeGreaterThanOrEqual(9 * (agree + disagree));
            break;
        }
      }),
      RUNS,
    );
  });

  it("a non-member's vote never counts", () => {
    fc.assert(
      fc.property(
        rule,
        quorum,
        fc.array(ballot, { maxLength: 30 }),
        fc.array(fc.record({ voter: fc.constantFrom(...OUTSIDERS), choice }), { maxLength: 20 }),
        fc.array(fc.integer(), { minLength: 50, maxLength: 50 }),
        (r, q, members, outsiders, keys) => {
          const mixed = interleave([...members, ...outsiders], keys);
          const x = tally(r, ROLL, members, q);
          const y = tally(r, ROLL, mixed, q);
          expect(y.counts).toEqual(x.counts);
          expect(y.outcome).toBe(x.outcome);
          expect(y.ignored.notOnRoll).toBe(outsiders.length);
        },
      ),
      RUNS,
    );
  });

  it("a late vote never counts", () => {
    fc.assert(
      fc.property(rule, quorum, fc.array(fc.record({ voter, choice, minute: fc.integer({ min: -120, max: 120 }) }), { maxLength: 30 }), (r, q, ballots) => {
        const timed = ballots.map((b) => ({ voter: b.voter, choice: b.choice, at: t(1, 0, b.minute) }));
        const onTime = timed.filter((_, i) => ballots[i]!.minute <= 0);
        const x = tally(r, ROLL, timed, q, { deadline: t(1) });
        const y = tally(r, ROLL, onTime, q);
        expect(x.counts).toEqual(y.counts);
        expect(x.outcome).toBe(y.outcome);
      }),
      RUNS,
    );
  });
});

/** A simple-majority (or consensus) proposal open for voting from t(1) to t(2) among ROLL. */
function openProposal(r: DecisionRule) {
  return setup({ rule: r, members: ROLL });
}

const timedVote = fc.record({
  voter: fc.constantFrom(...ROLL, ...OUTSIDERS),
  choice,
  minute: fc.integer({ min: 1, max: 2 * 24 * 60 }),
});

describe("properties of the record", () => {
  it("raw vote events: late, non-member and invalid ones never count; one ballot per member, the last", () => {
    fc.assert(
      fc.property(fc.constantFrom<DecisionRule>({ kind: "simple-majority" }, { kind: "consensus" }), fc.array(timedVote, { maxLength: 40 }), (r, raw) => {
        const rec = openProposal(r);
        // Written straight into the record, bypassing the commands, in time order.
        const sorted = [...raw].sort((x, y) => x.minute - y.minute);
        for (const v of sorted) {
          rec.events.push({ type: "vote-cast", at: t(1, 0, v.minute), body: BODY, proposal: "p1", actor: v.voter, round: "main", choice: v.choice });
        }
        rec.advance(t(3));
        const round = rec.proposal().rounds.get("main")!;
        const counted = sorted.filter((v) => v.minute <= 24 * 60 && ROLL.includes(v.voter) && (r.kind === "consensus" || v.choice !== "block"));
        const expected = new Map(counted.map((v) => [v.voter, v.choice]));
        expect(round.ballots.size).toBe(expected.size);
        for (const [who, c] of expected) expect(round.ballots.get(who)?.choice).toBe(c);
        const total = Object.values(round.result!.counts).reduce((x, y) => x + y, 0);
        expect(total).toBe(expected.size);
      }),
      FEW,
    );
  });

  it("commands: a vote after the deadline is refused, by a non-member too; changes keep one ballot each", () => {
    fc.assert(
      fc.property(fc.array(timedVote, { maxLength: 30 }), (raw) => {
        const rec = openProposal({ kind: "consensus" });
        for (const v of [...raw].sort((x, y) => x.minute - y.minute)) {
          const result = castVote(rec.proposal(), { actor: v.voter, choice: v.choice }, t(1, 0, v.minute));
          if (v.minute > 24 * 60) expect(result.ok ? "accepted" : result.reason.code).toBe("deadline-passed");
          else if (!ROLL.includes(v.voter)) expect(result.ok ? "accepted" : result.reason.code).toBe("not-on-roll");
          if (result.ok) rec.events.push(...result.events);
        }
        const round = rec.proposal().rounds.get("main")!;
        const voters = new Set(raw.filter((v) => v.minute <= 24 * 60 && ROLL.includes(v.voter)).map((v) => v.voter));
        expect(round.ballots.size).toBe(voters.size);
        expect(Object.values(round.counts).reduce((x, y) => x + y, 0)).toBe(voters.size);
      }),
      FEW,
    );
  });

  const action = fc.oneof(
    fc.record({ kind: fc.constant("vote" as const), v: timedVote }),
    fc.record({
      kind: fc.constant("object" as const),
      who: fc.constantFrom(...ROLL),
      dealBreaker: fc.boolean(),
      category: fc.constantFrom("cost", "Cost ", "safety"),
      minute: fc.integer({ min: 1, max: 6 * 24 * 60 }),
    }),
    fc.record({ kind: fc.constant("advance" as const), minute: fc.integer({ min: 1, max: 8 * 24 * 60 }) }),
    fc.record({ kind: fc.constant("withdraw" as const), who: fc.constantFrom(ROLL[0]!, ROLL[1]!), minute: fc.integer({ min: 1, max: 8 * 24 * 60 }) }),
  );
  const minuteOf = (a: { minute: number } | { v: { minute: number } }): number => ("v" in a ? a.v.minute : a.minute);

  it("replay is deterministic: same events, same state, however it is derived", () => {
    fc.assert(
      fc.property(rule, fc.array(action, { maxLength: 25 }), (r, actions) => {
        const rec = openProposal(r);
        for (const act of [...actions].sort((x, y) => minuteOf(x) - minuteOf(y))) {
          const p = rec.proposal();
          const now = t(1, 0, minuteOf(act));
          const result =
            act.kind === "vote"
              ? castVote(p, { actor: act.v.voter, choice: act.v.choice }, now)
              : act.kind === "object"
                ? object(p, { actor: act.who, dealBreaker: act.dealBreaker, category: act.category }, now)
                : act.kind === "withdraw"
                  ? withdraw(p, { actor: act.who }, now)
                  : advance(p, now, rec.body);
          if (result.ok) rec.events.push(...result.events);
        }
        const events: GovernanceEvent[] = structuredClone(rec.events);
        const first = bodyState(rec.events)!;
        const second = bodyState(events)!;
        expect(second).toEqual(first);
        let stepwise: BodyState | null = null;
        for (const e of events) stepwise = applyBodyEvent(stepwise, e);
        expect(stepwise).toEqual(first);
        const alone = replayProposal(events, { proposal: "p1" })!;
        const inBody = first.proposals.get("p1")!;
        expect(alone.status).toBe(inBody.status);
        expect(alone.decision).toEqual(inBody.decision);
        expect(JSON.stringify(publicView(alone))).toBe(JSON.stringify(publicView(inBody)));
      }),
      FEW,
    );
  });

  it("a block always stops a consensus proposal, on the record", () => {
    fc.assert(
      fc.property(fc.array(fc.record({ voter, choice }), { maxLength: 20 }), voter, (ballots, blocker) => {
        const rec = openProposal({ kind: "consensus" });
        for (const [i, b] of [...ballots, { voter: blocker, choice: "block" as const }].entries()) {
          const result = castVote(rec.proposal(), { actor: b.voter, choice: b.choice }, t(1, 0, i + 1));
          if (result.ok) rec.events.push(...result.events);
        }
        rec.advance(t(3));
        expect(rec.proposal().decision?.outcome).toBe("rejected");
        expect(rec.proposal().effect).toBeNull();
      }),
      FEW,
    );
  });
});

describe("robustness of replay", () => {
  const junk = fc.oneof(fc.constant(undefined), fc.constant(null), fc.integer(), fc.string({ maxLength: 5 }), fc.constant({}), fc.constant([]));
  const garbage = fc.record({
    type: fc.oneof(
      fc.constantFrom(
        ...([
          "vote-cast",
          "stage-ended",
          "voting-opened",
          "proposal-tabled",
          "objection-recorded",
          "advocate-vote-cast",
          "amendment-proposed",
          "proposal-withdrawn",
          "implementation-delegates-elected",
          "implementation-completed",
          "member-joined",
          "member-left",
          "proposal-drafted",
          "bogus",
        ] as const),
      ),
      junk,
    ),
    at: fc.oneof(
      fc.integer({ min: 0, max: 4 * 24 * 60 }).map((m) => t(1, 0, m)),
      junk,
    ),
    body: fc.oneof(fc.constant(BODY), junk),
    proposal: fc.oneof(fc.constant("p1"), junk),
    actor: fc.oneof(fc.constantFrom(...ROLL), junk),
    round: fc.oneof(fc.constantFrom("main", "contention"), junk),
    choice: fc.oneof(choice, junk),
    stage: fc.oneof(fc.constant("voting"), junk),
    roll: fc.oneof(fc.constant(ROLL), junk),
    terms: junk,
    reason: junk,
    category: junk,
    dealBreaker: junk,
    delegates: junk,
  });

  it("never throws on malformed events, and ignores what it cannot apply", () => {
    fc.assert(
      fc.property(fc.array(garbage, { maxLength: 15 }), (events) => {
        const rec = openProposal({ kind: "simple-majority" });
        const valid = bodyState(rec.events)!;
        const state = bodyState([...rec.events, ...(events as unknown as GovernanceEvent[])]);
        expect(state).not.toBeNull();
        expect(state!.bylaws).toEqual(valid.bylaws);
      }),
      RUNS,
    );
  });
});
