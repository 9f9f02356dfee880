import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { operations } from "../../src/cli/operations.ts";
import { startMastodonPeer, type MastodonPeer } from "../support/mastodon-peer.ts";
import { AP_JSON, eventually, startTestInstance, type TestInstance } from "../support/instance.ts";
import { quiesce } from "../support/quiesce.ts";

// A Folkmoot instance and an independently written, Mastodon-style server
// (node:crypto, draft-cavage signatures) federating over real HTTP on loopback.

let a: TestInstance;
let peer: MastodonPeer;
let bodyUri: string;
let bodyInbox: string;

const count = async (a: TestInstance, table: "follows" | "objects" | "inbox_log" | "memberships") =>
  Number(
    (
      await a.app.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<string>().as("n"))
        .executeTakeFirstOrThrow()
    ).n,
  );

beforeAll(async () => {
  a = await startTestInstance({ host: "127.0.0.2" });
  peer = await startMastodonPeer({ host: "127.0.0.5" });
  await operations["account.create"](a.app, { handle: "alice", password: "correct horse battery" });
  const body = await operations["body.create"](a.app, { handle: "riverside", kind: "assembly", name: "Riverside Assembly" });
  bodyUri = body.id;
  bodyInbox = `${bodyUri}/inbox`;
  await operations["member.add"](a.app, { body: "riverside", member: "alice" });
});

afterAll(async () => {
  await peer?.close();
  await a?.stop();
});

