import { describe, expect, it } from "vitest";
import {
  advanceReferrals,
  BODY_KINDS,
  BYLAWS_TEMPLATES,
  bodyState,
  bylawsFromTemplate,
  bylawsProblems,
  bylawsTemplate,
  defaultBylaws,
  draftProposal,
  durationMs,
  foundBody,
  fraction,
  receiveVerdict,
  referConfederal,
  termsFor,
  validateBylaws,
  type Bylaws,
  type GovernanceEvent,
  type RatificationRule,
  type Verdict,
} from "../../src/governance/index.ts";
import { BODY, Ledger, ok, people, refused, t, testBylaws } from "./helpers.ts";

const [a, b] = people(2) as [string, string];

describe("bylaws templates drawn from the seeds", () => {
  it("are complete, valid bylaws for every kind of body they are for, each with a plain title and description", () => {
    expect(BYLAWS_TEMPLATES.map((x) => x.id)).toEqual([
      "neighbourhood-assembly",
      "graduated-council",
      "consensus-collective",
      "municipal-confederation",
      "regional-confederation",
      "trial",
    ]);
    for (const template of BYLAWS_TEMPLATES) {
      expect(template.title.length).toBeGreaterThan(5);
      expect(template.description.length).toBeGreaterThan(100);
      for (const kind of template.kinds) {
        const resolved = bylawsFromTemplate({ kind, template: template.id }, defaultBylaws(kind));
        expect(resolved.ok, `${template.id} for ${kind}`).toBe(true);
        if (!resolved.ok) continue;
        expect(validateBylaws(resolved.bylaws, kind).ok).toBe(true);
        const founded = foundBody({ body: BODY, actor: a, kind, name: "X", bylaws: resolved.bylaws, members: kind === "confederation" ? [] : [a] }, t(0));
        expect(founded.ok, `${template.id} founds ${kind}`).toBe(true);
      }
    }
  });

  it("use the rules the seeds describe", () => {
    expect(bylawsTemplate("neighbourhood-assembly")?.bylaws.decisionRule).toEqual({ kind: "simple-majority" });
    expect(bylawsTemplate("neighbourhood-assembly")?.bylaws.quorum.kind).toBe("share");
    expect(bylawsTemplate("graduated-council")?.bylaws.decisionRule).toEqual({ kind: "graduated-consensus" });
    expect(bylawsTemplate("consensus-collective")?.bylaws.decisionRule).toEqual({ kind: "consensus" });
    expect(bylawsTemplate("municipal-confederation")?.bylaws.ratification).toEqual({ kind: "majority" });
    expect(bylawsTemplate("regional-confederation")?.bylaws.ratification?.kind).toBe("double-majority");
    for (const id of ["municipal-confederation", "regional-confederation"]) {
      expect(bylawsTemplate(id)?.kinds).toEqual(["confederation"]);
      expect(bylawsTemplate(id)?.bylaws.delegateRatio).toBe(100);
    }
  });

  it("the trial template decides within minutes, the same day", () => {
    const trial = bylawsTemplate("trial")!.bylaws;
    const minutes = (d: string) => (durationMs(d) ?? 0) / 60_000;
    expect(minutes(trial.deliberationPeriod) + minutes(trial.votingPeriod)).toBeLessThanOrEqual(15);
    expect(Object.values(trial.graduatedConsensus).every((d) => minutes(d) <= 10)).toBe(true);
    expect(BODY_KINDS.every((k) => bylawsTemplate("trial")!.kinds.includes(k))).toBe(true);
    // A confederation founded on trial bylaws gets a ratification rule.
    const conf = bylawsFromTemplate({ kind: "confederation", template: "trial" }, defaultBylaws("confederation"));
    expect(conf.ok && conf.bylaws.ratification).toEqual({ kind: "majority" });
  });
});

