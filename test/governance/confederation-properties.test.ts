import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  castVote,
  draftProposal,
  foundBody,
  fraction,
  liveMandates,
  mandateStatus,
  openVoting,
  tableProposal,
  tallyVerdicts,
  verdictFromTally,
  verdictOfTally,
  verdictProblem,
  type Mandate,
  type RatificationRule,
  type ReferralBody,
  type Verdict,
  type VerdictChoice,
} from "../../src/governance/index.ts";
import { Ledger, people, t, testBylaws } from "./helpers.ts";

// Bounded runs: the folder must stay fast on a shared 2-core machine.
const RUNS = { numRuns: 120 };
const FEW = { numRuns: 15 };

const BODIES = Array.from({ length: 8 }, (_, i) => `https://b${i}.example/groups/g`);
const OUTSIDERS = Array.from({ length: 3 }, (_, i) => `https://out${i}.example/groups/g`);
const minute = (n: number): string => t(0, 0, n);

const ratificationRule: fc.Arbitrary<RatificationRule> = fc.oneof(
  fc.constant<RatificationRule>({ kind: "unanimity" }),
  fc.constant<RatificationRule>({ kind: "majority" }),
  fc.integer({ min: 1, max: 4 }).map((n): RatificationRule => ({ kind: "supermajority", fraction: fraction(n, 4) })),
  fc.integer({ min: 1, max: 3 }).map((n): RatificationRule => ({ kind: "double-majority", bodies: fraction(n, 3), people: fraction(1, 2) })),
  fc.integer({ min: 1, max: 3 }).map((n): RatificationRule => ({ kind: "weighted", fraction: fraction(n, 3) })),
);

/** A verdict consistent with its own tally. */
function verdictOf(body: string, choice: VerdictChoice, referral = "q"): Verdict {
  const counts = { agree: choice === "ratify" ? 2 : 0, disagree: choice === "reject" ? 2 : 0, abstain: 0, block: 0 };
  return {
    body,
    referral,
    verdict: choice,
    rule: { of: "votes", rule: { kind: "simple-majority" } },
    tally: { counts, roll: 4, turnout: counts.agree + counts.disagree, quorum: 1 },
    at: t(1),
  };
}

const choice = fc.constantFrom<VerdictChoice>("ratify", "reject", "abstain");
/** A referral list (a prefix of BODIES with weights) and one verdict per some of them. */
const scenario = fc
  .record({
    size: fc.integer({ min: 1, max: BODIES.length }),
    weights: fc.array(fc.integer({ min: 1, max: 500 }), { minLength: BODIES.length, maxLength: BODIES.length }),
    choices: fc.array(fc.option(choice, { nil: undefined }), { minLength: BODIES.length, maxLength: BODIES.length }),
    rule: ratificationRule,
  })
  .map(({ size, weights, choices, rule }) => {
    const bodies: ReferralBody[] = BODIES.slice(0, size).map((body, i) => ({ body, members: weights[i]! }));
    const verdicts = bodies.flatMap((b, i) => (choices[i] === undefined ? [] : [verdictOf(b.body, choices[i])]));
    return { referral: { id: "q", bodies }, verdicts, rule };
  });