describe("discovery", () => {
  it("answers WebFinger for a body's handle, and the actor names that handle back", async () => {
    const host = new URL(a.origin).host;
    const res = await fetch(`${a.origin}/.well-known/webfinger?resource=acct:riverside@${host}`);
    expect(res.status).toBe(200);
    const jrd = (await res.json()) as { subject: string; links: { rel: string; href: string; type?: string }[] };
    expect(jrd.subject).toBe(`acct:riverside@${host}`);
    const self = jrd.links.find((l) => l.rel === "self" && l.type === AP_JSON);
    expect(self?.href).toBe(bodyUri);
    const actor = (await (await fetch(self!.href, { headers: { accept: AP_JSON } })).json()) as Record<string, any>;
    expect(actor.type).toBe("Group");
    expect(actor.preferredUsername).toBe("riverside");
    expect(actor.publicKey.publicKeyPem).toContain("BEGIN PUBLIC KEY");
    expect(actor.assertionMethod).toHaveLength(2);
    expect(JSON.stringify(actor)).not.toMatch(/"d"\s*:|PRIVATE KEY/);
    expect(actor.attachment.find((p: { name: string }) => p.name === "Kind").value).toBe("assembly");
  });

  it("finds the instance actor by the origin URL (FEP-d556)", async () => {
    const res = await fetch(`${a.origin}/.well-known/webfinger?resource=${encodeURIComponent(`${a.origin}/`)}`);
    expect(res.status).toBe(200);
    const jrd = (await res.json()) as { links: { rel: string; href: string }[] };
    const self = jrd.links.find((l) => l.rel === "self");
    const actor = (await (await fetch(self!.href, { headers: { accept: AP_JSON } })).json()) as Record<string, unknown>;
    expect(actor.type).toBe("Application");
  });

  it("serves NodeInfo 2.1", async () => {
    const wk = (await (await fetch(`${a.origin}/.well-known/nodeinfo`)).json()) as { links: { href: string }[] };
    const info = (await (await fetch(wk.links[0]!.href)).json()) as Record<string, any>;
    expect(info.version).toBe("2.1");
    expect(info.software.name).toBe("folkmoot");
    expect(info.protocols).toContain("activitypub");
  });

  it("redirects a browser from the actor URL to the HTML profile", async () => {
    const res = await fetch(bodyUri, { headers: { accept: "text/html" }, redirect: "manual" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/@riverside");
    const page = await fetch(`${a.origin}/@riverside`);
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(await page.text()).toContain("Riverside Assembly");
  });
});

describe("a Mastodon-style follower", () => {
  it("follows an open body and gets a signed Accept", async () => {
    const follow = { "@context": "https://www.w3.org/ns/activitystreams", id: peer.newId(), type: "Follow", actor: peer.actorId, object: bodyUri };
    const res = await peer.post(bodyInbox, follow);
    expect(res.status).toBe(202);
    // Folkmoot knocks with draft-cavage first (Fedify's firstKnock), what Mastodon verifies.
    const accept = await peer.waitFor((r) => r.body?.type === "Accept" && r.signatureValid, 15_000);
    expect(accept.signatureValid).toBe(true);
    expect(accept.signerMatchesActor).toBe(true);
    expect(accept.body.actor).toBe(bodyUri);
    expect(accept.body.object.id ?? accept.body.object).toBe(follow.id);
    const followers = (await (await fetch(`${bodyUri}/followers`, { headers: { accept: AP_JSON } })).json()) as { totalItems: number };
    expect(followers.totalItems).toBe(1);
  });

  it("announces a member's post, addressed to the body, in both forms", async () => {
    const added = await operations["member.add"](a.app, { body: "riverside", member: peer.actorId });
    // The handle, found by WebFinger over the actor URL's own scheme (http here).
    expect(new URL(peer.actorId).protocol).toBe("http:");
    expect(added.handle).toBe(`alice@${new URL(peer.actorId).host}`);
    const noteId = peer.newId("notes");
    const note = {
      id: noteId,
      type: "Note",
      attributedTo: peer.actorId,
      content: "<p>Shall we fix the bridge?<script>alert(1)</script></p>",
      to: ["https://www.w3.org/ns/activitystreams#Public"],
      cc: [bodyUri],
      tag: [{ type: "Mention", href: bodyUri, name: "@riverside" }],
      published: new Date().toISOString(),
    };
    peer.serve(noteId, { "@context": "https://www.w3.org/ns/activitystreams", ...note });
    const create = { "@context": "https://www.w3.org/ns/activitystreams", id: peer.newId(), type: "Create", actor: peer.actorId, object: note, to: note.to, cc: note.cc };
    expect((await peer.post(`${new URL(a.origin).origin}/ap/inbox`, create)).status).toBe(202);

    const plain = await peer.waitFor((r) => r.body?.type === "Announce" && r.body.object === noteId && r.signatureValid, 15_000);
    expect(plain.signatureValid).toBe(true);
    expect(plain.body.actor).toBe(bodyUri);
    const wrapped = await peer.waitFor((r) => r.body?.type === "Announce" && r.body.object?.type === "Create", 15_000);
    expect(wrapped.body.object.id).toBe(create.id);
    const stored = await a.app.db.selectFrom("objects").selectAll().where("uri", "=", noteId).executeTakeFirstOrThrow();
    expect(stored.content).not.toContain("<script>");

    // The same delivery again has no second effect.
    const announcesBefore = peer.received.filter((r) => r.body?.type === "Announce").length;
    const logged = await count(a, "inbox_log");
    expect((await peer.post(`${a.origin}/ap/inbox`, create)).status).toBe(202);
    await quiesce([a]);
    expect(peer.received.filter((r) => r.body?.type === "Announce").length).toBe(announcesBefore);
    expect(await count(a, "inbox_log")).toBe(logged);
  });

  it("takes a member's changed profile (Update of their actor) at once", async () => {
    const before = await a.app.db.selectFrom("remote_actors").select(["name", "inbox"]).where("uri", "=", peer.actorId).executeTakeFirstOrThrow();
    const person = { id: peer.actorId, type: "Person", preferredUsername: "alice", name: "Alice of the Bridge", inbox: before.inbox };
    const update = {
      "@context": "https://www.w3.org/ns/activitystreams",
      id: peer.newId(),
      type: "Update",
      actor: peer.actorId,
      object: person,
      to: ["https://www.w3.org/ns/activitystreams#Public"],
    };
    expect((await peer.post(bodyInbox, update)).status).toBe(202);
    await eventually(async () => (await a.app.db.selectFrom("remote_actors").select("name").where("uri", "=", peer.actorId).executeTakeFirst())?.name === "Alice of the Bridge");
    // Someone else's profile cannot be changed this way.
    const forged = { ...update, id: peer.newId(), object: { ...person, id: "http://127.0.0.9/users/bob", name: "Not Bob" } };
    expect((await peer.post(bodyInbox, forged)).status).toBe(202);
    await quiesce([a]);
    expect(await a.app.db.selectFrom("remote_actors").select("name").where("uri", "=", "http://127.0.0.9/users/bob").executeTakeFirst()).toBeUndefined();
  });

  it("passes a member's post on with its HTML sanitised: no script, iframe or javascript: link", async () => {
    const noteId = peer.newId("notes");
    const note = {
      id: noteId,
      type: "Note",
      attributedTo: peer.actorId,
      content: '<p>Look<script>alert(1)</script><iframe src="https://evil.example/"></iframe> <a href="javascript:alert(2)">here</a></p>',
      contentMap: { en: '<p>Look<script>alert(3)</script><iframe src="https://evil.example/"></iframe> <a href="javascript:alert(4)">here</a></p>' },
      summary: '<a href="javascript:alert(5)">cw</a>',
      to: ["https://www.w3.org/ns/activitystreams#Public"],
      cc: [bodyUri],
      tag: [{ type: "Mention", href: bodyUri, name: "@riverside" }],
      published: new Date().toISOString(),
    };
    peer.serve(noteId, { "@context": "https://www.w3.org/ns/activitystreams", ...note });
    const create = { "@context": "https://www.w3.org/ns/activitystreams", id: peer.newId(), type: "Create", actor: peer.actorId, object: note, to: note.to, cc: note.cc };
    expect((await peer.post(`${a.origin}/ap/inbox`, create)).status).toBe(202);
    const plain = await peer.waitFor((r) => r.body?.type === "Announce" && r.body.object === noteId && r.signatureValid, 15_000);
    const wrapped = await peer.waitFor((r) => r.body?.type === "Announce" && r.body.object?.id === create.id && r.signatureValid, 15_000);
    expect(wrapped.body.object.object.content).toContain("Look");
    for (const sent of [plain, wrapped]) {
      const text = JSON.stringify(sent.body);
      expect(text).not.toMatch(/<script|<iframe|javascript:/i);
    }
  });

  it("ignores a post to the body from someone who is not a member", async () => {
    const mallory = peer.mallory;
    const noteId = peer.newId("notes");
    const note = { id: noteId, type: "Note", attributedTo: mallory.actorId, content: "spam", to: [bodyUri] };
    peer.serve(noteId, { "@context": "https://www.w3.org/ns/activitystreams", ...note });
    const create = { "@context": "https://www.w3.org/ns/activitystreams", id: peer.newId(), type: "Create", actor: mallory.actorId, object: note, to: [bodyUri] };
    const res = await peer.post(bodyInbox, create, { keyId: mallory.keyId, privateKeyPem: mallory.privateKeyPem });
    expect(res.status).toBe(202);
    await quiesce([a]);
    expect(await a.app.db.selectFrom("objects").select("uri").where("uri", "=", noteId).executeTakeFirst()).toBeUndefined();
  });

  it("announces a local member's post made through the API", async () => {
    const session = await fetch(`${a.origin}/api/folkmoot/v1/sessions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ handle: "alice", password: "correct horse battery" }),
    });
    expect(session.status).toBe(201);
    const { token } = (await session.json()) as { token: string };
    const res = await fetch(`${a.origin}/api/folkmoot/v1/bodies/riverside/posts`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ text: "The bridge: a proposal follows." }),
    });
    expect(res.status).toBe(201);
    const post = (await res.json()) as { uri: string };
    const announce = await peer.waitFor((r) => r.body?.type === "Announce" && r.body.object === post.uri, 15_000);
    expect(announce.signatureValid).toBe(true);
    // Mastodon fetches the announced note from its URL.
    const note = (await (await fetch(post.uri, { headers: { accept: AP_JSON } })).json()) as Record<string, any>;
    expect(note.type).toBe("Note");
    expect(note.content).toContain("The bridge");
  });
});

describe("the inbox refuses what is not signed by the actor", () => {
  const someNote = () => ({ "@context": "https://www.w3.org/ns/activitystreams", id: peer.newId(), type: "Follow", actor: peer.actorId, object: bodyUri });

  it("401 for a forged signature", async () => {
    const res = await peer.post(bodyInbox, someNote(), {
      signatureOverride: `keyId="${peer.keyId}",algorithm="rsa-sha256",headers="(request-target) host date digest",signature="${Buffer.from("forged".repeat(40)).toString("base64")}"`,
    });
    expect(res.status).toBe(401);
  });

  it("401 for a key that is not the actor's", async () => {
    const res = await peer.post(bodyInbox, someNote(), { keyId: peer.mallory.keyId, privateKeyPem: peer.mallory.privateKeyPem });
    expect(res.status).toBe(401);
  });

  it("401 for a stale Date", async () => {
    const res = await peer.post(bodyInbox, someNote(), { date: new Date(Date.now() - 2 * 3600_000) });
    expect(res.status).toBe(401);
  });

  it("401 for a body that does not match its digest", async () => {
    const res = await peer.post(bodyInbox, someNote(), { digestOverride: `SHA-256=${Buffer.alloc(32).toString("base64")}` });
    expect(res.status).toBe(401);
  });

  it("401 with no signature at all", async () => {
    const res = await peer.post(bodyInbox, someNote(), { unsigned: true });
    expect(res.status).toBe(401);
  });

  it("413 for an oversize body, before any signature work", async () => {
    const huge = { ...someNote(), padding: "x".repeat(1_100_000) };
    const res = await peer.post(bodyInbox, huge);
    expect(res.status).toBe(413);
  });

  it("accepts and ignores an unknown activity type", async () => {
    const res = await peer.post(bodyInbox, { "@context": "https://www.w3.org/ns/activitystreams", id: peer.newId(), type: "Listen", actor: peer.actorId, object: bodyUri });
    expect(res.status).toBe(202);
  });

  it("refuses a Delete of someone else's post", async () => {
    const target = await a.app.db.selectFrom("objects").select("uri").where("attributed_to", "=", peer.actorId).executeTakeFirstOrThrow();
    const del = { "@context": "https://www.w3.org/ns/activitystreams", id: peer.newId(), type: "Delete", actor: peer.mallory.actorId, object: target.uri };
    expect((await peer.post(bodyInbox, del, { keyId: peer.mallory.keyId, privateKeyPem: peer.mallory.privateKeyPem })).status).toBe(202);
    await quiesce([a]);
    const row = await a.app.db.selectFrom("objects").select("deleted_at").where("uri", "=", target.uri).executeTakeFirstOrThrow();
    expect(row.deleted_at).toBeNull();
  });
});

describe("unfollowing and approval", () => {
  it("Undo(Follow) removes the follower", async () => {
    const row = await a.app.db.selectFrom("follows").selectAll().where("follower_uri", "=", peer.actorId).executeTakeFirstOrThrow();
    const undo = {
      "@context": "https://www.w3.org/ns/activitystreams",
      id: peer.newId(),
      type: "Undo",
      actor: peer.actorId,
      object: { id: row.activity_uri, type: "Follow", actor: peer.actorId, object: bodyUri },
    };
    expect((await peer.post(bodyInbox, undo)).status).toBe(202);
    await eventually(
      async () => (await a.app.db.selectFrom("follows").select("id").where("follower_uri", "=", peer.actorId).executeTakeFirst()) === undefined,
      10_000,
      "follow removed",
    );
  });

  it("a body that approves followers keeps a follow pending until a member accepts it", async () => {
    const locked = await operations["body.create"](a.app, { handle: "tenants", kind: "council", approveFollowers: true });
    const follow = { "@context": "https://www.w3.org/ns/activitystreams", id: peer.newId(), type: "Follow", actor: peer.actorId, object: locked.id };
    expect((await peer.post(`${locked.id}/inbox`, follow)).status).toBe(202);
    const pending = await eventually(
      async () => {
        const rs = await operations["follower.requests"](a.app, { body: "tenants" });
        return rs.length === 1 ? rs : null;
      },
      10_000,
      "pending request",
    );
    expect(peer.received.some((r) => r.body?.type === "Accept" && (r.body.object?.id ?? r.body.object) === follow.id)).toBe(false);
    await operations["follower.decide"](a.app, { body: "tenants", id: pending[0]!.id, decision: "accept" });
    const accept = await peer.waitFor((r) => r.body?.type === "Accept" && (r.body.object?.id ?? r.body.object) === follow.id && r.signatureValid, 15_000);
    expect(accept.signatureValid).toBe(true);
  });
});