describe("founding bylaws: a template with every field overridable", () => {
  it("overrides replace fields, and merge into the stage periods, the delegates and the rules per kind", () => {
    const resolved = bylawsFromTemplate(
      {
        kind: "council",
        template: "graduated-council",
        overrides: {
          quorum: { kind: "count", count: 3 },
          votingPeriod: "PT30M",
          minimumPeriod: "PT10M",
          graduatedConsensus: { contentionPeriod: "P1D" },
          delegates: { maxConsecutiveTerms: null },
          ruleByKind: { bylaws: { kind: "consensus" } },
          visibility: "members",
          admission: "open",
        },
      },
      defaultBylaws("council"),
    );
    expect(resolved.ok).toBe(true);
    if (!resolved.ok) return;
    expect(resolved.bylaws.decisionRule).toEqual({ kind: "graduated-consensus" });
    expect(resolved.bylaws.quorum).toEqual({ kind: "count", count: 3 });
    expect(resolved.bylaws.votingPeriod).toBe("PT30M");
    expect(resolved.bylaws.graduatedConsensus).toEqual({ objectionPeriod: "P2D", grievancePeriod: "P5D", contentionPeriod: "P1D" });
    expect(resolved.bylaws.delegates).toEqual({ maxConsecutiveTerms: null });
    expect(resolved.bylaws.ruleByKind).toEqual({ bylaws: { kind: "consensus" } });
    expect(resolved.bylaws.visibility).toBe("members");
    expect(resolved.bylaws.admission).toBe("open");
    // The template itself is untouched.
    expect(bylawsTemplate("graduated-council")!.bylaws.votingPeriod).toBe("P3D");
    // null removes an optional field, and a rule for one kind.
    const removed = bylawsFromTemplate({ kind: "assembly", template: "neighbourhood-assembly", overrides: { text: null, ruleByKind: { bylaws: null } } }, defaultBylaws());
    expect(removed.ok && removed.bylaws.text).toBeUndefined();
    expect(removed.ok && removed.bylaws.ruleByKind).toEqual({});
  });

  it("complete bylaws without a template are taken as they are", () => {
    const full = testBylaws({ kind: "consensus" });
    const resolved = bylawsFromTemplate({ kind: "assembly", overrides: full }, defaultBylaws());
    expect(resolved.ok && resolved.bylaws).toEqual(full);
  });

  it("names every problem with its field: unknown template, template for another kind, unknown fields, invalid values", () => {
    const wrong = bylawsFromTemplate(
      {
        kind: "assembly",
        template: "municipal-confederation",
        overrides: {
          quorom: { kind: "count", count: 2 },
          quorum: { kind: "count", count: 0 },
          votingPeriod: "P1M",
          deliberationPeriod: "PT1H",
          minimumPeriod: "PT2H",
          delegateRatio: 0,
        },
      },
      defaultBylaws(),
    );
    expect(wrong.ok).toBe(false);
    if (wrong.ok) return;
    const fields = wrong.problems.map((p) => p.field);
    expect(fields).toEqual(expect.arrayContaining(["template", "quorom", "quorum", "votingPeriod", "minimumPeriod", "delegateRatio"]));
    expect(wrong.problems.find((p) => p.field === "template")?.message).toMatch(/is for confederations, not for an assembly/);
    expect(wrong.problems.find((p) => p.field === "quorom")?.message).toMatch(/not a field of the bylaws/);
    expect(wrong.problems.find((p) => p.field === "minimumPeriod")?.message).toMatch(/may not be longer than deliberationPeriod/);

    const unknown = bylawsFromTemplate({ kind: "assembly", template: "parliament" }, defaultBylaws());
    expect(!unknown.ok && unknown.problems[0]?.message).toMatch(/no template "parliament"; there are neighbourhood-assembly, /);
    const notObject = bylawsFromTemplate({ kind: "assembly", overrides: "simple majority" }, defaultBylaws());
    expect(!notObject.ok && notObject.problems[0]).toEqual({ field: "bylaws", code: "not-an-object", message: "bylaws must be an object" });
    // A confederation must keep a valid ratification rule.
    const noRule = bylawsFromTemplate(
      { kind: "confederation", template: "municipal-confederation", overrides: { ratification: { kind: "weighted" } } },
      defaultBylaws("confederation"),
    );
    expect(!noRule.ok && noRule.problems.map((p) => p.field)).toEqual(["ratification"]);
  });

  it("the problems validateBylaws joins are the ones bylawsProblems lists, with their fields", () => {
    const bad = { ...defaultBylaws(), quorum: { kind: "count", count: 0 }, tabling: { who: "nobody" } };
    const problems = bylawsProblems(bad);
    expect(problems.map((p) => p.field)).toEqual(["quorum", "tabling"]);
    const checked = validateBylaws(bad);
    expect(!checked.ok && checked.reason.message).toBe(problems.map((p) => p.message).join("; "));
  });
});

