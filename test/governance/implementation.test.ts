import { describe, expect, it } from "vitest";
import {
  castVote,
  checkProposalEvent,
  completeImplementation,
  draftProposal,
  openVoting,
  replayProposal,
  tableProposal,
  type GovernanceEvent,
  type ImplementationDelegatesElected,
} from "../../src/governance/index.ts";
import { BODY, type Ledger, people, refused, setup, t } from "./helpers.ts";

// Implementation delegates are elected by the body: a delegation with role
// implementation-delegate naming the carried decision it implements (`implements`).
// Carrying it records them on that decision, with `by` naming the delegation.

const m = people(5);
const [a, b, c, d] = m as [string, string, string, string, string];
const MANDATE = { scope: "Plant by May.", instructions: "Native species only." };
const MANDATE_TEXT = "Plant by May.\n\nNative species only.";

/** p1, a policy carried at t(2, 1), now implementing. */
function carried(): Ledger {
  const rec = setup({});
  rec.run(castVote(rec.proposal(), { actor: a, choice: "agree" }, t(1, 1)));
  rec.advance(t(2, 1));
  expect(rec.proposal().status).toBe("implementing");
  return rec;
}

const delegation = (extra: Record<string, unknown> = {}) => ({
  role: "implementation-delegate",
  delegates: [b, c],
  mandate: MANDATE,
  start: t(3),
  end: t(60),
  implements: "p1",
  ...extra,
});

/** Drafts `id` at `day`, tables it, opens voting the next day, one agree. Not yet decided. */
function voted(rec: Ledger, id: string, payload: unknown, day = 3, kind: "delegation" | "policy" = "delegation"): void {
  rec.run(draftProposal(rec.body, { proposal: id, actor: a, kind, title: "Gardeners", text: "They plant it.", payload }, t(day)));
  rec.run(tableProposal(rec.proposal(id), { actor: a, body: rec.body }, t(day)));
  rec.run(openVoting(rec.proposal(id), { actor: a, body: rec.body }, t(day + 1)));
  rec.run(castVote(rec.proposal(id), { actor: a, choice: "agree" }, t(day + 1, 1)));
}

/** The same, carried at t(day + 2, 1). */
function elect(rec: Ledger, id: string, payload: unknown, day = 3): readonly GovernanceEvent[] {
  voted(rec, id, payload, day);
  const result = rec.advance(t(day + 2, 1), id);
  return result.ok ? result.events : [];
}

/** What the body records on p1 when a delegation carries, forged here to test the checks. */
function election(extra: Partial<ImplementationDelegatesElected> = {}): ImplementationDelegatesElected {
  return {
    type: "implementation-delegates-elected",
    at: t(5, 1),
    body: BODY,
    proposal: "p1",
    actor: BODY,
    delegates: [b, c],
    mandate: MANDATE_TEXT,
    by: "d1",
    ...extra,
  };
}

