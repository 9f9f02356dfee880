import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listReferrals } from "../../src/decisions/confederation/members.ts";
import { tableConfederalProposal } from "../../src/federation/outbox/tabling.ts";
import { runDueDeadlines } from "../../src/decisions/index.ts";
import { AP_JSON, eventually, startTestInstance, type TestInstance } from "../support/instance.ts";
import { quiesce } from "../support/quiesce.ts";
import { confederationBylaws, createBody, createPeople, decide, ForwardClock, membersOf, ratificationFor, ratifyAll, type People } from "../support/confederation.ts";

// Two instances: riverside and hillside assemblies on one, millbrook and the town
// council (a confederation) on the other. Bodies join by their own decision; a delegate
// with a mandate tables a confederal proposal; every assembly decides it by its own vote;
// signed verdicts are tallied by the council's rule; a recall reaches the council.

let a: TestInstance;
let b: TestInstance;
let pa: People;
let pb: People;
const clock = new ForwardClock();
const bodies: Record<string, string> = {};
const localId = (uri: string) => uri.split("/").at(-1)!;

beforeAll(async () => {
  [a, b] = await Promise.all([startTestInstance({ host: "127.0.0.41" }), startTestInstance({ host: "127.0.0.42" })]);
  pa = await createPeople(a, ["alice", "bob", "carol", "dan", "erin"]);
  pb = await createPeople(b, ["fay", "gus", "hal"]);
  bodies.riverside = await createBody(a, { handle: "riverside", kind: "assembly", members: ["alice", "bob", "carol"] });
  bodies.hillside = await createBody(a, { handle: "hillside", kind: "assembly", members: ["dan", "erin"] });
  bodies.millbrook = await createBody(b, { handle: "millbrook", kind: "assembly", members: ["fay", "gus", "hal"] });
  bodies.town = await createBody(b, { handle: "town", kind: "confederation", bylaws: confederationBylaws({ kind: "majority" }) });
}, 60_000);

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
});

