import { createRestAPIClient } from "masto";
import megalodon from "megalodon";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bodyWithMembers, hourBylaws } from "../decisions/support.ts";
import { eventually, startTestInstance, type TestInstance } from "../support/instance.ts";
import { type MastodonPeer, startMastodonPeer } from "../support/mastodon-peer.ts";
import { links, tokenFor } from "./support.ts";

// megalodon is CommonJS: TypeScript sees its exports object as the default, Vite's interop the function.
const generator = ((megalodon as unknown as { default?: unknown }).default ?? megalodon) as typeof megalodon.default;

// An account's statuses, followers and following, and search (with `resolve` against the
// Mastodon-style peer), driven with `masto` and `megalodon`.

let a: TestInstance;
let peer: MastodonPeer;
let ada: string;
let slow: MastodonPeer;

beforeAll(async () => {
  a = await startTestInstance({ host: "127.0.0.132" });
  peer = await startMastodonPeer({ host: "127.0.0.133" });
  slow = await startMastodonPeer({ host: "127.0.0.135", actorDelayMs: 8_000 });
  await bodyWithMembers(a.app, "meadow", ["ada", "bo", "cy"], hourBylaws({ kind: "simple-majority" }));
  ada = await tokenFor(a.origin, "ada");
});
afterAll(async () => {
  await a?.stop();
  await peer?.close();
  await slow?.close();
});

describe("an account's statuses", () => {
  it("lists a person's statuses and a body's, without replies when asked; nothing pinned", async () => {
    const masto = createRestAPIClient({ url: a.origin, accessToken: ada });
    const me = await masto.v1.accounts.verifyCredentials();
    const first = await masto.v1.statuses.create({ status: "@meadow Mowing on Saturday" });
    const answer = await masto.v1.statuses.create({ status: "Bring rakes.", inReplyToId: first.id });
    const mine = await masto.v1.accounts.$select(me.id).statuses.list();
    expect(mine.map((s) => s.id)).toEqual([answer.id, first.id]);
    const noReplies = await masto.v1.accounts.$select(me.id).statuses.list({ excludeReplies: true });
    expect(noReplies.map((s) => s.id)).toEqual([first.id]);
    expect(await masto.v1.accounts.$select(me.id).statuses.list({ pinned: true })).toEqual([]);
    // A body's statuses: what it passes on from its members.
    const meadow = await masto.v1.accounts.lookup({ acct: "meadow" });
    const bodys = await masto.v1.accounts.$select(meadow.id).statuses.list({ limit: 1 });
    expect(bodys.map((s) => s.id)).toEqual([answer.id]);
    expect((await masto.v1.accounts.$select(me.id).fetch()).statusesCount).toBe(2);
  });

  it("answers an unknown account with 404 and Mastodon's body", async () => {
    for (const path of ["/api/v1/accounts/nobody", "/api/v1/accounts/nobody/statuses", "/api/v1/accounts/nobody/followers", "/api/v1/accounts/r-bm90LWEtdXJs/following"]) {
      const res = await fetch(new URL(path, a.origin));
      expect(res.status, path).toBe(404);
      expect(await res.json()).toEqual({ error: "Record not found" });
    }
  });
});

