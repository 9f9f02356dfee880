import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postToBody } from "../../src/community/posts.ts";
import { draftProposal, readProposal, tableProposal } from "../../src/decisions/index.ts";
import { foundAssemblyWithPeer } from "../support/peer-assembly.ts";
import { startMastodonPeer, type MastodonPeer } from "../support/mastodon-peer.ts";
import { AP_JSON, eventually, startTestInstance, type TestInstance } from "../support/instance.ts";
import { quiesce } from "../support/quiesce.ts";

// What real servers (snac, Hollo) showed when run beside Folkmoot (see docs/federation.md,
// "Interoperability with real servers"): the peer here sends and checks what they do.

const AS = "https://www.w3.org/ns/activitystreams";
const PUBLIC = `${AS}#Public`;

let a: TestInstance;
let peer: MastodonPeer;
let proposalUri: string;
let proposalId: string;
let aliceUri: string;
let bodyUri: string;

/** A vote as snac sends it: the option as `name`, and `content: "<br>"`. */
async function snacVote(as: { actorId: string; keyId: string; privateKeyPem: string }, option: string) {
  const id = `${as.actorId}#votes/${crypto.randomUUID()}`;
  const activity = {
    "@context": AS,
    id: `${id}/activity`,
    type: "Create",
    actor: as.actorId,
    to: [bodyUri],
    object: { id, type: "Note", name: option, content: "<br>", attributedTo: as.actorId, inReplyTo: proposalUri, to: [bodyUri] },
  };
  return peer.post(`${a.origin}/ap/inbox`, activity, { keyId: as.keyId, privateKeyPem: as.privateKeyPem });
}

const counts = async (): Promise<Record<string, number>> => {
  const read = await readProposal(a.app, null, "riverside", proposalId);
  if (!read.ok) throw new Error(read.error.message);
  return (read.value.rounds[0]?.counts ?? {}) as Record<string, number>;
};

/** No `as:Public` anywhere in a document, and the full IRI in its addressing. */
function expectFullPublic(doc: unknown) {
  const text = JSON.stringify(doc);
  expect(text).not.toContain('"as:Public"');
  expect(text).not.toContain('"Public"');
  expect(text).toContain(PUBLIC);
}

const getAp = async (url: string) => {
  const res = await fetch(url, { headers: { accept: AP_JSON } });
  expect(res.status, url).toBe(200);
  return (await res.json()) as Record<string, any>;
};

beforeAll(async () => {
  a = await startTestInstance({ host: "127.0.0.91", env: { QUESTION_UPDATE_SECONDS: "1" } });
  peer = await startMastodonPeer({ host: "127.0.0.92" });
  ({ aliceUri, bodyUri } = await foundAssemblyWithPeer(a.app, peer));
  const body = { id: bodyUri };
  // The peer's user follows the body and is a member of it.
  expect((await peer.post(`${body.id}/inbox`, { "@context": AS, id: peer.newId(), type: "Follow", actor: peer.actorId, object: body.id })).status).toBe(202);
  await peer.waitFor((r) => r.body?.type === "Accept" && r.signatureValid, 20_000);
  const drafted = await draftProposal(a.app, aliceUri, "riverside", { kind: "policy", title: "Light the towpath", text: "Solar lamps every fifty metres." });
  if (!drafted.ok) throw new Error(drafted.error.message);
  proposalId = drafted.value.id;
  proposalUri = drafted.value.uri;
  expect((await tableProposal(a.app, aliceUri, "riverside", proposalId)).ok).toBe(true);
  await eventually(
    async () => {
      const read = await readProposal(a.app, null, "riverside", proposalId);
      return read.ok && read.value.view.status === "voting";
    },
    20_000,
    "voting to open",
  );
});

afterAll(async () => {
  await peer?.close();
  await a?.stop();
});