describe("properties of mandates", () => {
  const mandate = (start: number, end: number, revokedAt: number | null): Mandate => ({
    id: "p#mandate:x",
    delegate: "x",
    role: "secretary",
    scope: "s",
    instructions: "i",
    covers: [],
    start: minute(start),
    end: minute(end),
    body: "b",
    decidedBy: "p",
    revokedAt: revokedAt === null ? null : minute(revokedAt),
    revokedBy: revokedAt === null ? null : "r",
  });
  it("a mandate is never live outside [start, end), nor at or after its recall", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 1, max: 100 }),
        fc.option(fc.integer({ min: 0, max: 250 }), { nil: null }),
        fc.integer({ min: 0, max: 250 }),
        (start, length, revokedAt, at) => {
          const m = mandate(start, start + length, revokedAt);
          const live = mandateStatus(m, minute(at)) === "live";
          expect(live).toBe(at >= start && at < start + length && (revokedAt === null || at < revokedAt));
        },
      ),
      RUNS,
    );
  });
  it("replayed: after a recall is carried, the recalled delegate's mandates are never live", () => {
    const members = people(3);
    const [a, b] = members as [string, string];
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 6 }),
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 3, max: 12 }),
        fc.integer({ min: 0, max: 30 }),
        (startDay, length, recallDay, probe) => {
          const rec = new Ledger();
          rec.run(foundBody({ body: "https://x.example/groups/r", actor: a, kind: "assembly", name: "R", bylaws: testBylaws({ kind: "simple-majority" }), members }, t(0)));
          const decide = (id: string, kind: "delegation" | "recall", payload: unknown, day: number): void => {
            rec.run(draftProposal(rec.body, { proposal: id, actor: a, kind, title: id, text: id, payload }, t(day)));
            rec.run(tableProposal(rec.proposal(id), { actor: a, body: rec.body }, t(day)));
            rec.run(openVoting(rec.proposal(id), { actor: a, body: rec.body }, t(day + 1)));
            rec.run(castVote(rec.proposal(id), { actor: a, choice: "agree" }, t(day + 1, 1)));
            rec.advance(t(day + 2, 1), id);
          };
          decide("d", "delegation", { role: "auditor", delegates: [b], mandate: { scope: "s", instructions: "i" }, start: t(startDay), end: t(startDay + length) }, 0);
          decide("r", "recall", { delegate: b }, recallDay);
          const recalledAt = t(recallDay + 2, 1);
          const at = t(recallDay + 2, 1 + probe);
          expect(liveMandates(rec.body, at)).toEqual([]);
          for (const m of rec.body.mandates.values()) expect(m.revokedAt === null || m.revokedAt === recalledAt).toBe(true);
        },
      ),
      FEW,
    );
  });
});