describe("periods: minutes to weeks, and a body's own minimum", () => {
  const minutes: Bylaws = { ...testBylaws({ kind: "simple-majority" }), deliberationPeriod: "PT10M", votingPeriod: "P2W", minimumPeriod: "PT5M" };

  it("bylaws may have periods of minutes or weeks, and a minimum no longer than either period", () => {
    expect(validateBylaws(minutes).ok).toBe(true);
    expect(validateBylaws({ ...minutes, minimumPeriod: "PT11M" }).ok).toBe(false);
    expect(validateBylaws({ ...minutes, minimumPeriod: "P1M" }).ok).toBe(false);
    expect(validateBylaws({ ...minutes, minimumPeriod: "PT0S" }).ok).toBe(false);
  });

  it("a proposal may ask for any period at least the body's minimum; without one, at least the bylaws' periods", () => {
    expect(termsFor(minutes, 1, { kind: "policy" }).ok && termsFor(minutes, 1, { kind: "policy" })).toMatchObject({ terms: { deliberationPeriod: "PT10M", votingPeriod: "P2W" } });
    const short = termsFor(minutes, 1, { kind: "policy", deliberationPeriod: "PT5M", votingPeriod: "PT6M" });
    expect(short.ok && short.terms).toMatchObject({ deliberationPeriod: "PT5M", votingPeriod: "PT6M" });
    const tooShort = termsFor(minutes, 1, { kind: "policy", votingPeriod: "PT4M" });
    expect(!tooShort.ok && tooShort.reason.message).toBe("votingPeriod may not be shorter than the bylaws' minimum PT5M");
    // Bylaws without a minimum (as every record before it existed): the periods are the least.
    const old = testBylaws({ kind: "simple-majority" });
    const refusedOld = termsFor(old, 1, { kind: "policy", votingPeriod: "PT23H" });
    expect(!refusedOld.ok && refusedOld.reason.message).toBe("votingPeriod may not be shorter than the bylaws' P1D");
    expect(termsFor(old, 1, { kind: "policy", votingPeriod: "P2D" }).ok).toBe(true);
  });

  it("a record written before the minimum existed replays as it did: a draft asking for shorter periods stays refused", () => {
    const bylaws = testBylaws({ kind: "simple-majority" });
    const events: GovernanceEvent[] = [
      { type: "body-founded", at: t(0), body: BODY, actor: a, kind: "assembly", name: "Old", bylaws, members: [a, b] },
      { type: "proposal-drafted", at: t(1), body: BODY, proposal: `${BODY}/p/1`, actor: a, kind: "policy", title: "Fast", text: "", votingPeriod: "PT1H" },
      { type: "proposal-drafted", at: t(1), body: BODY, proposal: `${BODY}/p/2`, actor: a, kind: "policy", title: "Slow", text: "", votingPeriod: "P3D" },
    ] as GovernanceEvent[];
    const state = bodyState(events)!;
    expect([...state.proposals.keys()]).toEqual([`${BODY}/p/2`]);
    expect(state.ignored.map((e) => e.message)).toEqual(["votingPeriod may not be shorter than the bylaws' P1D"]);
    expect(state.bylaws.minimumPeriod).toBeUndefined();
  });

  it("a body that lowers its minimum by a bylaws proposal lets proposals ask for shorter periods from then on", () => {
    const rec = new Ledger();
    rec.run(foundBody({ body: BODY, actor: a, kind: "assembly", name: "R", bylaws: minutes, members: [a, b] }, t(0)));
    ok(draftProposal(rec.body, { proposal: `${BODY}/p/9`, actor: a, kind: "policy", title: "Quick", text: "", deliberationPeriod: "PT5M", votingPeriod: "PT5M" }, t(0, 1)));
    refused(draftProposal(rec.body, { proposal: `${BODY}/p/9`, actor: a, kind: "policy", title: "Too quick", text: "", votingPeriod: "PT1M" }, t(0, 1)), "invalid-input");
  });
});