describe("implementation delegates elected by the body", () => {
  it("carrying the delegation records its delegates and mandate on the decision, by the body", () => {
    const rec = carried();
    const events = elect(rec, "d1", delegation());
    expect(events.map((e) => `${e.type}:${"proposal" in e ? e.proposal : ""}`)).toEqual(["stage-ended:d1", "implementation-delegates-elected:p1"]);
    expect(events[1]).toEqual(election());
    expect(rec.proposal("d1").status).toBe("passed");
    expect(rec.proposal().implementation).toEqual({ delegates: [b, c], mandate: MANDATE_TEXT, decision: "d1", electedAt: t(5, 1) });
    expect(rec.proposal().ignored).toEqual([]);
    // The delegates also hold mandates in that role, from the delegation.
    expect([...rec.body.mandates.values()].map((x) => [x.delegate, x.role])).toEqual([
      [b, "implementation-delegate"],
      [c, "implementation-delegate"],
    ]);
    // An elected delegate reports the work done; nobody else may.
    refused(completeImplementation(rec.proposal(), { actor: d }, t(6)), "not-a-delegate");
    rec.run(completeImplementation(rec.proposal(), { actor: c, report: "Planted." }, t(6)));
    expect(rec.proposal().status).toBe("done");
  });

  it("a mandate without instructions is its scope", () => {
    const rec = carried();
    elect(rec, "d1", delegation({ mandate: { scope: "Plant by May.", instructions: "" } }));
    expect(rec.proposal().implementation?.mandate).toBe("Plant by May.");
  });

  it("a later election replaces the delegates", () => {
    const rec = carried();
    elect(rec, "d1", delegation());
    elect(rec, "d2", delegation({ delegates: [d], start: t(8) }), 6);
    expect(rec.proposal().implementation).toMatchObject({ delegates: [d], decision: "d2" });
    refused(completeImplementation(rec.proposal(), { actor: b }, t(10)), "not-a-delegate");
  });

  it("a rejected delegation elects nobody", () => {
    const rec = carried();
    rec.run(draftProposal(rec.body, { proposal: "d1", actor: a, kind: "delegation", title: "G", text: "G", payload: delegation() }, t(3)));
    rec.run(tableProposal(rec.proposal("d1"), { actor: a, body: rec.body }, t(3)));
    rec.run(openVoting(rec.proposal("d1"), { actor: a, body: rec.body }, t(4)));
    rec.run(castVote(rec.proposal("d1"), { actor: a, choice: "disagree" }, t(4, 1)));
    const result = rec.advance(t(5, 1), "d1");
    expect(result.ok && result.events.map((e) => e.type)).toEqual(["stage-ended"]);
    expect(rec.proposal().implementation).toBeNull();
  });

  it("records nothing on a decision that was done before the delegation carried", () => {
    const rec = carried();
    elect(rec, "d1", delegation());
    voted(rec, "d2", delegation({ delegates: [d], start: t(8) }), 6);
    rec.run(completeImplementation(rec.proposal(), { actor: b }, t(7, 2)));
    const result = rec.advance(t(8, 1), "d2");
    expect(result.ok && result.events.map((e) => e.type)).toEqual(["stage-ended"]);
    expect(rec.proposal("d2").status).toBe("passed");
    expect(rec.proposal().implementation?.decision).toBe("d1");
  });

  it("replays the decision on its own (as `folkmoot verify` does)", () => {
    const rec = carried();
    elect(rec, "d1", delegation());
    rec.run(completeImplementation(rec.proposal(), { actor: b }, t(6)));
    const alone = replayProposal(rec.events, { proposal: "p1" });
    expect(alone?.status).toBe("done");
    expect(alone?.implementation).toEqual(rec.proposal().implementation);
    expect(alone?.ignored).toEqual([]);
  });
});

describe("drafting an implementation delegation", () => {
  const draft = (rec: Ledger, payload: unknown) => draftProposal(rec.body, { proposal: "d1", actor: a, kind: "delegation", title: "G", text: "G", payload }, t(3));

  it("names a carried decision waiting for its implementation", () => {
    const rec = carried();
    refused(draft(rec, delegation({ implements: "nope" })), "unknown-proposal");
    refused(draft(rec, delegation({ implements: "" })), "invalid-payload");
    expect(draft(rec, delegation()).ok).toBe(true);
    // Only implementation delegates implement a decision.
    refused(draft(rec, delegation({ role: "secretary" })), "invalid-payload");
  });
  it("refuses a decision not carried yet, or one that needs no work", () => {
    const rec = setup({});
    refused(draft(rec, delegation()), "unknown-proposal");
    const noWork = setup({ draft: { payload: { implementation: false } } });
    noWork.run(castVote(noWork.proposal(), { actor: a, choice: "agree" }, t(1, 1)));
    noWork.advance(t(2, 1));
    expect(noWork.proposal().status).toBe("passed");
    refused(draft(noWork, delegation()), "wrong-stage");
  });
});

