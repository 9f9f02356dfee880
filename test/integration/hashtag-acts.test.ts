import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { operations } from "../../src/cli/operations.ts";
import { draftProposal, foundBodyRecord, listProposals, readProposal, runDueDeadlines, tableProposal, vote } from "../../src/decisions/index.ts";
import { defaultBylaws, fraction } from "../../src/governance/index.ts";
import { foundAssemblyWithPeer } from "../support/peer-assembly.ts";
import { startMastodonPeer, type MastodonPeer, type ReceivedActivity } from "../support/mastodon-peer.ts";
import { mastodonStatus, type Mentioned } from "../support/mastodon-status.ts";
import { eventually, startTestInstance, type TestInstance } from "../support/instance.ts";
import { quiesce } from "../support/quiesce.ts";

// Every act of the process from a plain Mastodon account: the Mastodon-style peer's user
// replies to a proposal with hashtags (`#object #cost #dealbreaker …`), as Mastodon 4.x
// sends a status, and each act is recorded and answered by a mention from the body.

let a: TestInstance;
let peer: MastodonPeer;
let aliceUri: string;
let riverside: Mentioned;
let proposalId: string;
let proposalUri: string;

const AS = "https://www.w3.org/ns/activitystreams";

/** The peer's user posts `text` (mentioning the body) as a Mastodon 4.x status; resolves with the body's answer to it. */
async function post(text: string, inReplyTo: string | null, body: Mentioned = riverside, extra: Mentioned[] = []): Promise<ReceivedActivity> {
  const { activity, noteId } = mastodonStatus(peer, peer, { text: `@${body.acct} ${text}`, mentions: [body, ...extra], inReplyTo });
  expect((await peer.post(`${a.origin}/ap/inbox`, activity)).status).toBe(202);
  return peer.waitFor((r) => r.signatureValid && r.body?.type === "Create" && r.body.object?.type === "Note" && r.body.object.inReplyTo === noteId, 20_000);
}

/** The answer is a direct mention of the peer's user from the body, naming them by handle. */
function expectMention(answer: ReceivedActivity, body: Mentioned = riverside): string {
  const note = answer.body.object;
  expect(note.attributedTo).toBe(body.id);
  expect([note.to].flat()).toEqual([peer.actorId]);
  const tags = [note.tag].flat();
  expect(tags).toContainEqual(expect.objectContaining({ type: "Mention", href: peer.actorId, name: `@${peer.handle}` }));
  expect(note.content).toContain(`@${peer.handle}`);
  return note.content as string;
}

async function view() {
  const read = await readProposal(a.app, null, "riverside", proposalId);
  if (!read.ok) throw new Error(read.error.message);
  return read.value;
}

async function pastDeadline() {
  const next = (await view()).nextDeadline;
  expect(next).toBeTruthy();
  await runDueDeadlines(a.app, new Date(Date.parse(next!) + 1000));
  return view();
}

beforeAll(async () => {
  a = await startTestInstance({ host: "127.0.0.140" });
  peer = await startMastodonPeer({ host: "127.0.0.141" });
  const founded = await foundAssemblyWithPeer(a.app, peer);
  aliceUri = founded.aliceUri;
  riverside = { id: founded.bodyUri, acct: `riverside@${new URL(a.origin).host}` };
  expect((await peer.post(`${founded.bodyUri}/inbox`, { "@context": AS, id: peer.newId(), type: "Follow", actor: peer.actorId, object: founded.bodyUri })).status).toBe(202);
  await peer.waitFor((r) => r.body?.type === "Accept" && r.signatureValid, 20_000);
});

afterAll(async () => {
  await peer?.close();
  await a?.stop();
});

