import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { replayBody } from "../../src/decisions/index.ts";
import { listReferrals } from "../../src/decisions/confederation/members.ts";
import { AP_JSON, eventually, startTestInstance, type TestInstance } from "../support/instance.ts";
import { confederationBylaws, createBody, createPeople, decide, membersOf, ratificationFor, ratifyAll, type People } from "../support/confederation.ts";

// A confederation that admits by decision: a body's Join is referred to the member bodies,
// and the body is admitted (Accept) only when they ratify it; refused (Reject), the body's
// own record says so.

let a: TestInstance;
let b: TestInstance;
let p: People;
const bodies: Record<string, string> = {};
const localId = (uri: string) => uri.split("/").at(-1)!;

beforeAll(async () => {
  [a, b] = await Promise.all([startTestInstance({ host: "127.0.0.46" }), startTestInstance({ host: "127.0.0.47" })]);
  p = await createPeople(a, ["alice", "bob", "dan", "erin", "fay", "gus"]);
  bodies.riverside = await createBody(a, { handle: "riverside", kind: "assembly", members: ["alice", "bob"] });
  bodies.hillside = await createBody(a, { handle: "hillside", kind: "assembly", members: ["dan", "erin"] });
  bodies.eastside = await createBody(a, { handle: "eastside", kind: "assembly", members: ["fay", "gus"] });
  // Riverside is a founding member; the valley council admits others by its members' decision.
  bodies.valley = await createBody(b, {
    handle: "valley",
    kind: "confederation",
    members: [bodies.riverside],
    bylaws: { ...confederationBylaws({ kind: "majority" }), admission: "by-decision" },
  });
}, 60_000);

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
});

describe("admission by the member bodies' decision", () => {
  it("a Join is referred to the members; ratified, the body is admitted; refused, its record says so", async () => {
    // Riverside confirms by its own decision (it is already a member, so the council answers
    // Accept); hillside and eastside ask to join. Decided at once, so the referrals run together.
    const joins = await Promise.all([
      decide(a, null, {
        body: "riverside",
        author: p.alice!,
        kind: "join",
        title: "Riverside confirms it is in the valley council",
        payload: { confederation: bodies.valley },
        votes: { [p.alice!]: "agree", [p.bob!]: "agree" },
      }),
      decide(a, null, {
        body: "hillside",
        author: p.dan!,
        kind: "join",
        title: "Hillside asks to join the valley council",
        payload: { confederation: bodies.valley },
        votes: { [p.dan!]: "agree", [p.erin!]: "agree" },
      }),
      decide(a, null, {
        body: "eastside",
        author: p.fay!,
        kind: "join",
        title: "Eastside asks to join the valley council",
        payload: { confederation: bodies.valley },
        votes: { [p.fay!]: "agree", [p.gus!]: "agree" },
      }),
    ]);
    expect(joins.map((j) => j.outcome)).toEqual(["passed", "passed", "passed"]);
    const referrals = await eventually(
      async () => {
        const list = await listReferrals(b.app, localId(bodies.valley!));
        return list.length === 2 ? list : null;
      },
      20_000,
      "two admission referrals",
    );
    const admitting: Record<string, string> = {};
    for (const r of referrals) {
      const doc = (await (await fetch(r.uri, { headers: { accept: AP_JSON } })).json()) as Record<string, unknown>;
      expect(doc).toMatchObject({ type: "Referral", proposer: bodies.valley, topic: "membership" });
      admitting[doc.admit as string] = r.uri;
    }
    expect(Object.keys(admitting).sort()).toEqual([bodies.eastside, bodies.hillside].sort());
    expect(await membersOf(b, "valley")).toEqual([bodies.riverside]);
    // Riverside (the only member body) admits hillside and refuses eastside.
    const forHillside = (await eventually(() => ratificationFor(a, "riverside", admitting[bodies.hillside!]!), 20_000, "riverside's ratification on hillside"))!;
    const forEastside = (await eventually(() => ratificationFor(a, "riverside", admitting[bodies.eastside!]!), 20_000, "riverside's ratification on eastside"))!;
    expect(
      await ratifyAll(null, [
        { inst: a, body: "riverside", proposal: forHillside.id, votes: { [p.alice!]: "agree", [p.bob!]: "agree" } },
        { inst: a, body: "riverside", proposal: forEastside.id, votes: { [p.alice!]: "disagree", [p.bob!]: "disagree" } },
      ]),
    ).toEqual(["passed", "rejected"]);
    await eventually(async () => ((await membersOf(b, "valley")).includes(bodies.hillside!) ? true : null), 60_000, "hillside admitted after the referral closes");
    const events = await b.app.db.selectFrom("governance_events").select("event").where("type", "=", "member-body-admitted").execute();
    expect(events.map((e) => JSON.parse(e.event) as { actor: string; referral?: string })).toEqual([
      expect.objectContaining({ actor: bodies.hillside, referral: admitting[bodies.hillside!] }),
    ]);
    expect((await membersOf(b, "valley")).sort()).toEqual([bodies.hillside, bodies.riverside].sort());
    // The Reject reaches eastside: its own record says the council refused it, with the reason.
    const refused = await eventually(
      async () => {
        const rows = await a.app.db.selectFrom("governance_events").select(["body_id", "event"]).where("type", "=", "join-refused").execute();
        return rows.length > 0 ? rows : null;
      },
      30_000,
      "eastside records the refusal",
    );
    expect(refused.map((r) => r.body_id)).toEqual([localId(bodies.eastside!)]);
    expect(JSON.parse(refused[0]!.event)).toMatchObject({ actor: bodies.valley, reason: expect.stringMatching(/ratif/i) });
    expect([...(await replayBody(a.app, localId(bodies.eastside!)))!.confederations]).toEqual([]);
    expect([...(await replayBody(a.app, localId(bodies.hillside!)))!.confederations]).toEqual([bodies.valley]);
    expect([...(await replayBody(a.app, localId(bodies.riverside!)))!.confederations]).toEqual([bodies.valley]);
    // Riverside's weight was refreshed from its actor when its verdicts arrived: 2 people.
    const weight = await b.app.db.selectFrom("memberships").select("member_count").where("member_uri", "=", bodies.riverside!).executeTakeFirstOrThrow();
    expect(weight.member_count).toBe(2);
  }, 150_000);
});