describe("a confederation changes its bylaws by its own rule", () => {
  const CONF = "https://c.example/groups/valley";
  const bodies = ["https://a.example/groups/a", "https://b.example/groups/b", "https://d.example/groups/d"];
  const verdict = (body: string, ratify: boolean, referral: string): Verdict => ({
    body,
    referral,
    verdict: ratify ? "ratify" : "reject",
    rule: { of: "votes", rule: { kind: "simple-majority" } },
    tally: { counts: { agree: ratify ? 3 : 0, disagree: ratify ? 0 : 3, abstain: 0, block: 0 }, roll: 5, turnout: 3, quorum: 1 },
    at: t(3),
  });
  function confederation(rule: RatificationRule): Ledger {
    const rec = new Ledger();
    const bylaws = { ...bylawsTemplate("municipal-confederation")!.bylaws, ratification: rule };
    rec.run(foundBody({ body: CONF, actor: a, kind: "confederation", name: "Valley", bylaws, members: bodies }, t(0)));
    return rec;
  }
  const list = () => bodies.map((body, i) => ({ body, members: (i + 1) * 10 }));

  it("a `bylaws` referral ratified by the member bodies adopts the new bylaws at the close; later referrals use the new rule", () => {
    const rec = confederation({ kind: "majority" });
    const next: Bylaws = { ...rec.body.bylaws, ratification: { kind: "unanimity" }, delegateRatio: 50 };
    rec.run(
      referConfederal(
        rec.body,
        { referral: "b1", actor: bodies[0]!, title: "Unanimity", text: "", bodies: list(), deadline: t(5), decides: { kind: "bylaws", payload: { bylaws: next } } },
        t(1),
      ),
    );
    rec.run(receiveVerdict(rec.body, verdict(bodies[0]!, true, "b1"), t(2)));
    rec.run(receiveVerdict(rec.body, verdict(bodies[1]!, true, "b1"), t(2)));
    rec.run(advanceReferrals(rec.body, t(6)));
    expect(rec.body.bylawsVersion).toBe(2);
    expect(rec.body.bylaws.ratification).toEqual({ kind: "unanimity" });
    expect(rec.body.bylawsHistory[1]?.proposal).toBe("b1");
    rec.run(referConfederal(rec.body, { referral: "q2", actor: bodies[0]!, title: "Next", text: "", bodies: list(), deadline: t(9) }, t(7)));
    expect(rec.body.referrals.get("q2")?.rule).toEqual({ kind: "unanimity" });
  });

  it("not ratified, the bylaws stay; invalid new bylaws are refused when tabled", () => {
    const rec = confederation({ kind: "majority" });
    const next: Bylaws = { ...rec.body.bylaws, ratification: { kind: "unanimity" } };
    rec.run(
      referConfederal(
        rec.body,
        { referral: "b1", actor: bodies[0]!, title: "U", text: "", bodies: list(), deadline: t(5), decides: { kind: "bylaws", payload: { bylaws: next } } },
        t(1),
      ),
    );
    rec.run(receiveVerdict(rec.body, verdict(bodies[0]!, false, "b1"), t(2)));
    rec.run(advanceReferrals(rec.body, t(6)));
    expect(rec.body.bylawsVersion).toBe(1);
    const { ratification: _none, ...withoutRule } = next;
    refused(
      referConfederal(
        rec.body,
        { referral: "b2", actor: bodies[0]!, title: "U", text: "", bodies: list(), deadline: t(9), decides: { kind: "bylaws", payload: { bylaws: withoutRule } } },
        t(7),
      ),
      "invalid-payload",
    );
  });

  it("every ratification rule can be founded and decides the referrals it is frozen into", () => {
    const rules: RatificationRule[] = [
      { kind: "unanimity" },
      { kind: "majority" },
      { kind: "supermajority", fraction: fraction(2, 3) },
      { kind: "double-majority", bodies: fraction(1, 2), people: fraction(1, 2) },
      { kind: "weighted", fraction: fraction(1, 2) },
    ];
    // Two of three ratify: a (10 members) and d (30), b (20) rejects.
    const expected: Record<string, boolean> = { unanimity: false, majority: true, supermajority: true, "double-majority": true, weighted: true };
    for (const rule of rules) {
      const rec = confederation(rule);
      rec.run(referConfederal(rec.body, { referral: "q", actor: bodies[0]!, title: "Q", text: "", bodies: list(), deadline: t(5) }, t(1)));
      rec.run(receiveVerdict(rec.body, verdict(bodies[0]!, true, "q"), t(2)));
      rec.run(receiveVerdict(rec.body, verdict(bodies[1]!, false, "q"), t(2)));
      rec.run(receiveVerdict(rec.body, verdict(bodies[2]!, true, "q"), t(2)));
      rec.run(advanceReferrals(rec.body, t(6)));
      const tally = rec.body.referrals.get("q")?.tally;
      expect(tally?.rule, rule.kind).toEqual(rule);
      expect(tally?.passed, rule.kind).toBe(expected[rule.kind]);
    }
  });
});
