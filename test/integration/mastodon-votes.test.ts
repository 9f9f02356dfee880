import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { operations } from "../../src/cli/operations.ts";
import { draftProposal, readProposal, tableProposal } from "../../src/decisions/index.ts";
import { foundAssemblyWithPeer } from "../support/peer-assembly.ts";
import { pollOffersVote, startMastodonPeer, type MastodonPeer } from "../support/mastodon-peer.ts";
import { AP_JSON, eventually, startTestInstance, type TestInstance } from "../support/instance.ts";
import { quiesce } from "../support/quiesce.ts";

// A proposal is a poll a Mastodon user can vote on: the hand-written
// Mastodon-style peer receives the Question, votes as Mastodon does, and is
// counted as a member; a non-member's vote is not counted and gets told why.

let a: TestInstance;
let peer: MastodonPeer;
let proposalUri: string;
let proposalId: string;
let aliceUri: string;

const AS = "https://www.w3.org/ns/activitystreams";

async function vote(as: { actorId: string; keyId: string; privateKeyPem: string }, n: number, option: string) {
  const id = `${as.actorId}#votes/${n}`;
  const activity = {
    "@context": AS,
    id: `${id}/activity`,
    type: "Create",
    actor: as.actorId,
    to: [a.app.config.publicOrigin.href],
    object: { id, type: "Note", name: option, attributedTo: as.actorId, inReplyTo: proposalUri, to: [a.app.config.publicOrigin.href] },
  };
  const res = await peer.post(`${a.origin}/ap/inbox`, activity, { keyId: as.keyId, privateKeyPem: as.privateKeyPem });
  return { res, activity };
}

const agreeCount = async () => {
  const read = await readProposal(a.app, null, "riverside", proposalId);
  if (!read.ok) throw new Error(read.error.message);
  return read.value.rounds[0]?.counts?.agree ?? 0;
};

beforeAll(async () => {
  a = await startTestInstance({ host: "127.0.0.18", env: { QUESTION_UPDATE_SECONDS: "1" } });
  peer = await startMastodonPeer({ host: "127.0.0.19" });
  const founded = await foundAssemblyWithPeer(a.app, peer);
  aliceUri = founded.aliceUri;
  const body = { id: founded.bodyUri };
  expect((await peer.post(`${body.id}/inbox`, { "@context": AS, id: peer.newId(), type: "Follow", actor: peer.actorId, object: body.id })).status).toBe(202);
  await peer.waitFor((r) => r.body?.type === "Accept" && r.signatureValid, 20_000);
});

afterAll(async () => {
  await peer?.close();
  await a?.stop();
});