describe("followers and following", () => {
  it("lists them, local and remote, paged with Link headers", async () => {
    const masto = createRestAPIClient({ url: a.origin, accessToken: ada });
    const meadow = await masto.v1.accounts.lookup({ acct: "meadow" });
    for (const h of ["bo", "cy"]) {
      const c = createRestAPIClient({ url: a.origin, accessToken: await tokenFor(a.origin, h, "read follow") });
      await c.v1.accounts.$select(meadow.id).follow();
    }
    // And a follower on another server.
    const bodyUri = `${a.origin}/ap/actors/${meadow.id}`;
    expect(
      (await peer.post(`${bodyUri}/inbox`, { "@context": "https://www.w3.org/ns/activitystreams", id: peer.newId(), type: "Follow", actor: peer.actorId, object: bodyUri })).status,
    ).toBe(202);
    await eventually(async () => (await masto.v1.accounts.$select(meadow.id).followers.list()).length === 3);

    const res = await fetch(new URL(`/api/v1/accounts/${meadow.id}/followers?limit=2`, a.origin));
    const page = (await res.json()) as { acct: string; id: string }[];
    expect(page[0]!.acct).toBe(`alice@${peer.host}:${peer.port}`);
    expect(page[1]!.acct).toBe("cy");
    const next = links(res.headers.get("link")).next!;
    expect(((await (await fetch(next)).json()) as { acct: string }[]).map((x) => x.acct)).toEqual(["bo"]);
    // The remote account can be read by its id.
    const remote = await masto.v1.accounts.$select(page[0]!.id).fetch();
    expect((remote as unknown as { uri: string }).uri).toBe(peer.actorId);

    const bo = await masto.v1.accounts.lookup({ acct: "bo" });
    const following = await masto.v1.accounts.$select(bo.id).following.list();
    expect(following.map((x) => x.acct)).toEqual(["meadow"]);
    expect(following[0]!.group).toBe(true);
  });
});

describe("search", () => {
  it("finds people and bodies here, statuses by words and hashtags", async () => {
    const masto = createRestAPIClient({ url: a.origin, accessToken: ada });
    await masto.v1.statuses.create({ status: "@meadow Seeds for the #wildflowers strip" });
    const found = await masto.v2.search.list({ q: "mead" });
    expect(found.accounts.map((x) => [x.acct, x.group])).toEqual([["meadow", true]]);
    const words = await masto.v2.search.list({ q: "wildflowers strip", type: "statuses" });
    expect(words.statuses).toHaveLength(1);
    expect(words.accounts).toEqual([]);
    const tags = await masto.v2.search.list({ q: "#wildflowers", type: "hashtags" });
    expect(tags.hashtags.map((t) => t.name)).toEqual(["wildflowers"]);
    const res = await fetch(new URL("/api/v2/search", a.origin));
    expect(res.status).toBe(400);
  });

  it("resolves a remote account by its URL, only for a signed-in person with read:search", async () => {
    const before = peer.requests.length;
    const anonymous = await fetch(new URL(`/api/v2/search?q=${encodeURIComponent(peer.actorId)}&resolve=true`, a.origin));
    expect(((await anonymous.json()) as { accounts: unknown[] }).accounts).toEqual([]);
    expect(peer.requests.slice(before).filter((r) => r.method === "GET")).toEqual([]);

    const narrow = await tokenFor(a.origin, "ada", "read:accounts");
    const refused = await fetch(new URL(`/api/v2/search?q=x&resolve=true`, a.origin), { headers: { authorization: `Bearer ${narrow}` } });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toEqual({ error: "This action is outside the authorized scopes" });

    const client = generator("mastodon", a.origin, ada);
    const resolved = await client.search(peer.actorId, { type: "accounts", resolve: true });
    expect(resolved.data.accounts.map((x) => x.url)).toHaveLength(1);
    expect(resolved.data.accounts[0]!.acct).toBe(`alice@${peer.host}:${peer.port}`);
    // Known now: found without resolving, by name.
    const known = await createRestAPIClient({ url: a.origin, accessToken: ada }).v2.search.list({ q: "alice" });
    expect(known.accounts.map((x) => x.acct)).toContain(`alice@${peer.host}:${peer.port}`);
  });

  it("gives a remote look-up a few seconds at most", async () => {
    const started = Date.now();
    const res = await fetch(new URL(`/api/v2/search?type=accounts&resolve=true&q=${encodeURIComponent(slow.actorId)}`, a.origin), { headers: { authorization: `Bearer ${ada}` } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { accounts: unknown[] }).accounts).toEqual([]);
    const took = Date.now() - started;
    expect(took).toBeLessThan(7_500);
  });
});
