import Fastify, { type FastifyInstance } from "fastify";
import { createRestAPIClient, createStreamingAPIClient } from "masto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { postToBody } from "../../src/community/posts.ts";
import * as d from "../../src/decisions/index.ts";
import { CLOSE_TOKEN_ENDED, streamingRoutes } from "../../src/mastodon/streaming.ts";
import { bodyWithMembers, hourBylaws, unwrap } from "../decisions/support.ts";
import { startTestInstance, type TestInstance } from "../support/instance.ts";
import { appTokenFor } from "./support.ts";

// The streaming API with real WebSocket clients (`ws`, and masto's streaming client):
// events come from what is recorded (a post to a body one follows, a proposal tabled, a
// reply), the token is taken as Mastodon takes it, a revoked token closes the socket.

let a: TestInstance;
let ids: Record<string, string>;
const tokens: Record<string, { token: string; clientId: string; clientSecret: string }> = {};

const tokenFor = (handle: string, scopes = "read write follow") => appTokenFor(a.origin, handle, scopes);

interface Message {
  stream: string[];
  event: string;
  payload: string;
}

/** A `ws` client that keeps every message, and waits for one that matches. */
function open(url: string, protocols?: string[]) {
  const socket = new WebSocket(url, protocols);
  const messages: Message[] = [];
  const closed = new Promise<number>((resolve) => socket.on("close", (code) => resolve(code)));
  socket.on("message", (data) => messages.push(JSON.parse(String(data)) as Message));
  const opened = new Promise<void>((resolve, reject) => {
    socket.once("open", () => resolve());
    socket.once("unexpected-response", (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    socket.once("error", reject);
  });
  async function next(match: (m: Message) => boolean, timeoutMs = 5000): Promise<Message> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const found = messages.find(match);
      if (found) return found;
      if (Date.now() > until) throw new Error(`no matching message; got ${JSON.stringify(messages).slice(0, 500)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  return { socket, messages, opened, closed, next };
}

const wsOrigin = () => a.origin.replace(/^http/, "ws");

beforeAll(async () => {
  a = await startTestInstance({ host: "127.0.0.151" });
  await bodyWithMembers(a.app, "garden", ["ada", "bo", "cy"], hourBylaws({ kind: "simple-majority" }));
  ids = {};
  for (const h of ["ada", "bo", "cy"]) ids[h] = (await a.app.db.selectFrom("actors").select("id").where("handle", "=", h).executeTakeFirstOrThrow()).id;
  for (const h of ["ada", "bo", "cy"]) tokens[h] = await tokenFor(h);
  // bo follows the body from the app.
  const masto = createRestAPIClient({ url: a.origin, accessToken: tokens.bo!.token });
  const garden = await masto.v1.accounts.lookup({ acct: "garden" });
  await masto.v1.accounts.$select(garden.id).follow();
});
afterAll(async () => {
  await a?.stop();
});

describe("where apps find the streaming API", () => {
  it("answers the health check and names the streaming URL in the instance", async () => {
    const health = await fetch(new URL("/api/v1/streaming/health", a.origin));
    expect(health.status).toBe(200);
    expect(await health.text()).toBe("OK");
    const v1 = (await (await fetch(new URL("/api/v1/instance", a.origin))).json()) as { urls: { streaming_api: string } };
    const v2 = (await (await fetch(new URL("/api/v2/instance", a.origin))).json()) as { configuration: { urls: { streaming: string } } };
    expect(v1.urls.streaming_api).toBe(wsOrigin());
    expect(v2.configuration.urls.streaming).toBe(wsOrigin());
  });
});

describe("the user stream", () => {
  it("brings a post to a followed body, a proposal leaving its draft, and a reply as a notification", async () => {
    const bo = open(`${wsOrigin()}/api/v1/streaming?stream=user&access_token=${tokens.bo!.token}`);
    // ada follows nothing: her user stream hears of her own post only.
    const ada = open(`${wsOrigin()}/api/v1/streaming?stream=user`, [tokens.ada!.token]);
    await Promise.all([bo.opened, ada.opened]);
    expect(ada.socket.protocol).toBe(tokens.ada!.token);

    const post = unwrap(await postToBody(a.app, ids.ada!, "garden", { text: "Seedlings are in." }));
    const update = await bo.next((m) => m.event === "update");
    expect(update.stream).toEqual(["user"]);
    const status = JSON.parse(update.payload) as { uri: string; content: string; account: { username: string } };
    expect(status).toMatchObject({ uri: post.uri, account: { username: "ada" } });
    expect(status.content).toContain("Seedlings are in.");
    await ada.next((m) => m.event === "update" && m.payload.includes("Seedlings are in."));

    // A draft is the body's business; tabled, it reaches the followers with its poll.
    const p = unwrap(await d.draftProposal(a.app, `${a.origin}/ap/actors/${ids.cy}`, "garden", { kind: "policy", title: "Water at dawn", text: "Less evaporation." }));
    unwrap(await d.tableProposal(a.app, `${a.origin}/ap/actors/${ids.cy}`, "garden", p.id));
    const proposal = await bo.next((m) => m.event === "update" && (JSON.parse(m.payload) as { uri: string }).uri === p.uri);
    expect(JSON.parse(proposal.payload)).toMatchObject({ account: { username: "garden", group: true } });
    expect(bo.messages.filter((m) => m.payload.includes("Water at dawn"))).toHaveLength(1);

    // ada replies to bo's post: bo is notified, as a mention.
    const mine = unwrap(await postToBody(a.app, ids.bo!, "garden", { text: "Who has the hose?" }));
    unwrap(await postToBody(a.app, ids.ada!, "garden", { text: "I do.", inReplyTo: mine.uri }));
    const note = await bo.next((m) => m.event === "notification");
    expect(JSON.parse(note.payload)).toMatchObject({ type: "mention", account: { username: "ada" }, status: { content: expect.stringContaining("I do.") } });
    expect(ada.messages.some((m) => m.event === "notification")).toBe(false);
    expect(ada.messages.some((m) => m.payload.includes("Water at dawn"))).toBe(false);
    bo.socket.close();
    ada.socket.close();
  });

  it("takes subscribe messages for several streams on one socket, and masto's streaming client", async () => {
    const c = open(`${wsOrigin()}/api/v1/streaming`, [tokens.cy!.token]);
    await c.opened;
    c.socket.send(JSON.stringify({ type: "subscribe", stream: "public:local" }));
    c.socket.send(JSON.stringify({ type: "subscribe", stream: "hashtag", tag: "Beans" }));
    c.socket.send(JSON.stringify({ type: "subscribe", stream: "nonsense" }));
    await c.next((m) => (m as unknown as { error?: string }).error === "Unknown stream type");

    const masto = createStreamingAPIClient({ streamingApiUrl: wsOrigin(), accessToken: tokens.ada!.token, retry: false });
    const sub = masto.hashtag.subscribe({ tag: "beans" });
    const first = (async () => {
      for await (const event of sub) return event;
    })();
    // masto connects and subscribes in the background: post until its subscription hears one (bounded).
    let event: Awaited<typeof first> | null = null;
    for (let i = 0; i < 25 && !event; i++) {
      unwrap(await postToBody(a.app, ids.bo!, "garden", { text: `Sow the #beans now (${i}).` }));
      event = await Promise.race([first, new Promise<null>((r) => setTimeout(() => r(null), 400))]);
    }
    expect(event).toMatchObject({ event: "update", stream: ["hashtag", "beans"] });
    expect(event?.event === "update" && event.payload.content).toContain("#beans");
    masto.close();

    await c.next((m) => m.event === "update" && m.stream[0] === "hashtag");
    expect(c.messages.filter((m) => m.event === "update").map((m) => m.stream.join(" "))).toEqual(expect.arrayContaining(["public:local", "hashtag beans"]));
    c.socket.send(JSON.stringify({ type: "unsubscribe", stream: "hashtag", tag: "beans" }));
    await new Promise((r) => setTimeout(r, 100));
    const before = c.messages.length;
    unwrap(await postToBody(a.app, ids.bo!, "garden", { text: "More #beans." }));
    await c.next((m) => m.event === "update" && m.payload.includes("More #beans"));
    expect(c.messages.slice(before).map((m) => m.stream.join(" "))).toEqual(["public:local"]);
    c.socket.close();
  });
});

