import { createRestAPIClient } from "masto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { postToBody } from "../../src/community/posts.ts";
import { resolveRemoteActorWithHandle } from "../../src/community/remote-actors.ts";
import * as d from "../../src/decisions/index.ts";
import { bodyWithMembers, hourBylaws, unwrap } from "../decisions/support.ts";
import { eventually, startTestInstance, type TestInstance } from "../support/instance.ts";
import { type MastodonPeer, startMastodonPeer } from "../support/mastodon-peer.ts";
import { tokenFor } from "./support.ts";

// Following a body of another Folkmoot instance from a Mastodon app, over two real
// instances on plain http: found by its handle (WebFinger over http, as this instance is
// on http), `requested` until its Accept, then `following`; its proposals and its members'
// posts on the home timeline; unfollowing sends an Undo. And a remote member's reply in a
// body's thread: in the thread's context and on the public and hashtag streams.

let a: TestInstance;
let b: TestInstance;
let peer: MastodonPeer;
let ada: string;
let orchardAcct: string;

beforeAll(async () => {
  [a, b] = await Promise.all([startTestInstance({ host: "127.0.0.170" }), startTestInstance({ host: "127.0.0.171" })]);
  peer = await startMastodonPeer({ host: "127.0.0.172", autoAcceptFollows: true });
  await bodyWithMembers(a.app, "meadow", ["ada", "bo"], hourBylaws({ kind: "simple-majority" }, { admission: "open" }));
  await bodyWithMembers(b.app, "orchard", ["cy", "dee"], hourBylaws({ kind: "simple-majority" }));
  ada = await tokenFor(a.origin, "ada");
  orchardAcct = `orchard@${b.host}:${new URL(b.origin).port}`;
});
afterAll(async () => {
  await a?.stop();
  await b?.stop();
  await peer?.close();
});

async function bodyFollowers(): Promise<string[]> {
  const rows = await b.app.db.selectFrom("follows").select("follower_uri").where("followee_uri", "like", `${b.origin}/%`).execute();
  return rows.map((r) => r.follower_uri);
}

