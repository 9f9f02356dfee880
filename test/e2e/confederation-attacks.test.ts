import { createServer, type Server } from "node:http";
import { Add, Leave, Reject } from "@fedify/vocab";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runVerify } from "../../src/cli/verify-command.ts";
import { findActorByHandle } from "../../src/community/actors.ts";
import { replayBody, runDueDeadlines } from "../../src/decisions/index.ts";
import { newProposalId } from "../../src/decisions/ids.ts";
import { runOnBody, type Step } from "../../src/decisions/run.ts";
import { listReferrals } from "../../src/decisions/confederation/members.ts";
import { sendConfederalOffer, tableConfederalProposal } from "../../src/federation/outbox/tabling.ts";
import { documentSigningKey } from "../../src/community/keys.ts";
import { mandateUrl } from "../../src/federation/mandates.ts";
import { recordActivity } from "../../src/community/outbox.ts";
import { activityUri, actorUri, inboxUri, proposalUri } from "../../src/shared/uris.ts";
import { applyBodyEvent, draftProposal, tableProposal } from "../../src/governance/index.ts";
import { signDocument } from "../../src/proofs/integrity.ts";
import { createKeyFetcher } from "../../src/proofs/key-fetcher.ts";
import { verifyReferral } from "../../src/verify/index.ts";
import { AP_JSON, eventually, startTestInstance, type TestInstance } from "../support/instance.ts";
import { quiesce } from "../support/quiesce.ts";
import { confederationBylaws, createBody, createPeople, decide, electDelegate, membersOf, ratificationFor, ratifyAll, settle, type People } from "../support/confederation.ts";

// Each attack on a confederation is refused with no effect: a verdict from a body that is
// not a member, an act outside or after a mandate, a forged mandate, a replayed verdict, a
// verdict after the deadline, a verdict from a body that left during the referral, and a
// published tally that counts a body that did not ratify (caught by `folkmoot verify`),
// and a refusal of a body's Join sent by a confederation it did not ask.

let a: TestInstance;
let b: TestInstance;
let forger: Server;
let forgerUrl: string;
const forged = new Map<string, unknown>();
let p: People;
const bodies: Record<string, string> = {};
const localId = (uri: string) => uri.split("/").at(-1)!;

async function getJson(url: string): Promise<Record<string, any>> {
  return (await (await fetch(url, { headers: { accept: AP_JSON } })).json()) as Record<string, any>;
}

/** The town council's events of one type (its record). */
async function townEvents(type: string): Promise<Record<string, any>[]> {
  const rows = await b.app.db.selectFrom("governance_events").select("event").where("body_id", "=", localId(bodies.town!)).where("type", "=", type).execute();
  return rows.map((r) => JSON.parse(r.event) as Record<string, any>);
}

/** How many `Add` activities (verdicts) the council has taken in from a body. */
async function addsFrom(body: string): Promise<number> {
  return (await b.app.db.selectFrom("inbox_log").select("activity_uri").where("actor_uri", "=", body).where("type", "=", "Add").execute()).length;
}

/** Waits until the council has taken in (or thrown out) an activity, and whatever it caused is done. */
async function processed(activityId: string): Promise<void> {
  await eventually(() => b.app.db.selectFrom("inbox_log").select("activity_uri").where("activity_uri", "=", activityId).executeTakeFirst(), 20_000, `${activityId} processed`);
  await quiesce([a, b]);
}

/** A referral opened by Bob, the riverside delegate, in `conf`; its URI once the council has it. */
async function referral(conf: string, title: string, mandate: string): Promise<string> {
  const before = new Set((await listReferrals(b.app, localId(bodies[conf]!))).map((r) => r.uri));
  const tabled = await tableConfederalProposal(a.app, localId(p.bob!), { confederation: bodies[conf]!, title, text: title, mandate });
  expect(tabled).toMatchObject({ ok: true });
  const opened = await eventually(async () => (await listReferrals(b.app, localId(bodies[conf]!))).find((r) => !before.has(r.uri)), 20_000, `${title} referred`);
  return opened.uri;
}