describe("properties of confederal tallies", () => {
  it("verdict order does not change the tally", () => {
    fc.assert(
      fc.property(scenario, fc.infiniteStream(fc.integer()), ({ referral, verdicts, rule }, seeds) => {
        const shuffled = [...verdicts];
        const it = seeds[Symbol.iterator]();
        for (let i = shuffled.length - 1; i > 0; i--) {
          const j = Math.abs(it.next().value as number) % (i + 1);
          [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
        }
        expect(tallyVerdicts(rule, referral, shuffled)).toEqual(tallyVerdicts(rule, referral, verdicts));
      }),
      RUNS,
    );
  });
  it("a body not on the referral list never counts", () => {
    fc.assert(
      fc.property(scenario, fc.array(fc.tuple(fc.constantFrom(...OUTSIDERS), choice), { maxLength: 4 }), ({ referral, verdicts, rule }, outsiders) => {
        const extra = outsiders.map(([body, c]) => verdictOf(body, c));
        const withOutsiders = tallyVerdicts(rule, referral, [...extra, ...verdicts]);
        const plain = tallyVerdicts(rule, referral, verdicts);
        expect({ ...withOutsiders, ignored: { ...withOutsiders.ignored, notListed: 0 } }).toEqual(plain);
        for (const body of OUTSIDERS) expect([...withOutsiders.ratifiedBy, ...withOutsiders.rejectedBy, ...withOutsiders.abstained]).not.toContain(body);
      }),
      RUNS,
    );
  });
  it("a body that left never counts: as if it had never been on the list", () => {
    fc.assert(
      fc.property(scenario, fc.array(fc.boolean(), { minLength: BODIES.length, maxLength: BODIES.length }), ({ referral, verdicts, rule }, leaves) => {
        const left = referral.bodies.filter((_, i) => leaves[i]).map((b) => b.body);
        const withLeft = tallyVerdicts(rule, { ...referral, left }, verdicts);
        const without = tallyVerdicts(
          rule,
          { id: "q", bodies: referral.bodies.filter((b) => !left.includes(b.body)) },
          verdicts.filter((v) => !left.includes(v.body)),
        );
        expect({ ...withLeft, ignored: { ...withLeft.ignored, left: 0 } }).toEqual(without);
        for (const body of left) expect(withLeft.ratifiedBy).not.toContain(body);
      }),
      RUNS,
    );
  });
  it("a tally never counts a body as ratifying unless its (consistent) verdict is ratify", () => {
    const anyVerdict = fc.record({
      body: fc.constantFrom(...BODIES, ...OUTSIDERS),
      verdict: choice,
      agree: fc.integer({ min: 0, max: 5 }),
      disagree: fc.integer({ min: 0, max: 5 }),
    });
    fc.assert(
      fc.property(scenario, fc.array(anyVerdict, { maxLength: 12 }), ({ referral, rule }, raw) => {
        const verdicts: Verdict[] = raw.map((r) => ({
          ...verdictOf(r.body, r.verdict),
          tally: { counts: { agree: r.agree, disagree: r.disagree, abstain: 0, block: 0 }, roll: 10, turnout: r.agree + r.disagree, quorum: 1 },
        }));
        const tally = tallyVerdicts(rule, referral, verdicts);
        for (const body of tally.ratifiedBy) {
          const first = verdicts.find((v) => v.body === body)!;
          expect(first.verdict).toBe("ratify");
          expect(verdictFromTally(first.rule, first.tally)).toBe("ratify");
        }
        expect(tally.bound.every((b) => tally.ratifiedBy.includes(b))).toBe(true);
        if (!tally.passed) expect(tally.bound).toEqual([]);
      }),
      RUNS,
    );
  });
  it("nested: a confederation's verdict follows from its own tally, is accepted upstream, and unanimity flattens to the base", () => {
    const lower = fc.array(fc.option(choice, { nil: undefined }), { minLength: 1, maxLength: 4 });
    fc.assert(
      fc.property(fc.array(lower, { minLength: 1, maxLength: 3 }), ratificationRule, (groups, rule) => {
        // Each group is a lower confederation of base bodies; the top refers to the lower confederations.
        const confs = groups.map((choices, g) => {
          const bodies = choices.map((_, i) => ({ body: `https://g${g}.example/b${i}`, members: 10 + i }));
          const verdicts = bodies.flatMap((b, i) => (choices[i] === undefined ? [] : [verdictOf(b.body, choices[i], `low${g}`)]));
          const lowTally = tallyVerdicts(rule, { id: `low${g}`, bodies }, verdicts);
          const up = verdictOfTally(lowTally, { body: `https://g${g}.example/conf`, referral: "top", at: t(2) });
          expect(verdictProblem(up)).toBeNull();
          expect(up.verdict === "ratify").toBe(lowTally.passed);
          return { up, lowTally, people: bodies.reduce((s, b) => s + b.members, 0), base: choices };
        });
        const top = { id: "top", bodies: confs.map((c) => ({ body: c.up.body, members: c.people })) };
        const topTally = tallyVerdicts(
          rule,
          top,
          confs.map((c) => c.up),
        );
        expect(topTally.ratifiedBy).toEqual(confs.filter((c) => c.lowTally.passed).map((c) => c.up.body));
        const flat = confs.map((c) => c.base.every((x) => x === "ratify"));
        const nestedUnanimity = tallyVerdicts(
          { kind: "unanimity" },
          top,
          confs.map((c, g) =>
            verdictOfTally(
              tallyVerdicts(
                { kind: "unanimity" },
                { id: `low${g}`, bodies: c.base.map((_, i) => ({ body: `https://g${g}.example/b${i}`, members: 1 })) },
                c.base.flatMap((x, i) => (x === undefined ? [] : [verdictOf(`https://g${g}.example/b${i}`, x, `low${g}`)])),
              ),
              { body: c.up.body, referral: "top", at: t(2) },
            ),
          ),
        );
        expect(nestedUnanimity.passed).toBe(flat.every(Boolean));
      }),
      RUNS,
    );
  });
});
