import { describe, expect, it } from "vitest";
import {
  castVote,
  checkMandatedAct,
  draftProposal,
  foundBody,
  liveMandates,
  mandateId,
  mandateStatus,
  openVoting,
  tableProposal,
  type Bylaws,
  type DraftInput,
  type Mandate,
} from "../../src/governance/index.ts";
import { BODY, Ledger, people, refused, t, testBylaws } from "./helpers.ts";

const m = people(4);
const [a, b, c, d] = m as [string, string, string, string];
const CONF = "https://y.example/groups/valley";

function founded(extra: Partial<Bylaws> = {}): Ledger {
  const rec = new Ledger();
  rec.run(foundBody({ body: BODY, actor: a, kind: "assembly", name: "Riverside", bylaws: testBylaws({ kind: "simple-majority" }, extra), members: m }, t(0)));
  return rec;
}

/** Drafts, tables, opens, has a, b, c agree, and closes proposal `id`, starting on `day` (carried on day + 2). */
function decide(rec: Ledger, id: string, draft: Partial<DraftInput>, day: number, yes: string[] = [a, b, c]): void {
  rec.run(draftProposal(rec.body, { proposal: id, actor: a, kind: "policy", title: id, text: id, ...draft }, t(day)));
  rec.run(tableProposal(rec.proposal(id), { actor: a, body: rec.body }, t(day)));
  rec.run(openVoting(rec.proposal(id), { actor: a, body: rec.body }, t(day + 1)));
  for (const voter of yes) rec.run(castVote(rec.proposal(id), { actor: voter, choice: "agree" }, t(day + 1, 1)));
  rec.advance(t(day + 2, 1), id);
}

const confederal = (delegates: string[], start: number, end: number) => ({
  role: "confederal-delegate" as const,
  delegates,
  mandate: { scope: "Represent us on the valley council", instructions: "Table the water plan", covers: ["confederal", "water"] },
  start: t(start),
  end: t(end),
  confederation: CONF,
});
const role = (r: string, delegates: string[], start: number, end: number) => ({
  role: r,
  delegates,
  mandate: { scope: `${r} duties`, instructions: "Report monthly" },
  start: t(start),
  end: t(end),
});

describe("delegation", () => {
  it("a carried delegation gives each delegate a mandate, live in [start, end)", () => {
    const rec = founded();
    decide(rec, "del", { kind: "delegation", payload: confederal([b, c], 5, 35) }, 1);
    const body = rec.body;
    expect(rec.proposal("del").status).toBe("passed");
    expect([...body.mandates.keys()]).toEqual([mandateId("del", b), mandateId("del", c)]);
    const mb = body.mandates.get(mandateId("del", b))!;
    expect(mb).toEqual({
      id: mandateId("del", b),
      delegate: b,
      role: "confederal-delegate",
      scope: "Represent us on the valley council",
      instructions: "Table the water plan",
      covers: ["confederal", "water"],
      start: t(5),
      end: t(35),
      body: BODY,
      confederation: CONF,
      decidedBy: "del",
      revokedAt: null,
      revokedBy: null,
    });
    expect(mandateStatus(mb, t(4))).toBe("pending");
    expect(mandateStatus(mb, t(5))).toBe("live");
    expect(mandateStatus(mb, t(35, 0, -1))).toBe("live");
    expect(mandateStatus(mb, t(35))).toBe("expired");
    expect(liveMandates(body, t(4))).toEqual([]);
    expect(liveMandates(body, t(10)).map((x) => x.delegate)).toEqual([b, c]);
    expect(liveMandates(body, t(40))).toEqual([]);
    expect(body.effects.map((e) => e.effect.type)).toEqual(["mandates-granted"]);
  });
  it("refuses malformed nominations and non-members", () => {
    const rec = founded();
    const draft = (payload: unknown) => draftProposal(rec.body, { proposal: "x", actor: a, kind: "delegation", title: "x", text: "x", payload }, t(1));
    refused(draft({ ...role("treasurer", [b], 2, 30), role: "king" }), "invalid-payload");
    refused(draft(role("treasurer", [], 2, 30)), "invalid-payload");
    refused(draft(role("treasurer", [b, b], 2, 30)), "invalid-payload");
    refused(draft(role("treasurer", [b], 30, 30)), "invalid-payload");
    refused(draft(role("treasurer", [b], 31, 30)), "invalid-payload");
    refused(draft({ ...role("treasurer", [b], 2, 30), start: "tomorrow" }), "invalid-payload");
    refused(draft({ ...role("treasurer", [b], 2, 30), mandate: { instructions: "x" } }), "invalid-payload");
    refused(draft({ ...confederal([b], 2, 30), confederation: undefined }), "invalid-payload");
    refused(draft({ ...role("secretary", [b], 2, 30), confederation: CONF }), "invalid-payload");
    refused(draft(role("treasurer", ["https://z.example/u/stranger"], 2, 30)), "not-member");
  });
  it("rotation: a run of consecutive terms beyond the bylaws' limit is refused, naming the person and the limit", () => {
    const rec = founded({ delegates: { maxConsecutiveTerms: 2 } });
    decide(rec, "t1", { kind: "delegation", payload: role("treasurer", [b], 3, 10) }, 1);
    decide(rec, "t2", { kind: "delegation", payload: role("treasurer", [b], 10, 20) }, 4);
    const third = draftProposal(rec.body, { proposal: "t3", actor: a, kind: "delegation", title: "t3", text: "t3", payload: role("treasurer", [b], 20, 30) }, t(8));
    refused(third, "rotation-limit");
    expect(!third.ok && third.reason.message).toBe(`${b} would serve 3 consecutive terms as treasurer; the bylaws allow at most 2`);
    // Overlapping counts as consecutive; a gap resets; another role or person is not affected.
    refused(draftProposal(rec.body, { proposal: "t3", actor: a, kind: "delegation", title: "t", text: "t", payload: role("treasurer", [c, b], 15, 25) }, t(8)), "rotation-limit");
    decide(rec, "t3", { kind: "delegation", payload: role("treasurer", [b], 21, 30) }, 8);
    decide(rec, "s1", { kind: "delegation", payload: role("secretary", [b], 10, 20) }, 11);
    decide(rec, "t4", { kind: "delegation", payload: role("treasurer", [c], 20, 30) }, 14);
    expect(rec.body.mandates.size).toBe(5);
  });
  it("rotation: no limit when the bylaws say null; a recalled term ended at its recall", () => {
    const free = founded({ delegates: { maxConsecutiveTerms: null } });
    for (const [i, day] of [1, 4, 7].entries()) decide(free, `t${i}`, { kind: "delegation", payload: role("auditor", [b], 10 * i + 10, 10 * i + 20) }, day);
    expect(free.body.mandates.size).toBe(3);

    const rec = founded({ delegates: { maxConsecutiveTerms: 1 } });
    decide(rec, "t1", { kind: "delegation", payload: role("auditor", [b], 3, 20) }, 1);
    decide(rec, "r", { kind: "recall", payload: { delegate: b } }, 4);
    // Recalled on day 6: the term ended then, so a term starting on day 20 is not consecutive to it.
    decide(rec, "t2", { kind: "delegation", payload: role("auditor", [b], 20, 30) }, 7);
    refused(draftProposal(rec.body, { proposal: "x", actor: a, kind: "delegation", title: "x", text: "x", payload: role("auditor", [b], 6, 9) }, t(11)), "rotation-limit");
  });
});