describe("following a body on another instance from an app", () => {
  it("finds it by handle over http, follows it (requested, then following), reads its proposals and posts, and unfollows with an Undo", async () => {
    const masto = createRestAPIClient({ url: a.origin, accessToken: ada });
    const me = await masto.v1.accounts.verifyCredentials();

    // Found by `@orchard@host:port`: WebFinger over http, as this instance runs on http.
    const found = await masto.v2.search.list({ q: `@${orchardAcct}`, type: "accounts", resolve: true });
    expect(found.accounts.map((x) => x.acct)).toEqual([orchardAcct]);
    const orchard = found.accounts[0]!;
    expect(orchard.group).toBe(true);
    expect(orchard.url.startsWith(`${b.origin}/`)).toBe(true);
    // And now by `accounts/lookup`, as apps do.
    expect((await masto.v1.accounts.lookup({ acct: orchardAcct })).id).toBe(orchard.id);

    const asked = await masto.v1.accounts.$select(orchard.id).follow();
    expect(asked).toMatchObject({ id: orchard.id, following: false, requested: true });
    // Following again while it is pending sends nothing new and answers the same.
    expect(await masto.v1.accounts.$select(orchard.id).follow()).toMatchObject({ following: false, requested: true });

    // The Accept comes back from the other instance.
    await eventually(async () => (await masto.v1.accounts.relationships.fetch({ id: [orchard.id] }))[0]?.following === true, 15_000, "the Accept");
    const [rel] = await masto.v1.accounts.relationships.fetch({ id: [orchard.id] });
    expect(rel).toMatchObject({ id: orchard.id, following: true, requested: false, followedBy: false });
    expect((await masto.v1.accounts.$select(me.id).following.list()).map((x) => x.acct)).toEqual([orchardAcct]);
    expect(await bodyFollowers()).toEqual([`${a.origin}/ap/actors/${me.id}`]);

    // The body tables a proposal and a member posts to it: both reach the home timeline.
    const [cy] = await b.app.db.selectFrom("actors").select("id").where("handle", "=", "cy").execute();
    const cyUri = `${b.origin}/ap/actors/${cy!.id}`;
    const p = unwrap(await d.draftProposal(b.app, cyUri, "orchard", { kind: "policy", title: "Prune the pear trees", text: "Before the frost." }));
    unwrap(await d.tableProposal(b.app, cyUri, "orchard", p.id));
    unwrap(await postToBody(b.app, cy!.id, "orchard", { text: "Ladders are in the shed." }));
    const home = await eventually(
      async () => {
        const list = await masto.v1.timelines.home.list();
        return list.some((s) => s.content.includes("Prune the pear trees")) && list.some((s) => s.content.includes("Ladders are in the shed")) ? list : null;
      },
      15_000,
      "the proposal and the post on the home timeline",
    );
    const proposal = home.find((s) => s.content.includes("Prune the pear trees"))!;
    expect(proposal.account.acct).toBe(orchardAcct);
    expect(proposal.account.group).toBe(true);
    expect(proposal.visibility).toBe("public");
    expect(proposal.uri).toBe(p.uri);
    // Its poll, from the Question as received: closed while the proposal is in deliberation.
    expect(proposal.poll?.options.map((o) => o.title)).toContain("Agree");
    expect(proposal.poll).toMatchObject({ expired: true, votesCount: 0, voted: false });
    expect(await masto.v1.polls.$select(proposal.poll!.id).fetch()).toEqual(proposal.poll);
    const vote = await fetch(new URL(`/api/v1/polls/${proposal.poll!.id}/votes`, a.origin), {
      method: "POST",
      headers: { authorization: `Bearer ${ada}`, "content-type": "application/json" },
      body: JSON.stringify({ choices: [0] }),
    });
    expect(vote.status).toBe(422);
    expect(((await vote.json()) as { error: string }).error).toMatch(/^Validation failed: this poll is on another server/);
    const post = home.find((s) => s.content.includes("Ladders are in the shed"))!;
    expect(post.account.acct).toBe(`cy@${b.host}:${new URL(b.origin).port}`);
    // The proposal is on the body's statuses here too, and found again by its id.
    expect((await masto.v1.statuses.$select(proposal.id).fetch()).uri).toBe(p.uri);

    // Unfollowing: the relationship at once, and an Undo that removes the follow over there.
    const after = await masto.v1.accounts.$select(orchard.id).unfollow();
    expect(after).toMatchObject({ following: false, requested: false });
    await eventually(async () => (await bodyFollowers()).length === 0, 15_000, "the Undo");
    expect(await masto.v1.accounts.$select(me.id).following.list()).toEqual([]);
  });

  it("answers an unknown remote account with 404, and a lookup of an unknown handle without a token with 404", async () => {
    const unknown = `r-${Buffer.from(`${b.origin}/ap/actors/nobody`).toString("base64url")}`;
    for (const path of [`/api/v1/accounts/${unknown}/follow`, `/api/v1/accounts/${unknown}/unfollow`]) {
      const res = await fetch(new URL(path, a.origin), { method: "POST", headers: { authorization: `Bearer ${ada}` } });
      expect(res.status, path).toBe(404);
      expect(await res.json()).toEqual({ error: "Record not found" });
    }
    // Without a token nothing is looked up elsewhere.
    const res = await fetch(new URL(`/api/v1/accounts/lookup?acct=${encodeURIComponent(`dee@${b.host}:${new URL(b.origin).port}`)}`, a.origin));
    expect(res.status).toBe(404);
  });

  it("looks handles up over http only on an instance that runs on http", async () => {
    const onHttps = { ...a.app, config: { ...a.app.config, publicOrigin: new URL(`https://${a.host}:1`) } };
    expect(await resolveRemoteActorWithHandle(onHttps, `dee@${b.host}:${new URL(b.origin).port}`)).toBeNull();
    const onHttp = await resolveRemoteActorWithHandle(a.app, `dee@${b.host}:${new URL(b.origin).port}`);
    expect(onHttp?.handle).toBe(`dee@${b.host}:${new URL(b.origin).port}`);
  });
});

