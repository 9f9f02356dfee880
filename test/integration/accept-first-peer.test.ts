import { Join } from "@fedify/vocab";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { draftProposal, readProposal, tableProposal } from "../../src/decisions/index.ts";
import { sendTo } from "../../src/federation/outbox/send.ts";
import { activityUri } from "../../src/shared/uris.ts";
import { foundAssemblyWithPeer } from "../support/peer-assembly.ts";
import { startMastodonPeer, type MastodonPeer, type ReceivedActivity } from "../support/mastodon-peer.ts";
import { eventually, startTestInstance, type TestInstance } from "../support/instance.ts";

// A server that answers 202 before it verifies (snac) and then drops what it cannot
// verify: Fedify never sees a refusal, so it never falls back from its first knock. Every
// activity Folkmoot sends there must verify as draft-cavage, the first time.

let a: TestInstance;
let peer: MastodonPeer;
let bodyUri: string;
let proposalUri: string;
let proposalId: string;
let aliceUri: string;

const AS = "https://www.w3.org/ns/activitystreams";
const WAIT = 20_000;

/** The first POST that matches, verified or not: a dropped delivery is not sent again. */
const arrived = (match: (r: ReceivedActivity) => boolean) => peer.waitFor(match, WAIT);

function expectVerified(r: ReceivedActivity) {
  expect(r.status).toBe(202);
  expect({ type: r.body?.type, valid: r.signatureValid, error: r.error }).toEqual({ type: r.body?.type, valid: true, error: undefined });
  expect(r.signerMatchesActor).toBe(true);
}

beforeAll(async () => {
  a = await startTestInstance({ host: "127.0.0.25", env: { QUESTION_UPDATE_SECONDS: "1" } });
  peer = await startMastodonPeer({ host: "127.0.0.26", acceptFirst: true });
  ({ aliceUri, bodyUri } = await foundAssemblyWithPeer(a.app, peer));
  const drafted = await draftProposal(a.app, aliceUri, "riverside", { kind: "policy", title: "Fix the footbridge", text: "Repair the planks before winter." });
  if (!drafted.ok) throw new Error(drafted.error.message);
  proposalId = drafted.value.id;
  proposalUri = drafted.value.uri;
});

afterAll(async () => {
  await peer?.close();
  await a?.stop();
});

describe("a peer that answers 202 first and verifies later (snac)", () => {
  it("verifies the Accept of its Follow: the first delivery to that server", async () => {
    const follow = { "@context": AS, id: peer.newId(), type: "Follow", actor: peer.actorId, object: bodyUri };
    expect((await peer.post(`${bodyUri}/inbox`, follow)).status).toBe(202);
    expectVerified(await arrived((r) => r.body?.type === "Accept"));
  });

  it("verifies both announce forms of a member's post", async () => {
    const noteId = peer.newId("notes");
    const note = { id: noteId, type: "Note", attributedTo: peer.actorId, content: "<p>The planks are rotten.</p>", to: [`${AS}#Public`], cc: [bodyUri] };
    peer.serve(noteId, { "@context": AS, ...note });
    expect(
      (await peer.post(`${a.origin}/ap/inbox`, { "@context": AS, id: peer.newId(), type: "Create", actor: peer.actorId, object: note, to: note.to, cc: note.cc })).status,
    ).toBe(202);
    expectVerified(await arrived((r) => r.body?.type === "Announce" && r.body.object === noteId));
    expectVerified(await arrived((r) => r.body?.type === "Announce" && r.body.object?.type === "Create" && r.body.object.object?.id === noteId));
  });

  it("verifies the proposal's Create(Question) and the Update(Question) after a vote", async () => {
    expect((await tableProposal(a.app, aliceUri, "riverside", proposalId)).ok).toBe(true);
    expectVerified(await arrived((r) => r.body?.type === "Create" && r.body.object?.type === "Question" && r.body.object.id === proposalUri));
    await eventually(
      async () => {
        const read = await readProposal(a.app, null, "riverside", proposalId);
        return read.ok && read.value.view.status === "voting";
      },
      WAIT,
      "voting to open",
    );
    const id = `${peer.actorId}#votes/1`;
    const vote = { id, type: "Note", name: "Agree", attributedTo: peer.actorId, inReplyTo: proposalUri, to: [a.app.config.publicOrigin.href] };
    expect((await peer.post(`${a.origin}/ap/inbox`, { "@context": AS, id: `${id}/activity`, type: "Create", actor: peer.actorId, to: vote.to, object: vote })).status).toBe(202);
    expectVerified(await arrived((r) => r.body?.type === "Update" && r.body.object?.id === proposalUri && r.body.object.votersCount === 1));
  });

  it("verifies the reply that refuses a non-member's vote", async () => {
    const m = peer.mallory;
    const id = `${m.actorId}#votes/1`;
    const vote = { id, type: "Note", name: "Disagree", attributedTo: m.actorId, inReplyTo: proposalUri, to: [a.app.config.publicOrigin.href] };
    const activity = { "@context": AS, id: `${id}/activity`, type: "Create", actor: m.actorId, to: vote.to, object: vote };
    expect((await peer.post(`${a.origin}/ap/inbox`, activity, { keyId: m.keyId, privateKeyPem: m.privateKeyPem })).status).toBe(202);
    const reply = await arrived((r) => r.body?.type === "Create" && r.body.object?.type === "Note" && JSON.stringify(r.body.object.to).includes(m.actorId));
    expectVerified(reply);
    expect(reply.body.object.content).toMatch(/not counted/);
  });

  it("verifies a confederation activity: a body's Join to the peer as its confederation", async () => {
    // What a carried `join` proposal records (src/federation/outbox/federate.ts), recorded directly.
    const bodyId = bodyUri.split("/").at(-1)!;
    const to = new URL(peer.actorId);
    const join = new Join({ id: activityUri(a.app.config.publicOrigin), actor: new URL(bodyUri), object: to, to });
    await a.app.db.transaction().execute((trx) => sendTo(trx, a.app, bodyId, join, [peer.actorId]));
    expectVerified(await arrived((r) => r.body?.type === "Join" && r.body.id === join.id!.href));
  });

  it("was sent nothing it could not verify", () => {
    expect(peer.received.filter((r) => !r.signatureValid).map((r) => `${r.body?.type}: ${r.error}`)).toEqual([]);
  });
});