describe("recall", () => {
  it("of a delegate revokes their live and future mandates at once and lists where they were used", () => {
    const rec = founded();
    decide(rec, "del", { kind: "delegation", payload: confederal([b, c], 2, 40) }, 1);
    decide(rec, "sec", { kind: "delegation", payload: role("secretary", [b], 2, 40) }, 1);
    decide(rec, "old", { kind: "delegation", payload: role("outreach", [b], 2, 4) }, 1);
    decide(rec, "r", { kind: "recall", payload: { delegate: b, role: "confederal-delegate" } }, 5);
    const body = rec.body;
    const revoked = body.mandates.get(mandateId("del", b))!;
    expect(revoked.revokedAt).toBe(t(7, 1));
    expect(revoked.revokedBy).toBe("r");
    expect(mandateStatus(revoked, t(7, 0))).toBe("live");
    expect(mandateStatus(revoked, t(7, 1))).toBe("revoked");
    expect(body.mandates.get(mandateId("sec", b))!.revokedAt).toBeNull();
    expect(body.mandates.get(mandateId("del", c))!.revokedAt).toBeNull();
    const effect = body.effects.at(-1)!.effect;
    expect(effect).toEqual({
      type: "delegate-recalled",
      body: BODY,
      proposal: "r",
      delegate: b,
      role: "confederal-delegate",
      revoked: [{ mandate: mandateId("del", b), delegate: b, role: "confederal-delegate", confederation: CONF }],
    });
    // The proposal's own effect stays the bare one; the command reported the resolved one.
    expect(rec.proposal("r").effect).not.toHaveProperty("revoked");
    expect(liveMandates(body, t(10)).map((x) => x.id)).toEqual([mandateId("del", c), mandateId("sec", b)]);
  });
  it("advance, given the body, reports the resolved effect to the adapter", () => {
    const rec = founded();
    decide(rec, "del", { kind: "delegation", payload: confederal([b], 2, 40) }, 1);
    rec.run(draftProposal(rec.body, { proposal: "r", actor: d, kind: "recall", title: "r", text: "r", payload: { delegate: b } }, t(5)));
    rec.run(tableProposal(rec.proposal("r"), { actor: d, body: rec.body }, t(5)));
    rec.run(openVoting(rec.proposal("r"), { actor: d, body: rec.body }, t(6)));
    rec.run(castVote(rec.proposal("r"), { actor: d, choice: "agree" }, t(6, 1)));
    const result = rec.advance(t(7, 1), "r");
    expect(result.ok && result.effects).toEqual([
      {
        type: "delegate-recalled",
        body: BODY,
        proposal: "r",
        delegate: b,
        role: null,
        revoked: [{ mandate: mandateId("del", b), delegate: b, role: "confederal-delegate", confederation: CONF }],
      },
    ]);
  });
  it("of one mandate, of a decision (revoking the mandates it gave), of a committee", () => {
    const rec = founded();
    decide(rec, "del", { kind: "delegation", payload: confederal([b, c], 2, 40) }, 1);
    decide(rec, "sec", { kind: "delegation", payload: role("secretary", [d], 2, 40) }, 1);
    decide(rec, "r1", { kind: "recall", payload: { mandate: mandateId("del", c) } }, 4);
    decide(rec, "r2", { kind: "recall", payload: { decision: "sec" } }, 4);
    decide(rec, "r3", { kind: "recall", payload: { committee: "https://x.example/groups/garden-committee" } }, 4);
    const body = rec.body;
    expect(body.mandates.get(mandateId("del", c))!.revokedBy).toBe("r1");
    expect(body.mandates.get(mandateId("del", b))!.revokedAt).toBeNull();
    expect(body.mandates.get(mandateId("sec", d))!.revokedBy).toBe("r2");
    expect(body.recalled.get("sec")).toEqual({ at: t(6, 1), by: "r2" });
    expect(body.recalledCommittees.get("https://x.example/groups/garden-committee")).toEqual({ at: t(6, 1), by: "r3" });
    expect(body.effects.slice(-3).map((e) => e.effect)).toEqual([
      {
        type: "mandate-recalled",
        body: BODY,
        proposal: "r1",
        mandate: mandateId("del", c),
        revoked: [{ mandate: mandateId("del", c), delegate: c, role: "confederal-delegate", confederation: CONF }],
      },
      { type: "decision-recalled", body: BODY, proposal: "r2", decision: "sec", revoked: [{ mandate: mandateId("sec", d), delegate: d, role: "secretary", confederation: null }] },
      { type: "committee-recalled", body: BODY, proposal: "r3", committee: "https://x.example/groups/garden-committee" },
    ]);
    // Already recalled, unknown, or not carried: refused.
    const draft = (payload: unknown) => draftProposal(rec.body, { proposal: "x", actor: a, kind: "recall", title: "x", text: "x", payload }, t(8));
    refused(draft({ decision: "sec" }), "invalid-payload");
    refused(draft({ decision: "ghost" }), "unknown-proposal");
    refused(draft({ mandate: "ghost" }), "unknown-mandate");
    refused(draft({ mandate: mandateId("del", b), decision: "del" }), "invalid-payload");
    refused(draft({ committee: "c", role: "secretary" }), "invalid-payload");
  });
  it("an expired mandate is not revoked again; recalling one never shortens others", () => {
    const rec = founded();
    decide(rec, "del", { kind: "delegation", payload: role("auditor", [b], 2, 4) }, 1);
    decide(rec, "r", { kind: "recall", payload: { delegate: b } }, 5);
    expect(rec.body.mandates.get(mandateId("del", b))!.revokedAt).toBeNull();
    expect(rec.body.effects.at(-1)!.effect).toMatchObject({ revoked: [] });
  });
});

