import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listReferrals } from "../../src/federation/confederation.ts";
import { AP_JSON, eventually, startTestInstance, type TestInstance } from "../support/instance.ts";
import { confederationBylaws, createBody, createPeople, decide, membersOf, ratificationFor, ratifyAll, type People } from "../support/confederation.ts";

// A confederation that admits by decision: a body's Join is referred to the member bodies,
// and the body is admitted (Accept) only when they ratify it.

let a: TestInstance;
let b: TestInstance;
let p: People;
const bodies: Record<string, string> = {};
const localId = (uri: string) => uri.split("/").at(-1)!;

beforeAll(async () => {
  [a, b] = await Promise.all([startTestInstance({ host: "127.0.0.46" }), startTestInstance({ host: "127.0.0.47" })]);
  p = await createPeople(a, ["alice", "bob", "dan", "erin"]);
  bodies.riverside = await createBody(a, { handle: "riverside", kind: "assembly", members: ["alice", "bob"] });
  bodies.hillside = await createBody(a, { handle: "hillside", kind: "assembly", members: ["dan", "erin"] });
  // Riverside is a founding member; the valley council admits others by its members' decision.
  bodies.valley = await createBody(b, { handle: "valley", kind: "confederation", members: [bodies.riverside], bylaws: { ...confederationBylaws({ kind: "majority" }), admission: "by-decision" } });
}, 60_000);

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
});

describe("admission by the member bodies' decision", () => {
  it("a Join is referred to the members; ratified, the body is admitted", async () => {
    // Riverside's own record says it joined (the council, where it is already a member, answers Reject).
    expect((await decide(a, null, { body: "riverside", author: p.alice!, kind: "join", title: "Riverside confirms it is in the valley council", payload: { confederation: bodies.valley }, votes: { [p.alice!]: "agree", [p.bob!]: "agree" } })).outcome).toBe("passed");
    expect((await decide(a, null, { body: "hillside", author: p.dan!, kind: "join", title: "Hillside asks to join the valley council", payload: { confederation: bodies.valley }, votes: { [p.dan!]: "agree", [p.erin!]: "agree" } })).outcome).toBe("passed");
    const admission = await eventually(async () => (await listReferrals(b.app, localId(bodies.valley!)))[0], 20_000, "the admission referral");
    const doc = (await (await fetch(admission.uri, { headers: { accept: AP_JSON } })).json()) as Record<string, unknown>;
    expect(doc).toMatchObject({ type: "Referral", admit: bodies.hillside, proposer: bodies.valley, topic: "membership" });
    expect(await membersOf(b, "valley")).toEqual([bodies.riverside]);
    const r = (await eventually(() => ratificationFor(a, "riverside", admission.uri), 20_000, "riverside's ratification"))!;
    expect(await ratifyAll(null, [{ inst: a, body: "riverside", proposal: r.id, votes: { [p.alice!]: "agree", [p.bob!]: "agree" } }])).toEqual(["passed"]);
    await eventually(async () => ((await membersOf(b, "valley")).includes(bodies.hillside!) ? true : null), 60_000, "hillside admitted after the referral closes");
    const events = await b.app.db.selectFrom("governance_events").select("event").where("type", "=", "member-body-admitted").execute();
    expect(events.map((e) => JSON.parse(e.event) as { actor: string; referral?: string })).toEqual([expect.objectContaining({ actor: bodies.hillside, referral: admission.uri })]);
  }, 120_000);
});