describe("a confederation across two instances", () => {
  it("bodies join by their own decision; the council admits them (open admission)", async () => {
    const join = (inst: TestInstance, body: string, author: string, votes: Record<string, "agree">) =>
      decide(inst, clock, { body, author, kind: "join", title: `${body} joins the town council`, payload: { confederation: bodies.town }, votes });
    expect((await join(a, "riverside", pa.alice!, { [pa.alice!]: "agree", [pa.bob!]: "agree" })).outcome).toBe("passed");
    expect((await join(a, "hillside", pa.dan!, { [pa.dan!]: "agree", [pa.erin!]: "agree" })).outcome).toBe("passed");
    expect((await join(b, "millbrook", pb.fay!, { [pb.fay!]: "agree", [pb.gus!]: "agree" })).outcome).toBe("passed");
    const members = await eventually(
      async () => {
        const m = await membersOf(b, "town");
        return m.length === 3 ? m : null;
      },
      20_000,
      "three member bodies",
    );
    expect(new Set(members)).toEqual(new Set([bodies.riverside, bodies.hillside, bodies.millbrook]));
  }, 120_000);

  let mandate: string;
  let referral: string;

  it("a delegate elected with a mandate tables a confederal proposal; it is referred to every member body", async () => {
    const start = new Date(Date.now() - 60_000).toISOString();
    const end = new Date(clock.now().getTime() + 30 * 86_400_000).toISOString();
    const elected = await decide(a, clock, {
      body: "riverside",
      author: pa.alice!,
      kind: "delegation",
      title: "Bob is our delegate to the town council",
      payload: {
        role: "confederal-delegate",
        delegates: [pa.bob!],
        mandate: { scope: "Table our commons proposals", instructions: "Report back each week", covers: ["confederal"] },
        start,
        end,
        confederation: bodies.town,
      },
      votes: { [pa.alice!]: "agree", [pa.carol!]: "agree" },
    });
    expect(elected.outcome).toBe("passed");
    mandate = `${elected.uri}#mandate:${pa.bob}`;
    const tabled = await tableConfederalProposal(a.app, localId(pa.bob!), {
      confederation: bodies.town!,
      title: "A shared tool library",
      text: "Each assembly hosts one shelf.",
      topic: "commons",
      mandate,
    });
    expect(tabled).toMatchObject({ ok: true });
    const town = await eventually(async () => (await listReferrals(b.app, localId(bodies.town!)))[0], 20_000, "the referral opens");
    referral = town.uri;
    const doc = (await (await fetch(referral, { headers: { accept: AP_JSON } })).json()) as Record<string, unknown>;
    expect(doc).toMatchObject({ type: "Referral", attributedTo: bodies.town, proposer: pa.bob, status: "open" });
    expect((doc.mandate as Record<string, unknown>).type).toBe("Mandate");
    expect((doc.bodies as unknown[]).length).toBe(3);
    // Each member body puts a ratification before its members.
    for (const [inst, handle] of [
      [a, "riverside"],
      [a, "hillside"],
      [b, "millbrook"],
    ] as const) {
      await eventually(() => ratificationFor(inst, handle, referral), 20_000, `${handle}'s ratification`);
    }
  }, 120_000);

  it("each assembly decides by its own vote; signed verdicts are tallied by the council's rule", async () => {
    const r = (await ratificationFor(a, "riverside", referral))!;
    const h = (await ratificationFor(a, "hillside", referral))!;
    const m = (await ratificationFor(b, "millbrook", referral))!;
    const outcomes = await ratifyAll(clock, [
      { inst: a, body: "riverside", proposal: r.id, votes: { [pa.alice!]: "agree", [pa.bob!]: "agree", [pa.carol!]: "disagree" } },
      { inst: a, body: "hillside", proposal: h.id, votes: { [pa.dan!]: "disagree", [pa.erin!]: "disagree" } },
      { inst: b, body: "millbrook", proposal: m.id, votes: { [pb.fay!]: "agree", [pb.gus!]: "agree" } },
    ]);
    expect(outcomes).toEqual(["passed", "rejected", "passed"]);
    await eventually(
      async () => {
        const doc = (await (await fetch(referral, { headers: { accept: AP_JSON } })).json()) as { verdicts: unknown[] };
        return doc.verdicts.length === 3 ? doc : null;
      },
      20_000,
      "three verdicts",
    );
    const closed = await eventually(
      async () => {
        await runDueDeadlines(b.app);
        const doc = (await (await fetch(referral, { headers: { accept: AP_JSON } })).json()) as Record<string, any>;
        return doc.status === "closed" ? doc : null;
      },
      60_000,
      "the referral closes at its deadline",
    );
    expect(closed.status).toBe("closed");
    expect(closed.tally.outcome).toBe("ratified");
    expect(new Set(closed.tally.ratifiedBy)).toEqual(new Set([bodies.riverside, bodies.millbrook]));
    expect(closed.tally.rejectedBy).toEqual([bodies.hillside]);
    expect(new Set(closed.tally.bound)).toEqual(new Set([bodies.riverside, bodies.millbrook]));
    for (const v of closed.verdicts) expect(v.document.proof.cryptosuite).toBe("eddsa-jcs-2022");
  }, 120_000);

  it("a member body tables a confederal proposal by its own decision", async () => {
    const before = (await listReferrals(b.app, localId(bodies.town!))).length;
    const carried = await decide(b, null, {
      body: "millbrook",
      author: pb.fay!,
      kind: "confederal",
      title: "Millbrook asks the council about night buses",
      payload: { confederation: bodies.town, title: "Night buses", text: "Run a night bus between the three neighbourhoods.", topic: "transport" },
      votes: { [pb.fay!]: "agree", [pb.gus!]: "agree" },
    });
    expect(carried.outcome).toBe("passed");
    const opened = await eventually(
      async () => {
        const list = await listReferrals(b.app, localId(bodies.town!));
        return list.length > before ? list[0] : null;
      },
      20_000,
      "the council refers it",
    );
    const doc = (await (await fetch(opened!.uri, { headers: { accept: AP_JSON } })).json()) as Record<string, unknown>;
    expect(doc).toMatchObject({
      type: "Referral",
      name: "Night buses",
      content: "Run a night bus between the three neighbourhoods.",
      topic: "transport",
      proposer: bodies.millbrook,
    });
    expect(doc.mandate).toBeUndefined();
  }, 120_000);

  it("a recall revokes the mandate at the council; the recalled delegate's acts are refused there", async () => {
    const recalled = await decide(a, clock, {
      body: "riverside",
      author: pa.carol!,
      kind: "recall",
      title: "Recall Bob",
      payload: { delegate: pa.bob },
      votes: { [pa.alice!]: "agree", [pa.carol!]: "agree" },
    });
    expect(recalled.outcome).toBe("passed");
    // The council records the signed revocation.
    await eventually(
      async () => {
        const rows = await b.app.db.selectFrom("governance_events").select("event").where("type", "=", "mandate-revocation-received").execute();
        return rows.length > 0 ? rows : null;
      },
      20_000,
      "the revocation reaches the council",
    );
    const before = (await listReferrals(b.app, localId(bodies.town!))).length;
    // Bob's own instance refuses at once; a hostile instance that sends anyway is refused by the council.
    const refusedLocally = await tableConfederalProposal(a.app, localId(pa.bob!), { confederation: bodies.town!, title: "After recall", text: "…", topic: "commons", mandate });
    expect(refusedLocally.ok).toBe(false);
    const { sendConfederalOffer } = await import("../../src/federation/outbox/tabling.ts");
    const { mandateUrl } = await import("../../src/federation/mandates.ts");
    const sent = await sendConfederalOffer(a.app, localId(pa.bob!), {
      confederation: bodies.town!,
      title: "After recall",
      text: "…",
      topic: "commons",
      mandateUrl: mandateUrl(a.app.config.publicOrigin, mandate).href,
    });
    expect(sent.ok).toBe(true);
    await quiesce([a, b]);
    expect((await listReferrals(b.app, localId(bodies.town!))).length).toBe(before);
  }, 120_000);

  it("a body leaves by its own decision, at once", async () => {
    const left = await decide(a, clock, {
      body: "hillside",
      author: pa.dan!,
      kind: "leave",
      title: "Hillside leaves",
      payload: { confederation: bodies.town },
      votes: { [pa.dan!]: "agree", [pa.erin!]: "agree" },
    });
    expect(left.outcome).toBe("passed");
    await eventually(async () => ((await membersOf(b, "town")).includes(bodies.hillside!) ? null : true), 20_000, "hillside has left");
  }, 120_000);
});