describe("checkMandatedAct: acts outside a mandate are refused", () => {
  const mandate: Mandate = {
    id: "del#mandate:b",
    delegate: b,
    role: "confederal-delegate",
    scope: "water",
    instructions: "x",
    covers: ["confederal", "water"],
    start: t(2),
    end: t(10),
    body: BODY,
    confederation: CONF,
    decidedBy: "del",
    revokedAt: null,
    revokedBy: null,
  };
  it("covers the listed kinds and topics while live", () => {
    expect(checkMandatedAct(mandate, { kind: "confederal" }, t(3))).toEqual({ ok: true });
    expect(checkMandatedAct(mandate, { kind: "vote", topic: "water" }, t(3))).toEqual({ ok: true });
    expect(checkMandatedAct(mandate, { kind: "confederal", confederation: CONF }, t(3))).toEqual({ ok: true });
  });
  it("refuses with the reason", () => {
    const code = (act: Parameters<typeof checkMandatedAct>[1], at: string, m: Mandate = mandate) => {
      const r = checkMandatedAct(m, act, at);
      return r.ok ? "ok" : r.code;
    };
    expect(code({ kind: "confederal" }, t(1))).toBe("mandate-expired");
    expect(code({ kind: "confederal" }, t(10))).toBe("mandate-expired");
    expect(code({ kind: "confederal" }, t(5), { ...mandate, revokedAt: t(4), revokedBy: "r" })).toBe("mandate-revoked");
    expect(code({ kind: "confederal" }, t(3), { ...mandate, revokedAt: t(4), revokedBy: "r" })).toBe("ok");
    expect(code({ kind: "budget" }, t(3))).toBe("outside-scope");
    expect(code({ kind: "vote", topic: "housing" }, t(3))).toBe("outside-scope");
    expect(code({ kind: "confederal", confederation: "https://z.example/groups/other" }, t(3))).toBe("outside-scope");
    expect(code({ kind: "confederal" }, t(3), { ...mandate, covers: [] })).toBe("outside-scope");
  });
});