/** Sends an activity from a local body of instance A as its instance would (signed, through the outbox). */
async function sendFromA(bodyHandle: string, activity: Add | Leave, to: string): Promise<string> {
  const body = await findActorByHandle(a.app, bodyHandle);
  await a.app.db.transaction().execute((trx) =>
    recordActivity(trx, {
      actorId: body!.id,
      activity,
      recipients: { followers: false, actors: [{ id: to, inbox: inboxUri(b.app.config.publicOrigin, localId(to)).href }], includeLocal: true },
      isPublic: false,
    }),
  );
  a.app.deliveries.kick();
  return activity.id!.href;
}

/** Sends an activity from a body on B (the councils' instance) to a body on A. */
async function sendFromB(bodyHandle: string, activity: Reject, to: string): Promise<string> {
  const body = await findActorByHandle(b.app, bodyHandle);
  await b.app.db.transaction().execute((trx) =>
    recordActivity(trx, {
      actorId: body!.id,
      activity,
      recipients: { followers: false, actors: [{ id: to, inbox: inboxUri(a.app.config.publicOrigin, localId(to)).href }], includeLocal: true },
      isPublic: false,
    }),
  );
  b.app.deliveries.kick();
  return activity.id!.href;
}

let mandate: string;

beforeAll(async () => {
  [a, b] = await Promise.all([startTestInstance({ host: "127.0.0.43" }), startTestInstance({ host: "127.0.0.44" })]);
  forger = createServer((req, res) => {
    const doc = forged.get(`${forgerUrl}${req.url}`);
    res.writeHead(doc ? 200 : 404, { "content-type": "application/activity+json" }).end(JSON.stringify(doc ?? {}));
  });
  await new Promise<void>((r) => forger.listen(0, "127.0.0.45", r));
  forgerUrl = `http://127.0.0.45:${(forger.address() as { port: number }).port}`;

  p = await createPeople(a, ["alice", "bob", "carol", "dan", "erin", "mal"]);
  bodies.riverside = await createBody(a, { handle: "riverside", kind: "assembly", members: ["alice", "bob", "carol"] });
  bodies.hillside = await createBody(a, { handle: "hillside", kind: "assembly", members: ["dan", "erin"] });
  bodies.shadow = await createBody(a, { handle: "shadow", kind: "assembly", members: ["mal"] });
  bodies.town = await createBody(b, { handle: "town", kind: "confederation", bylaws: confederationBylaws({ kind: "majority" }) });
  // A council whose referrals close 10 s after they open.
  bodies.quick = await createBody(b, { handle: "quick", kind: "confederation", bylaws: confederationBylaws({ kind: "majority" }, { voting: "PT9S" }) });
  const join = (body: string, author: string, votes: string[], conf: string) =>
    decide(a, null, {
      body,
      author,
      kind: "join",
      title: `${body} joins ${conf}`,
      payload: { confederation: bodies[conf] },
      votes: Object.fromEntries(votes.map((v) => [v, "agree"])),
    });
  await Promise.all([
    join("riverside", p.alice!, [p.alice!, p.bob!], "town").then(() => join("riverside", p.alice!, [p.alice!, p.bob!], "quick")),
    join("hillside", p.dan!, [p.dan!, p.erin!], "town").then(() => join("hillside", p.dan!, [p.dan!, p.erin!], "quick")),
  ]);
  await eventually(async () => ((await membersOf(b, "town")).length === 2 && (await membersOf(b, "quick")).length === 2 ? true : null), 20_000, "members admitted");
  const start = new Date(Date.now() - 60_000).toISOString();
  const end = new Date(Date.now() + 30 * 86_400_000).toISOString();
  const bobFor = (confederation: string, title: string) =>
    electDelegate(a, null, {
      body: "riverside",
      author: p.alice!,
      delegate: p.bob!,
      confederation,
      title,
      scope: "Table proposals",
      instructions: "Report back",
      covers: ["confederal"],
      start,
      end,
      votes: { [p.alice!]: "agree", [p.carol!]: "agree" },
    });
  mandate = (await bobFor(bodies.town!, "Bob is our delegate")).mandate;
  mandates.quick = (await bobFor(bodies.quick!, "Bob is our delegate to the quick council")).mandate;
  mandates.erin = (
    await electDelegate(a, null, {
      body: "hillside",
      author: p.dan!,
      delegate: p.erin!,
      confederation: bodies.town!,
      title: "Erin may table water proposals",
      scope: "Water only",
      instructions: "Nothing else",
      covers: ["water"],
      start,
      end,
      votes: { [p.dan!]: "agree", [p.erin!]: "agree" },
    })
  ).mandate;
}, 180_000);