describe("checking an election recorded on the decision", () => {
  /** p1 carried; d1 (its delegation, `payload`) carried at t(5, 1) without its election on p1. */
  function withoutElection(payload: unknown = delegation()): Ledger {
    const rec = carried();
    elect(rec, "d1", payload);
    // Drop what the body recorded on p1, to put a forged one in its place.
    const i = rec.events.findIndex((e) => e.type === "implementation-delegates-elected");
    if (i >= 0) rec.events.splice(i, 1);
    expect(rec.proposal().implementation).toBeNull();
    return rec;
  }
  const check = (rec: Ledger, event: ImplementationDelegatesElected) => checkProposalEvent(rec.proposal(event.proposal), event, { body: rec.body });

  it("accepts the very election the body records", () => {
    expect(check(withoutElection(), election())).toBeNull();
  });
  it("refuses a delegation of another role", () => {
    const rec = withoutElection(delegation({ role: "secretary", implements: undefined }));
    expect(check(rec, election())?.code).toBe("invalid-payload");
  });
  it("refuses a delegation for another decision", () => {
    const rec = carried();
    // p2, another carried policy; d1 implements p2, not p1.
    voted(rec, "p2", {}, 2, "policy");
    rec.advance(t(4, 1), "p2");
    expect(rec.proposal("p2").status).toBe("implementing");
    elect(rec, "d1", delegation({ implements: "p2" }), 5);
    expect(rec.proposal("p2").implementation?.decision).toBe("d1");
    expect(check(rec, election({ at: t(7, 1) }))?.code).toBe("invalid-payload");
  });
  it("refuses a delegation not carried, or not a delegation at all", () => {
    const rec = carried();
    voted(rec, "d1", delegation());
    expect(check(rec, election({ at: t(4, 2) }))?.code).toBe("not-ratified");
    expect(check(rec, election({ at: t(4, 2), by: "p1" }))?.code).toBe("unknown-proposal");
    expect(check(rec, election({ at: t(4, 2), by: "nope" }))?.code).toBe("unknown-proposal");
  });
  it("refuses other delegates, another mandate, another moment, or a member recording it", () => {
    const rec = withoutElection();
    expect(check(rec, election({ delegates: [b, d] }))?.code).toBe("invalid-input");
    expect(check(rec, election({ delegates: [c, b] }))?.code).toBe("invalid-input");
    expect(check(rec, election({ mandate: "Plant by June." }))?.code).toBe("invalid-input");
    expect(check(rec, election({ at: t(6) }))?.code).toBe("out-of-order");
    expect(check(rec, election({ actor: a }))?.code).toBe("not-ratified");
  });
  it("ignores a forged election in the record", () => {
    const rec = withoutElection();
    rec.events.push(election({ delegates: [d] }));
    expect(rec.proposal().implementation).toBeNull();
    expect(rec.proposal().ignored.map((x) => x.code)).toEqual(["invalid-input"]);
  });
});

describe("older records: delegates recorded by a member, without `by`", () => {
  const old = (extra: Record<string, unknown> = {}) =>
    ({ type: "implementation-delegates-elected", at: t(3), body: BODY, proposal: "p1", actor: a, delegates: [b, c], mandate: "Plant by May.", ...extra }) as GovernanceEvent;

  it("still replay exactly as before", () => {
    const rec = carried();
    rec.events.push(old());
    expect(rec.proposal().implementation).toEqual({ delegates: [b, c], mandate: "Plant by May.", decision: null, electedAt: t(3) });
    expect(rec.proposal().ignored).toEqual([]);
    rec.run(completeImplementation(rec.proposal(), { actor: c, report: "Planted." }, t(4)));
    expect(rec.proposal().status).toBe("done");
    expect(replayProposal(rec.events, { proposal: "p1" })?.status).toBe("done");
  });
  it("keep the decision they named", () => {
    const rec = carried();
    rec.events.push(old({ decision: "minutes-12" }));
    expect(rec.proposal().implementation?.decision).toBe("minutes-12");
  });
  it("are still checked as before: members only, distinct delegates, a mandate, a carried decision", () => {
    const rec = carried();
    const check = (e: GovernanceEvent) => checkProposalEvent(rec.proposal(), e as ImplementationDelegatesElected, { body: rec.body })?.code;
    expect(check(old({ delegates: ["x"] }))).toBe("invalid-candidate");
    expect(check(old({ actor: "x" }))).toBe("not-member");
    expect(check(old({ delegates: [] }))).toBe("invalid-input");
    expect(check(old({ mandate: "" }))).toBe("invalid-input");
    const open = setup({});
    expect(checkProposalEvent(open.proposal(), old({ at: t(1, 1) }) as ImplementationDelegatesElected, { body: open.body })?.code).toBe("wrong-stage");
  });
});

describe("reporting the work done", () => {
  it("an elected delegate acts under their mandate: not once recalled, nor after it ended", () => {
    const rec = carried();
    elect(rec, "d1", delegation({ end: t(20) }));
    // b is recalled (simple majority), effective at once.
    rec.run(draftProposal(rec.body, { proposal: "r1", actor: a, kind: "recall", title: "Recall b", text: "", payload: { delegate: b } }, t(6)));
    rec.run(tableProposal(rec.proposal("r1"), { actor: a, body: rec.body }, t(6)));
    rec.run(openVoting(rec.proposal("r1"), { actor: a, body: rec.body }, t(7)));
    rec.run(castVote(rec.proposal("r1"), { actor: a, choice: "agree" }, t(7, 1)));
    rec.advance(t(8, 1), "r1");
    refused(completeImplementation(rec.proposal(), { actor: b, body: rec.body }, t(9)), "mandate-revoked");
    refused(completeImplementation(rec.proposal(), { actor: c, body: rec.body }, t(21)), "mandate-expired");
    rec.run(completeImplementation(rec.proposal(), { actor: c, body: rec.body }, t(9)));
    expect(rec.proposal().status).toBe("done");
  });
});