describe("graduated consensus by hashtag replies", () => {
  it("refuses an objection outside the objection stage, with a mention saying why", async () => {
    const drafted = await draftProposal(a.app, aliceUri, "riverside", { kind: "policy", title: "Mend the footbridge", text: "New planks.", rule: { kind: "graduated-consensus" } });
    if (!drafted.ok) throw new Error(drafted.error.message);
    proposalId = drafted.value.id;
    proposalUri = drafted.value.uri;
    expect((await tableProposal(a.app, aliceUri, "riverside", proposalId)).ok).toBe(true);
    const answer = await post("#object #cost #dealbreaker Too dear.", proposalUri);
    expect(expectMention(answer)).toMatch(/not taken as an act: the proposal is in deliberation, not objections/);
    expect((await view()).view.graduated?.objections ?? []).toEqual([]);
  });

  it("counts a vote with its reason, and confirms it", async () => {
    // Deliberation lasts a second: its deadline opens voting.
    expect((await pastDeadline()).view.status).toBe("voting");
    // The peer's user is on the roll: told as a mention, as local members are in the app.
    const opened = await peer.waitFor((r) => r.signatureValid && r.body?.object?.type === "Note" && /voting is open on “Mend the footbridge”/.test(r.body.object.content), 20_000);
    expect(expectMention(opened)).toMatch(/in @riverside until .* UTC/);
    expect(opened.body.object.inReplyTo).toBe(proposalUri);
    const answer = await post("#disagree The old planks hold for a year.", proposalUri);
    expect(expectMention(answer)).toMatch(/your vote \(disagree, with your reason\) is counted on “Mend the footbridge”/);
    expect((await view()).rounds[0]?.counts?.disagree).toBe(1);
    expect((await vote(a.app, aliceUri, "riverside", proposalId, { choice: "agree" })).ok).toBe(true);
  });

  it("refuses two acts in one reply as ambiguous", async () => {
    const answer = await post("#agree #object #cost", proposalUri);
    expect(expectMention(answer)).toMatch(/a post is one act, and this one has #agree and #object/);
  });

  it("records a deal-breaker objection sent as Mastodon sends it, and confirms it with a Mention", async () => {
    expect((await pastDeadline()).view.status).toBe("objections");
    const answer = await post("#object #cost #dealbreaker The roof alone costs more than our <b>budget</b>.", proposalUri);
    expect(expectMention(answer)).toMatch(/your objection \(cost, deal-breaker\) is recorded on “Mend the footbridge”/);
    expect((await view()).view.graduated?.objections).toEqual([
      { member: peer.actorId, dealBreaker: true, category: "cost", text: "The roof alone costs more than our <b>budget</b>." },
    ]);
  });

  it("elects an advocate, shares the grievance and offers an amendment, each confirmed", async () => {
    expect((await pastDeadline()).view).toMatchObject({ status: "grievances", graduated: { tier: "deal-breaker" } });
    const me: Mentioned = { id: peer.actorId, acct: peer.handle };
    expect(expectMention(await post(`#advocate #Cost @${peer.handle}`, proposalUri, riverside, [me]))).toMatch(/your vote for .* as advocate of “Cost” is recorded/);
    expect(expectMention(await post("#grievance #cost", proposalUri))).toMatch(/you share the grievance “cost”/);
    expect(expectMention(await post("#amend Use <em>reclaimed</em> timber.", proposalUri))).toMatch(/your amendment \(number 1\) to “Mend the footbridge” is recorded/);
    const g = (await view()).view.graduated;
    expect(g?.categories).toContainEqual(expect.objectContaining({ advocates: [peer.actorId] }));
    // What the member typed is kept as text, markup and all, and the page shows it escaped.
    expect(g?.amendments).toEqual([expect.objectContaining({ author: peer.actorId, text: "Use <em>reclaimed</em> timber.", category: "cost" })]);
    const page = await (await fetch((await view()).url, { headers: { accept: "text/html" } })).text();
    expect(page).toContain("Use &lt;em&gt;reclaimed&lt;/em&gt; timber.");
    expect(page).not.toContain("<em>reclaimed</em>");
  });

  it("votes on an amendment by its number", async () => {
    expect((await pastDeadline()).view.status).toBe("amendment-voting");
    const answer = await post("#amendment #1 #agree", proposalUri);
    expect(expectMention(answer)).toMatch(/your vote \(agree\) is counted on amendment 1 of “Mend the footbridge”/);
    const round = (await view()).rounds.find((r) => r.id.startsWith("amendment:"));
    expect(round?.counts?.agree).toBe(1);
  });

  it("keeps a reply without an act word as deliberation, unanswered", async () => {
    const { activity, noteId } = mastodonStatus(peer, peer, { text: `@${riverside.acct} Could we see the quote first? #bridges`, mentions: [riverside], inReplyTo: proposalUri });
    expect((await peer.post(`${a.origin}/ap/inbox`, activity)).status).toBe(202);
    await eventually(async () => (await a.app.db.selectFrom("objects").select("uri").where("uri", "=", noteId).executeTakeFirst()) ?? null, 20_000, "the reply kept");
    expect(peer.received.some((r) => r.body?.object?.inReplyTo === noteId)).toBe(false);
  });
});

describe("notifications to remote members as mentions", () => {
  it("tells each remote member once that a vote opened and what the outcome was", async () => {
    const drafted = await draftProposal(a.app, aliceUri, "riverside", { kind: "policy", title: "Paint the shed", text: "Green." });
    if (!drafted.ok) throw new Error(drafted.error.message);
    proposalId = drafted.value.id;
    expect((await tableProposal(a.app, aliceUri, "riverside", proposalId)).ok).toBe(true);
    expect((await pastDeadline()).view.status).toBe("voting");
    // A poll vote is a vote without a reason; a reply with a reason afterwards changes it.
    const pollVote = { id: `${peer.actorId}#votes/shed`, type: "Note", name: "Disagree", attributedTo: peer.actorId, inReplyTo: drafted.value.uri, to: [riverside.id] };
    expect(
      (await peer.post(`${a.origin}/ap/inbox`, { "@context": AS, id: `${pollVote.id}/activity`, type: "Create", actor: peer.actorId, to: [riverside.id], object: pollVote }))
        .status,
    ).toBe(202);
    await eventually(async () => (await view()).rounds[0]?.counts?.disagree === 1, 20_000, "the poll vote counted");
    expect(expectMention(await post("#agree Green suits the garden.", drafted.value.uri))).toMatch(/your vote \(agree, with your reason\) is changed on “Paint the shed”/);
    expect((await view()).rounds[0]?.counts).toMatchObject({ agree: 1, disagree: 0 });
    expect((await vote(a.app, aliceUri, "riverside", proposalId, { choice: "agree" })).ok).toBe(true);
    expect((await pastDeadline()).outcome).toBe("passed");
    const outcome = await peer.waitFor((r) => r.signatureValid && r.body?.object?.type === "Note" && /“Paint the shed” in @riverside: passed/.test(r.body.object.content), 20_000);
    expect(expectMention(outcome)).toContain(`/proposals/${proposalId}`);
    // The app shows the local member the same (alice's notifications).
    const local = await a.app.db.selectFrom("notifications").select(["kind", "detail"]).where("proposal_uri", "=", drafted.value.uri).orderBy("id").execute();
    expect(local.map((n) => n.kind)).toEqual(["vote-opened", "outcome"]);
    await quiesce([a]);
    // Direct notes to the peer's user about this proposal (the body's public outcome post aside).
    const mine = peer.received.filter(
      (r) => r.body?.type === "Create" && r.body.object?.inReplyTo === drafted.value.uri && r.body.object.type === "Note" && [r.body.object.to].flat().join() === peer.actorId,
    );
    expect(mine.map((r) => (/voting is open/.test(r.body.object.content) ? "vote-opened" : /: passed/.test(r.body.object.content) ? "outcome" : "other"))).toEqual([
      "vote-opened",
      "outcome",
    ]);
  });
});

describe("tabling and seconding by hashtag posts", () => {
  it("tables a policy proposal from a post that mentions the body with #propose", async () => {
    const answer = await post("#propose Plant an orchard\nTen apple trees on the old car park.", null);
    expect(expectMention(answer)).toMatch(/your proposal “Plant an orchard” is tabled in @riverside/);
    const list = await listProposals(a.app, null, "riverside");
    const orchard = (list.ok ? list.value : []).find((p) => p.title === "Plant an orchard");
    expect(orchard).toMatchObject({ status: "deliberation" });
  });

  it("refuses #propose for a kind a post cannot carry", async () => {
    const answer = await post("#propose #bylaws New bylaws", null);
    expect(expectMention(answer)).toMatch(/a bylaws proposal has details a post cannot carry/);
  });

  it("records a second on a draft in a body whose bylaws ask for one", async () => {
    const hill = await operations["body.create"](a.app, { handle: "hilltop", kind: "assembly" });
    await operations["member.add"](a.app, { body: "hilltop", member: "alice" });
    await operations["member.add"](a.app, { body: "hilltop", member: peer.actorId });
    const founded = await foundBodyRecord(a.app, "hilltop", {
      bylaws: { ...defaultBylaws("assembly"), tabling: { who: "seconded", seconds: 1 }, quorum: { kind: "share", share: fraction(1, 2) } },
    });
    expect(founded.ok).toBe(true);
    const drafted = await draftProposal(a.app, aliceUri, "hilltop", { kind: "policy", title: "Bench by the well", text: "One oak bench." });
    if (!drafted.ok) throw new Error(drafted.error.message);
    const hilltop: Mentioned = { id: hill.id, acct: `hilltop@${new URL(a.origin).host}` };
    const answer = await post("#second", drafted.value.uri, hilltop);
    expect(expectMention(answer, hilltop)).toMatch(/your second of “Bench by the well” is recorded/);
    expect((await tableProposal(a.app, aliceUri, "hilltop", drafted.value.id)).ok).toBe(true);
  });
});