describe("refused and ended", () => {
  it("refuses a socket without a valid token or for an unknown stream", async () => {
    await expect(open(`${wsOrigin()}/api/v1/streaming?stream=public`).opened).rejects.toThrow("HTTP 401");
    await expect(open(`${wsOrigin()}/api/v1/streaming?stream=public&access_token=nonsense`).opened).rejects.toThrow("HTTP 401");
    await expect(open(`${wsOrigin()}/api/v1/streaming?stream=elsewhere&access_token=${tokens.cy!.token}`).opened).rejects.toThrow("HTTP 400");
    const plain = await fetch(new URL(`/api/v1/streaming?stream=public&access_token=${tokens.cy!.token}`, a.origin));
    expect(plain.status).toBe(400);
  });

  it("closes the socket when its token is revoked, at the next event", async () => {
    const ada = await tokenFor("ada");
    const c = open(`${wsOrigin()}/api/v1/streaming?stream=public&access_token=${ada.token}`);
    await c.opened;
    const revoked = await fetch(new URL("/oauth/revoke", a.origin), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ client_id: ada.clientId, client_secret: ada.clientSecret, token: ada.token }),
    });
    expect(revoked.status).toBe(200);
    unwrap(await postToBody(a.app, ids.bo!, "garden", { text: "Anyone there?" }));
    expect(await c.closed).toBe(CLOSE_TOKEN_ENDED);
    expect(c.messages).toEqual([]);
  });
});

describe("heartbeats and bounds", () => {
  let f: FastifyInstance;
  let origin: string;
  beforeAll(async () => {
    // The streaming routes on their own server, with a fast heartbeat and a low bound.
    f = Fastify();
    await f.register(streamingRoutes(a.app, { heartbeatMs: 100, maxPerToken: 2 }));
    origin = (await f.listen({ host: "127.0.0.152", port: 0 })).replace(/^http/, "ws");
  });
  afterAll(async () => {
    await f?.close();
  });

  it("pings, bounds the sockets of one token, and closes on a revoked token without an event", async () => {
    const cy = await tokenFor("cy");
    const url = `${origin}/api/v1/streaming?stream=user&access_token=${cy.token}`;
    const one = open(url);
    const two = open(url);
    await Promise.all([one.opened, two.opened]);
    await expect(open(url).opened).rejects.toThrow("HTTP 429");
    const pinged = new Promise<void>((resolve) => one.socket.once("ping", () => resolve()));
    await pinged;
    const res = await fetch(new URL("/oauth/revoke", a.origin), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ client_id: cy.clientId, client_secret: cy.clientSecret, token: cy.token }),
    });
    expect(res.status).toBe(200);
    expect(await Promise.all([one.closed, two.closed])).toEqual([CLOSE_TOKEN_ENDED, CLOSE_TOKEN_ENDED]);
  });
});