describe("a remote member's reply in a body's thread", () => {
  it("is in the thread's context and streams on public and hashtag streams", async () => {
    const masto = createRestAPIClient({ url: a.origin, accessToken: ada });
    const meadow = await masto.v1.accounts.lookup({ acct: "meadow" });
    const bodyUri = `${a.origin}/ap/actors/${meadow.id}`;
    await import("../../src/cli/operations.ts").then(({ operations }) => operations["member.add"](a.app, { body: "meadow", member: peer.actorId }));
    const first = await masto.v1.statuses.create({ status: "@meadow Who brings the scythe?" });

    const ws = a.origin.replace(/^http/, "ws");
    const messages: { stream: string[]; event: string; payload: string }[] = [];
    const socket = new WebSocket(`${ws}/api/v1/streaming?stream=public&access_token=${ada}`);
    socket.on("message", (data) => messages.push(JSON.parse(String(data))));
    await new Promise<void>((resolve, reject) => {
      socket.once("open", () => resolve());
      socket.once("error", reject);
    });
    socket.send(JSON.stringify({ type: "subscribe", stream: "hashtag", tag: "scythe" }));
    await new Promise((r) => setTimeout(r, 200));

    // First a note to ada alone: kept for her, never on the public streams.
    const me = await masto.v1.accounts.verifyCredentials();
    const adaUri = `${a.origin}/ap/actors/${me.id}`;
    const directId = peer.newId("notes");
    const direct = {
      id: directId,
      type: "Note",
      attributedTo: peer.actorId,
      content: "<p>Just for you: the #scythe is blunt</p>",
      to: [adaUri],
      tag: [{ type: "Mention", href: adaUri, name: "@ada" }],
      published: new Date().toISOString(),
    };
    peer.serve(directId, { "@context": "https://www.w3.org/ns/activitystreams", ...direct });
    const sentDirect = { "@context": "https://www.w3.org/ns/activitystreams", id: peer.newId(), type: "Create", actor: peer.actorId, object: direct, to: direct.to };
    expect((await peer.post(`${a.origin}/ap/inbox`, sentDirect)).status).toBe(202);
    await eventually(async () => (await a.app.db.selectFrom("objects").select("uri").where("uri", "=", directId).executeTakeFirst()) !== undefined, 15_000, "the note kept");

    const noteId = peer.newId("notes");
    const note = {
      id: noteId,
      type: "Note",
      attributedTo: peer.actorId,
      inReplyTo: first.uri,
      content: '<p>I will bring the <a href="#" class="hashtag">#<span>scythe</span></a></p>',
      to: ["https://www.w3.org/ns/activitystreams#Public"],
      cc: [bodyUri],
      published: new Date().toISOString(),
    };
    peer.serve(noteId, { "@context": "https://www.w3.org/ns/activitystreams", ...note });
    const create = { "@context": "https://www.w3.org/ns/activitystreams", id: peer.newId(), type: "Create", actor: peer.actorId, object: note, to: note.to, cc: note.cc };
    expect((await peer.post(`${a.origin}/ap/inbox`, create)).status).toBe(202);

    const context = await eventually(
      async () => {
        const c = await masto.v1.statuses.$select(first.id).context.fetch();
        return c.descendants.length > 0 ? c : null;
      },
      15_000,
      "the reply in the context",
    );
    expect(context.descendants.map((s) => [s.uri, s.account.acct, s.inReplyToId])).toEqual([[noteId, `alice@${peer.host}:${peer.port}`, first.id]]);
    await eventually(async () => messages.some((m) => m.stream[0] === "public" && m.event === "update" && JSON.parse(m.payload).uri === noteId), 5_000, "public update");
    await eventually(
      async () => messages.some((m) => m.stream.join(":") === "hashtag:scythe" && m.event === "update" && JSON.parse(m.payload).uri === noteId),
      5_000,
      "hashtag update",
    );
    // Events come in order: the note kept for ada, before the reply, was not sent.
    expect(messages.filter((m) => m.event === "update" && JSON.parse(m.payload).uri === directId)).toEqual([]);
    socket.close();
  });
});

describe("following a person on a Mastodon server from an app", () => {
  it("keeps their public posts for the home timeline, also one that names someone here; not a note sent to someone else alone", async () => {
    const bo = await tokenFor(a.origin, "bo");
    const masto = createRestAPIClient({ url: a.origin, accessToken: bo });
    const [alice] = (await masto.v2.search.list({ q: peer.actorId, type: "accounts", resolve: true })).accounts;
    expect(alice?.acct).toBe(`alice@${peer.host}:${peer.port}`);
    expect(await masto.v1.accounts.$select(alice!.id).follow()).toMatchObject({ requested: true });
    await eventually(async () => (await masto.v1.accounts.relationships.fetch({ id: [alice!.id] }))[0]?.following === true, 15_000, "the peer's Accept");

    const adaId = (await a.app.db.selectFrom("actors").select("id").where("handle", "=", "ada").executeTakeFirstOrThrow()).id;
    const adaUri = `${a.origin}/ap/actors/${adaId}`;
    const sent: string[] = [];
    for (const [text, to, tag] of [
      ["<p>Market day moved to Friday</p>", [], []],
      ["<p>@ada the apples are ripe</p>", [adaUri], [{ type: "Mention", href: adaUri, name: "@ada" }]],
    ] as const) {
      const id = peer.newId("notes");
      const note = {
        id,
        type: "Note",
        attributedTo: peer.actorId,
        content: text,
        to: ["https://www.w3.org/ns/activitystreams#Public"],
        cc: [`${peer.actorId}/followers`, ...to],
        tag,
        published: new Date().toISOString(),
      };
      peer.serve(id, { "@context": "https://www.w3.org/ns/activitystreams", ...note });
      const create = { "@context": "https://www.w3.org/ns/activitystreams", id: peer.newId(), type: "Create", actor: peer.actorId, object: note, to: note.to, cc: note.cc };
      expect((await peer.post(`${a.origin}/ap/inbox`, create)).status).toBe(202);
      sent.push(id);
    }
    const home = await eventually(
      async () => {
        const list = await masto.v1.timelines.home.list();
        return sent.every((id) => list.some((s) => s.uri === id)) ? list : null;
      },
      15_000,
      "the peer's posts on the home timeline",
    );
    expect(home.filter((s) => sent.includes(s.uri)).map((s) => [s.visibility, s.account.acct])).toEqual([
      ["public", alice!.acct],
      ["public", alice!.acct],
    ]);
    // The earlier direct note to ada is not on bo's home timeline, though bo follows its author.
    expect(home.some((s) => s.content.includes("Just for you"))).toBe(false);
  });
});