const mandates: Record<string, string> = {};

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop(), new Promise((r) => forger?.close(r))]);
});

describe("attacks on a confederation, each refused with no effect", () => {
  let open: string;

  it("a verdict signed by a body that is not a member", async () => {
    open = await referral("town", "A shared tool library", mandate);
    // Shadow (not a member) decides a ratification of the referral anyway; its instance sends the signed verdict.
    const shadow = (await findActorByHandle(a.app, "shadow"))!;
    const proposal = proposalUri(a.app.config.publicOrigin, newProposalId()).href;
    const made = await runOnBody(a.app, shadow, {}, ({ body: s, now }): Step<true> => {
      const drafted = draftProposal(
        s!,
        { proposal, actor: s!.id, kind: "ratification", title: "Ratify?", text: "", payload: { confederation: bodies.town, referral: open, proposalUri: open } },
        now,
      );
      if (!drafted.ok) return { command: drafted, value: () => true };
      const after = drafted.events.reduce((st, e) => applyBodyEvent(st, e), s);
      const tabled = tableProposal(after!.proposals.get(proposal)!, { actor: s!.id, body: after! }, now);
      return { command: tabled.ok ? { ok: true, events: [...drafted.events, ...tabled.events], effects: [] } : tabled, value: () => true };
    });
    expect(made.ok).toBe(true);
    const id = proposal.split("/").at(-1)!;
    expect(await ratifyAll(null, [{ inst: a, body: "shadow", proposal: id, votes: { [p.mal!]: "agree" } }])).toEqual(["passed"]);
    // Its verdict is served, signed, and sent; the council refuses it.
    const verdict = await getJson(`${proposal}/verdict`);
    expect(verdict).toMatchObject({ type: "Verdict", attributedTo: bodies.shadow, referral: open, verdict: "ratify" });
    await eventually(
      async () => (await b.app.db.selectFrom("inbox_log").select("activity_uri").where("actor_uri", "=", bodies.shadow!).where("type", "=", "Add").executeTakeFirst()) ?? null,
      20_000,
      "the verdict delivered",
    );
    await quiesce([a, b]);
    expect((await townEvents("verdict-received")).filter((e) => e.actor === bodies.shadow)).toEqual([]);
    expect((await getJson(open)).verdicts.filter((v: { body: string }) => v.body === bodies.shadow)).toEqual([]);
  }, 60_000);

  it("an act outside the mandate: a topic it does not cover", async () => {
    const before = (await listReferrals(b.app, localId(bodies.town!))).length;
    const url = mandateUrl(a.app.config.publicOrigin, mandates.erin!).href;
    const sent = await sendConfederalOffer(a.app, localId(p.erin!), { confederation: bodies.town!, title: "Housing", text: "…", topic: "housing", mandateUrl: url });
    expect(sent.ok).toBe(true);
    await processed(sent.ok ? sent.value.activity : "");
    expect((await listReferrals(b.app, localId(bodies.town!))).length).toBe(before);
    // The topic it covers is accepted.
    const ok = await sendConfederalOffer(a.app, localId(p.erin!), { confederation: bodies.town!, title: "Water", text: "…", topic: "water", mandateUrl: url });
    await processed(ok.ok ? ok.value.activity : "");
    expect((await listReferrals(b.app, localId(bodies.town!))).length).toBe(before + 1);
  }, 60_000);

  it("a forged mandate", async () => {
    const before = (await listReferrals(b.app, localId(bodies.town!))).length;
    // A copy of Bob's real, signed mandate, widened and served from elsewhere: its proof no longer holds.
    const real = await getJson(mandateUrl(a.app.config.publicOrigin, mandate).href);
    const fake = `${forgerUrl}/mandates/1`;
    forged.set(fake, { ...real, id: fake, covers: ["confederal", "anything"] });
    const sent = await sendConfederalOffer(a.app, localId(p.erin!), { confederation: bodies.town!, title: "Forged", text: "…", mandateUrl: fake });
    await processed(sent.ok ? sent.value.activity : "");
    // And one signed by the forger's own body (shadow) but naming riverside as the giver.
    const key = await documentSigningKey(a.app.db, localId(bodies.shadow!), actorUri(a.app.config.publicOrigin, localId(bodies.shadow!)));
    const fake2 = `${forgerUrl}/mandates/2`;
    const { proof: _proof, ...unsigned } = real;
    forged.set(fake2, await signDocument({ ...unsigned, id: fake2, delegate: p.erin, attributedTo: bodies.riverside }, key!.privateKey, key!.keyId));
    const sent2 = await sendConfederalOffer(a.app, localId(p.erin!), { confederation: bodies.town!, title: "Forged 2", text: "…", mandateUrl: fake2 });
    await processed(sent2.ok ? sent2.value.activity : "");
    expect((await listReferrals(b.app, localId(bodies.town!))).length).toBe(before);
  }, 60_000);

  it("a replayed verdict; a verdict from a body that left during the referral", async () => {
    open = await referral("town", "A shared seed bank", mandate);
    const r = (await eventually(() => ratificationFor(a, "riverside", open), 20_000, "riverside's ratification"))!;
    const h = (await eventually(() => ratificationFor(a, "hillside", open), 20_000, "hillside's ratification"))!;
    await settle(a, "riverside", r.id, (s) => s === "voting", "riverside voting");
    await settle(a, "hillside", h.id, (s) => s === "voting", "hillside voting");
    const hillsideAdds = await addsFrom(bodies.hillside!);
    // Hillside leaves the council (its Leave arrives) while the referral is open.
    const leave = await sendFromA(
      "hillside",
      new Leave({ id: activityUri(a.app.config.publicOrigin), actor: new URL(bodies.hillside!), object: new URL(bodies.town!), to: new URL(bodies.town!) }),
      bodies.town!,
    );
    await processed(leave);
    expect(await membersOf(b, "town")).toEqual([bodies.riverside]);
    expect(
      await ratifyAll(null, [
        { inst: a, body: "riverside", proposal: r.id, votes: { [p.alice!]: "agree", [p.bob!]: "agree" } },
        { inst: a, body: "hillside", proposal: h.id, votes: { [p.dan!]: "agree", [p.erin!]: "agree" } },
      ]),
    ).toEqual(["passed", "passed"]);
    await eventually(async () => ((await getJson(open)).verdicts.length === 1 ? true : null), 20_000, "riverside's verdict counted");
    const counted = async () => (await townEvents("verdict-received")).filter((e) => e.referral === open).map((e) => e.actor);
    // Hillside's verdict arrived too, and was refused.
    await eventually(async () => ((await addsFrom(bodies.hillside!)) > hillsideAdds ? true : null), 20_000, "hillside's verdict delivered");
    await quiesce([a, b]);
    expect(await counted()).toEqual([bodies.riverside]);
    // Riverside's verdict sent again, in a new activity: the first one counts.
    const replay = await sendFromA(
      "riverside",
      new Add({
        id: activityUri(a.app.config.publicOrigin),
        actor: new URL(bodies.riverside!),
        object: new URL(`${r.uri}/verdict`),
        target: new URL(open),
        to: new URL(bodies.town!),
      }),
      bodies.town!,
    );
    await processed(replay);
    expect(await counted()).toEqual([bodies.riverside]);
    const doc = await eventually(
      async () => {
        await runDueDeadlines(b.app);
        const d = await getJson(open);
        return d.status === "closed" ? d : null;
      },
      60_000,
      "the referral closes",
    );
    expect(doc.left).toEqual([bodies.hillside]);
    expect(doc.tally).toMatchObject({ outcome: "ratified", ratifiedBy: [bodies.riverside], bound: [bodies.riverside] });
  }, 120_000);

  it("a verdict after the deadline", async () => {
    const late = await referral("quick", "Late for the quick council", mandates.quick!);
    const r = (await eventually(() => ratificationFor(a, "riverside", late), 20_000, "riverside's ratification"))!;
    // Riverside's instance loses the council's address for a while: its verdict is not sent in time.
    const forgotten = await a.app.db.selectFrom("remote_actors").selectAll().where("uri", "=", bodies.quick!).executeTakeFirstOrThrow();
    await a.app.db.deleteFrom("remote_actors").where("uri", "=", bodies.quick!).execute();
    expect(await ratifyAll(null, [{ inst: a, body: "riverside", proposal: r.id, votes: { [p.alice!]: "agree", [p.bob!]: "agree" } }])).toEqual(["passed"]);
    const closed = await eventually(
      async () => {
        await runDueDeadlines(b.app);
        const d = await getJson(late);
        return d.status === "closed" ? d : null;
      },
      60_000,
      "the quick referral closes",
    );
    expect(closed.verdicts.filter((v: { body: string }) => v.body === bodies.riverside)).toEqual([]);
    // Now it is sent, after the deadline: refused.
    await a.app.db.insertInto("remote_actors").values(forgotten).execute();
    const sent = await sendFromA(
      "riverside",
      new Add({
        id: activityUri(a.app.config.publicOrigin),
        actor: new URL(bodies.riverside!),
        object: new URL(`${r.uri}/verdict`),
        target: new URL(late),
        to: new URL(bodies.quick!),
      }),
      bodies.quick!,
    );
    await processed(sent);
    expect((await getJson(`${r.uri}/verdict`)).verdict).toBe("ratify");
    const doc = await getJson(late);
    expect(doc.verdicts.filter((v: { body: string }) => v.body === bodies.riverside)).toEqual([]);
    expect(doc.tally.ratifiedBy).toEqual([]);
    expect(doc.tally.outcome).toBe("not-ratified");
  }, 60_000);

  it("a Reject of a body's Join sent by another confederation", async () => {
    // Riverside's Join went to the town council; the quick council (same instance, its own
    // key) claims to refuse it. Only the council the Join was sent to can refuse it.
    const riverside = localId(bodies.riverside!);
    const join = await a.app.db
      .selectFrom("activities")
      .select("uri")
      .where("actor_id", "=", riverside)
      .where("type", "=", "Join")
      .where("object_uri", "=", bodies.town!)
      .executeTakeFirstOrThrow();
    const forgedRefusal = await sendFromB(
      "quick",
      new Reject({ id: activityUri(b.app.config.publicOrigin), actor: new URL(bodies.quick!), object: new URL(join.uri), to: new URL(bodies.riverside!), summary: "you are out" }),
      bodies.riverside!,
    );
    await eventually(
      () => a.app.db.selectFrom("inbox_log").select("activity_uri").where("activity_uri", "=", forgedRefusal).executeTakeFirst(),
      20_000,
      "the forged refusal taken in",
    );
    expect(await a.app.db.selectFrom("governance_events").select("event").where("type", "=", "join-refused").execute()).toEqual([]);
    expect([...(await replayBody(a.app, riverside))!.confederations].sort()).toEqual([bodies.quick, bodies.town].sort());
  }, 60_000);

  it("a published tally that counts a body that did not ratify is caught by verify", async () => {
    const honest = await runVerify(open, { allowPrivateAddress: true, depth: 1 });
    expect(honest.checks.filter((c) => !c.ok)).toEqual([]);
    expect(honest.ok).toBe(true);
    // The council re-signs its referral claiming hillside (which left) ratified too.
    const doc = await getJson(open);
    const { proof: _p, ...unsigned } = doc;
    const key = await documentSigningKey(b.app.db, localId(bodies.town!), new URL(bodies.town!));
    const lie = await signDocument(
      {
        ...unsigned,
        tally: { ...doc.tally, counts: { ...doc.tally.counts, ratify: 2 }, ratifiedBy: [bodies.riverside, bodies.hillside], bound: [bodies.riverside, bodies.hillside] },
      },
      key!.privateKey,
      key!.keyId,
    );
    const ctx = a.app.federation.createContext(a.app.config.publicOrigin, a.app);
    const fetchJson = async (url: string) => getJson(url).catch(() => null);
    const checked = await verifyReferral(lie, open, { fetchJson, fetchKey: createKeyFetcher(ctx) }, { depth: 0 });
    expect(checked.ok).toBe(false);
    expect(checked.checks.find((c) => c.name === "signature")?.ok).toBe(true);
    expect(checked.checks.find((c) => c.name === "tally")).toMatchObject({ ok: false });
  }, 60_000);
});