describe("proposals as polls", () => {
  it("publishes a tabled proposal as a Question with options that fit the rule", async () => {
    const drafted = await draftProposal(a.app, aliceUri, "riverside", { kind: "policy", title: "Fix the footbridge", text: "Repair the planks before winter." });
    if (!drafted.ok) throw new Error(drafted.error.message);
    proposalId = drafted.value.id;
    proposalUri = drafted.value.uri;
    const tabled = await tableProposal(a.app, aliceUri, "riverside", proposalId);
    expect(tabled.ok).toBe(true);
    const created = await peer.waitFor((r) => r.body?.type === "Create" && r.body.object?.type === "Question" && r.signatureValid, 20_000);
    const q = created.body.object;
    expect(q.id).toBe(proposalUri);
    expect(q.name).toBe("Fix the footbridge");
    expect(q.oneOf.map((o: { name: string }) => o.name)).toEqual(["Agree", "Disagree", "Abstain"]);
    expect(q.content).toContain("Repair the planks");
    expect(q.content).toContain("simple majority");
  });

  it("shows the poll closed while the proposal is in deliberation, and open once voting opens", async () => {
    // Mastodon and snac let a person vote once per poll: a vote offered during deliberation
    // would be refused here, and the voter could never vote again (seen with snac 2.94).
    const created = await peer.waitFor((r) => r.body?.type === "Create" && r.body.object?.id === proposalUri, 20_000);
    expect(created.body.object.closed).toEqual(expect.any(String));
    expect(pollOffersVote(created.body.object, created.receivedAt)).toEqual({ mastodon: false, snac: false });
    const opened = await peer.waitFor((r) => r.body?.type === "Update" && r.signatureValid && r.body.object?.id === proposalUri && r.body.object.closed === undefined, 20_000);
    expect(Date.parse(opened.body.object.endTime)).toBeGreaterThan(opened.receivedAt.getTime());
    expect(pollOffersVote(opened.body.object, opened.receivedAt)).toEqual({ mastodon: true, snac: true });
  });

  it("serves the Question with Folkmoot's extension properties and their JSON-LD context", async () => {
    const doc = (await (await fetch(proposalUri, { headers: { accept: AP_JSON } })).json()) as Record<string, any>;
    expect(doc.type).toBe("Question");
    expect(doc["@context"]).toContain(`${a.origin}/ns/folkmoot`);
    expect(doc.proposalKind).toBe("policy");
    expect(doc.decisionRule).toEqual({ kind: "simple-majority" });
    expect(doc.proposalState.title).toBe("Fix the footbridge");
    const ctx = (await (await fetch(`${a.origin}/ns/folkmoot`)).json()) as { "@context": Record<string, unknown> };
    expect(ctx["@context"].fm).toBe("https://w3id.org/folkmoot#");
    const html = await fetch(proposalUri, { headers: { accept: "text/html" }, redirect: "manual" });
    expect(html.status).toBe(303);
  });

  it("counts a member's vote sent as Mastodon sends it, and updates the poll", async () => {
    await eventually(
      async () => {
        const read = await readProposal(a.app, null, "riverside", proposalId);
        return read.ok && read.value.view.status === "voting";
      },
      20_000,
      "voting to open",
    );
    const { res } = await vote(peer, 1, "Agree");
    expect(res.status).toBe(202);
    await eventually(async () => (await agreeCount()) === 1, 20_000, "the vote counted");
    const update = await peer.waitFor(
      (r) =>
        r.body?.type === "Update" &&
        r.signatureValid &&
        r.body.object?.votersCount === 1 &&
        r.body.object.oneOf?.find((o: { name: string }) => o.name === "Agree")?.replies?.totalItems === 1,
      20_000,
    );
    expect(update.body.object.id).toBe(proposalUri);
  });

  it("takes a duplicate delivery of a vote in once", async () => {
    const before = peer.received.length;
    const { res } = await vote(peer, 1, "Agree");
    expect(res.status).toBe(202);
    await quiesce([a]);
    expect(await agreeCount()).toBe(1);
    // No "not counted" reply for a duplicate.
    expect(peer.received.slice(before).some((r) => r.body?.type === "Create" && r.body.object?.type === "Note")).toBe(false);
  });

  it("does not count a non-member's vote, and tells the voter why", async () => {
    const { res } = await vote(peer.mallory, 1, "Disagree");
    expect(res.status).toBe(202);
    const reply = await peer.waitFor(
      (r) => r.body?.type === "Create" && r.body.object?.type === "Note" && r.signatureValid && JSON.stringify(r.body.object.to).includes(peer.mallory.actorId),
      20_000,
    );
    expect(reply.body.object.content).toMatch(/not counted: you are not a member of @riverside/);
    const read = await readProposal(a.app, null, "riverside", proposalId);
    expect(read.ok && read.value.rounds[0]?.counts?.disagree).toBe(0);
  });

  it("closes the poll and posts the outcome when voting ends", async () => {
    // Alice votes too, then the deadline passes (the worker moves the proposal on).
    const { vote: castVote, runDueDeadlines } = await import("../../src/decisions/index.ts");
    const cast = await castVote(a.app, aliceUri, "riverside", proposalId, { choice: "agree" });
    expect(cast.ok).toBe(true);
    await runDueDeadlines(a.app, new Date(Date.now() + 120_000));
    // The body's public post (the remote member is also told by a direct mention).
    const isPublic = (note: { to?: unknown; cc?: unknown }) => [note.to, note.cc].flat().includes(`${AS}#Public`);
    const outcome = await peer.waitFor(
      (r) => r.body?.type === "Create" && r.body.object?.type === "Note" && r.signatureValid && r.body.object.inReplyTo === proposalUri && isPublic(r.body.object),
      20_000,
    );
    expect(outcome.body.object.content).toMatch(/Fix the footbridge<\/strong>: passed/);
    const closed = await peer.waitFor((r) => r.body?.type === "Update" && r.body.object?.closed !== undefined && r.body.object?.closed !== null && r.signatureValid, 20_000);
    expect(closed.body.object.oneOf.find((o: { name: string }) => o.name === "Agree").replies.totalItems).toBe(2);
  });

  it("announces a member's reply to the proposal: its deliberation thread", async () => {
    const noteId = peer.newId("notes");
    const note = {
      id: noteId,
      type: "Note",
      attributedTo: peer.actorId,
      inReplyTo: proposalUri,
      content: "<p>Could we use oak?</p>",
      to: [`${AS}#Public`],
      cc: [a.app.config.publicOrigin.href],
    };
    peer.serve(noteId, { "@context": AS, ...note });
    expect((await peer.post(`${a.origin}/ap/inbox`, { "@context": AS, id: peer.newId(), type: "Create", actor: peer.actorId, object: note, to: note.to })).status).toBe(202);
    await peer.waitFor((r) => r.body?.type === "Announce" && r.body.object === noteId && r.signatureValid, 20_000);
  });

  it("admits someone who asks to join an open body with Join, and answers Accept(Join)", async () => {
    const body = await a.app.db.selectFrom("actors").select("id").where("handle", "=", "riverside").executeTakeFirstOrThrow();
    const join = { "@context": AS, id: peer.newId(), type: "Join", actor: peer.mallory.actorId, object: `${a.origin}/ap/actors/${body.id}` };
    const res = await peer.post(`${join.object}/inbox`, join, { keyId: peer.mallory.keyId, privateKeyPem: peer.mallory.privateKeyPem });
    expect(res.status).toBe(202);
    const accept = await peer.waitFor((r) => r.body?.type === "Accept" && (r.body.object?.id ?? r.body.object) === join.id && r.signatureValid, 20_000);
    expect(accept.body.actor).toBe(join.object);
    const members = await operations["member.list"](a.app, { body: "riverside" });
    expect(members.map((m) => m.member)).toContain(peer.mallory.actorId);
  });

  it("lets anyone recompute the decision from its signed record (folkmoot verify)", async () => {
    const { runVerify } = await import("../../src/cli/verify-command.ts");
    const good = await runVerify(proposalUri, { allowPrivateAddress: true });
    expect(good.checks.filter((c) => !c.ok)).toEqual([]);
    expect(good.ok).toBe(true);
    expect(good.checks.find((c) => c.name === "outcome")!.detail).toMatch(/recomputed outcome: passed/);
    expect(good.checks.find((c) => c.name === "signature")!.detail).toContain("signed by");

    // The same record, with one ballot changed in transit: the body's signature no longer holds.
    const { verifyDecision } = await import("../../src/verify/index.ts");
    const { createKeyFetcher } = await import("../../src/proofs/key-fetcher.ts");
    const ctx = a.app.federation.createContext(a.app.config.publicOrigin, a.app);
    const fetchJson = async (url: string) => (await fetch(url, { headers: { accept: AP_JSON } })).json();
    const tampered = await verifyDecision(proposalUri, {
      fetchKey: createKeyFetcher(ctx),
      fetchJson: async (url) => {
        const doc = (await fetchJson(url)) as { events?: { type: string; choice?: string }[] };
        const ballot = doc.events?.find((e) => e.type === "vote-cast");
        if (ballot) ballot.choice = "disagree";
        return doc;
      },
    });
    expect(tampered.ok).toBe(false);
    expect(tampered.checks.find((c) => c.name === "signature")!.ok).toBe(false);

    // A server that claims another outcome than its own record gives is caught too.
    const lying = await verifyDecision(proposalUri, {
      fetchKey: createKeyFetcher(ctx),
      fetchJson: async (url) => {
        const doc = (await fetchJson(url)) as Record<string, unknown>;
        if (doc.type === "Question") doc.outcome = "rejected";
        return doc;
      },
    });
    expect(lying.checks.find((c) => c.name === "outcome")!.ok).toBe(false);
  });

  it("runs as a command that exits 0 on pass and 1 on fail", async () => {
    const { runCliProcess } = await import("../support/process.ts");
    const env = { ALLOW_PRIVATE_ADDRESS: "true", LOG_LEVEL: "warn" };
    const pass = await runCliProcess(["verify", proposalUri], env);
    expect(pass.code, pass.stderr).toBe(0);
    expect(pass.stdout).toMatch(/^PASS: the decision recomputes from its signed record$/m);
    const fail = await runCliProcess(["verify", `${a.origin}/ap/proposals/nosuch`], env);
    expect(fail.code).toBe(1);
    expect(fail.stdout).toMatch(/^FAIL/m);
  });
});