describe("votes as snac sends them", () => {
  it("counts a member's vote whose content is `<br>`", async () => {
    expect((await snacVote(peer, "Agree")).status).toBe(202);
    await eventually(async () => (await counts()).agree === 1, 20_000, "the snac-style vote counted");
  });

  it("answers a non-member's snac-style vote, naming the voter by handle in text and Mention", async () => {
    expect((await snacVote(peer.mallory, "Disagree")).status).toBe(202);
    const reply = await peer.waitFor(
      (r) => r.body?.type === "Create" && r.body.object?.type === "Note" && r.signatureValid && JSON.stringify(r.body.object.to).includes(peer.mallory.actorId),
      20_000,
    );
    const handle = `@mallory@${peer.host}:${peer.port}`;
    expect(reply.body.object.content).toMatch(/not counted: you are not a member of @riverside/);
    expect(reply.body.object.content).toContain(`>${handle}</a>`);
    const tags = [reply.body.object.tag].flat();
    expect(tags).toEqual([{ type: "Mention", href: peer.mallory.actorId, name: handle }]);
    expect((await counts()).disagree ?? 0).toBe(0);
  });
});

describe("the public address in full (snac reads only the full IRI)", () => {
  it("serves a public note, a proposal's Question and an outbox page with the full IRI", async () => {
    const posted = await postToBody(a.app, aliceUri.split("/").at(-1)!, "riverside", { text: "The lamps arrived." });
    if (!posted.ok) throw new Error(posted.error.message);
    expectFullPublic(await getAp(posted.value.uri));
    expectFullPublic(await getAp(proposalUri));
    const outbox = await getAp(`${bodyUri}/outbox`);
    const first = typeof outbox.first === "string" ? await getAp(outbox.first) : outbox.first;
    expect(first.orderedItems.length).toBeGreaterThan(0);
    expectFullPublic(first);
  });

  it("delivers Create and Announce with the full IRI", async () => {
    const create = await peer.waitFor((r) => r.body?.type === "Create" && r.body.object?.type === "Question" && r.signatureValid, 20_000);
    expectFullPublic(create.body);
    const announce = await peer.waitFor((r) => r.body?.type === "Announce" && r.signatureValid, 20_000);
    expectFullPublic(announce.body);
    expect(peer.received.some((r) => r.rawBody.includes('"as:Public"'))).toBe(false);
  });
});

describe("addressing respected when a body re-announces", () => {
  it("keeps a member's followers-only post to the body but does not announce it to the body's followers", async () => {
    const noteId = peer.newId("notes");
    const note = {
      id: noteId,
      type: "Note",
      attributedTo: peer.actorId,
      content: "<p>Only for my followers: the towpath key is under the mat.</p>",
      to: [peer.followers],
      cc: [bodyUri],
      tag: [{ type: "Mention", href: bodyUri, name: "@riverside" }],
    };
    peer.serve(noteId, { "@context": AS, ...note });
    const create = { "@context": AS, id: peer.newId(), type: "Create", actor: peer.actorId, object: note, to: note.to, cc: note.cc };
    expect((await peer.post(`${bodyUri}/inbox`, create)).status).toBe(202);
    await eventually(async () => (await a.app.db.selectFrom("objects").select("uri").where("uri", "=", noteId).executeTakeFirst()) !== undefined, 20_000, "the post kept");
    await quiesce([a]);
    expect(peer.received.some((r) => r.body?.type === "Announce" && JSON.stringify(r.body.object).includes(noteId))).toBe(false);
    const announced = await a.app.db.selectFrom("activities").select("uri").where("type", "=", "Announce").where("payload", "like", `%${noteId}%`).execute();
    expect(announced).toEqual([]);
  });
});

describe("one activity reaches one server once", () => {
  it("sends a peer that both follows the body and is a member each Update(Question) once", async () => {
    const { vote } = await import("../../src/decisions/index.ts");
    expect((await vote(a.app, aliceUri, "riverside", proposalId, { choice: "agree" })).ok).toBe(true);
    await peer.waitFor((r) => r.body?.type === "Update" && r.body.object?.id === proposalUri && r.body.object.votersCount === 2 && r.signatureValid, 20_000);
    await quiesce([a]);
    const updates = peer.received.filter((r) => r.body?.type === "Update" && r.body.object?.id === proposalUri).map((r) => r.body.id as string);
    expect(updates.length).toBeGreaterThan(0);
    expect(updates.length).toBe(new Set(updates).size);
  });
});
