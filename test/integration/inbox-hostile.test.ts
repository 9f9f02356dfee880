import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { operations } from "../../src/cli/operations.ts";
import { startTestInstance, type TestInstance } from "../support/instance.ts";
import { fuzzActivity } from "../support/fuzz-activities.ts";
import { signRequestCavage, startMastodonPeer, type MastodonPeer } from "../support/mastodon-peer.ts";

// Hostile input at the inbox: nothing the sender controls is processed before its HTTP
// signature verifies, nothing is fetched for an unsigned request, and a malformed body,
// signed or not, is answered 400 (never 500: peers retry 5xx for days).

const AS = "https://www.w3.org/ns/activitystreams";
let a: TestInstance;
let peer: MastodonPeer;
let tarpit: Server;
let tarpitUrl: string;
const tarpitHits: IncomingMessage[] = [];
let inbox: string;
let body: string;

beforeAll(async () => {
  // A budget no test here reaches: the fuzzed activities must all reach Fedify (the budget has its own tests below).
  [a, peer] = await Promise.all([startTestInstance({ host: "127.0.0.71", env: { INBOX_ORIGIN_RATE: "1000000" } }), startMastodonPeer({ host: "127.0.0.72" })]);
  body = (await operations["body.create"](a.app, { handle: "riverside", kind: "assembly" })).id;
  inbox = `${body}/inbox`;
  // A server that takes requests and never answers (it would hold a fetch for ever).
  tarpit = createServer((req) => tarpitHits.push(req));
  await new Promise<void>((resolve) => tarpit.listen(0, "127.0.0.73", resolve));
  tarpitUrl = `http://127.0.0.73:${(tarpit.address() as AddressInfo).port}`;
});

afterAll(async () => {
  tarpit?.closeAllConnections();
  await new Promise((resolve) => tarpit?.close(resolve));
  await Promise.all([a?.stop(), peer?.close()]);
});

const unsigned = (raw: string) => peer.post(inbox, {}, { unsigned: true, rawBody: raw });
const signed = (raw: string) => peer.post(inbox, {}, { rawBody: raw });

describe("the inbox before authentication", () => {
  it("refuses an unsigned activity with 401, fetching nothing it names", async () => {
    const activity = { "@context": [AS, `${tarpitUrl}/context`], id: `${tarpitUrl}/a/1`, type: "Follow", actor: `${tarpitUrl}/actor`, object: body };
    const started = Date.now();
    const res = await unsigned(JSON.stringify(activity));
    expect(res.status).toBe(401);
    expect(JSON.parse(res.body)).toMatchObject({ message: "an activity must be signed with an HTTP signature" });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(tarpitHits).toHaveLength(0);
  });

  it("refuses a body too wide, too deep or too big before any signature work", async () => {
    const wide = await unsigned(`[${new Array(200_000).fill(1).join(",")}]`);
    expect(wide.status).toBe(400);
    expect(JSON.parse(wide.body).message).toMatch(/more than/);
    const deep = await unsigned(`${"[".repeat(100_000)}${"]".repeat(100_000)}`);
    expect(deep.status).toBe(400);
    expect(JSON.parse(deep.body).message).toMatch(/nested more than 16 deep/);
    const many = {
      "@context": AS,
      type: "Note",
      tag: Array.from({ length: 900 }, () => ({ a: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23] })),
    };
    expect((await signed(JSON.stringify(many))).status).toBe(400);
  });

  it("refuses with 400 a signed activity small in bytes that would take long to read (objects nested in objects)", async () => {
    // 12 Announces around a note with 60 mentions: 17 KB, within the depth, the array
    // length and the value count, but Fedify expands each embedded object again with all
    // it holds: about 4,800 units of work, a quarter of a second of the event loop.
    let object: Record<string, unknown> = {
      id: peer.newId(),
      type: "Note",
      attributedTo: peer.actorId,
      content: "x",
      tag: Array.from({ length: 60 }, (_, i) => ({ type: "Mention", href: `${peer.actorId}/${i}`, name: `@m${i}` })),
    };
    for (let d = 0; d < 12; d++) object = { id: peer.newId(), type: "Announce", actor: peer.actorId, object };
    const res = await signed(JSON.stringify({ "@context": AS, ...object }));
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).message).toMatch(/more than 2000 units of work/);
  });

  it("answers 400 to a body that is not one JSON object, signed or not", async () => {
    for (const raw of ['"just a string"', "42", "null", "[]", "{not json", "{}}"]) {
      expect((await unsigned(raw)).status, raw).toBe(400);
      expect((await signed(raw)).status, raw).toBe(400);
    }
  });

  it("refuses a signature that does not verify with 401", async () => {
    const activity = { "@context": AS, id: peer.newId(), type: "Follow", actor: peer.actorId, object: body };
    // Signed with mallory's key under the main actor's keyId.
    const forged = await peer.post(inbox, activity, { keyId: `${peer.actorId}#main-key`, privateKeyPem: peer.mallory.privateKeyPem });
    expect(forged.status).toBe(401);
  });
});

describe("the inbox after authentication", () => {
  it("answers 400, not 500, to a signed activity with a malformed field", async () => {
    const activity = {
      "@context": AS,
      id: peer.newId(),
      type: "Create",
      actor: peer.actorId,
      published: 5,
      object: { id: peer.newId(), type: "Note", content: "hi", attributedTo: peer.actorId },
    };
    const res = await signed(JSON.stringify(activity));
    expect(res.status).toBe(400);
  });

  it("answers 400, not 500, to a signed activity whose @context cannot be fetched", async () => {
    const activity = { "@context": [AS, "http://127.0.0.74:9/nowhere"], id: peer.newId(), type: "Follow", actor: peer.actorId, object: body };
    const res = await signed(JSON.stringify(activity));
    expect(res.status).toBeLessThan(500);
    expect(res.status).toBeGreaterThanOrEqual(400);
  });

  it("never answers 5xx to fuzzed activities, signed or not, and keeps serving", async () => {
    const statuses = new Map<number, number>();
    const activity = fuzzActivity({ actor: peer.actorId, target: body, newId: () => peer.newId() });
    await fc.assert(
      fc.asyncProperty(activity, fc.boolean(), async (json, sign) => {
        const res = sign ? await signed(JSON.stringify(json)) : await unsigned(JSON.stringify(json));
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        return res.status < 500;
      }),
      { numRuns: 200 },
    );
    expect((await fetch(`${a.origin}/healthz`)).status).toBe(200);
    expect([...statuses.keys()].every((s) => s < 500)).toBe(true);
  }, 120_000);
});

describe("the work one origin may make the inbox do", () => {
  let c: TestInstance;
  let other: MastodonPeer;
  let cInbox: string;
  beforeAll(async () => {
    // 100 units of work a second, 1,000 at most at once.
    [c, other] = await Promise.all([startTestInstance({ host: "127.0.0.74", env: { INBOX_ORIGIN_RATE: "100" } }), startMastodonPeer({ host: "127.0.0.75" })]);
    cInbox = `${(await operations["body.create"](c.app, { handle: "hillside", kind: "assembly" })).id}/inbox`;
  });
  afterAll(async () => {
    await Promise.all([c?.stop(), other?.close()]);
  });

  /** A signed Create of a note with 50 mentions (about 770 units of work), POSTed with fetch to see the headers. */
  const post = async (from: MastodonPeer) => {
    const id = from.newId();
    const raw = JSON.stringify({
      "@context": AS,
      id,
      type: "Create",
      actor: from.actorId,
      object: {
        id: `${id}/note`,
        type: "Note",
        attributedTo: from.actorId,
        content: "hi",
        tag: Array.from({ length: 50 }, (_, i) => ({ type: "Mention", href: `${from.actorId}/${i}`, name: `@m${i}` })),
      },
    });
    const headers = signRequestCavage({
      method: "POST",
      url: cInbox,
      keyId: from.keyId,
      privateKeyPem: from.privateKeyPem,
      body: raw,
      headers: { "content-type": "application/activity+json" },
    });
    delete headers.host;
    const res = await fetch(cInbox, { method: "POST", headers, body: raw });
    return { status: res.status, retryAfter: res.headers.get("retry-after"), body: await res.text() };
  };

  it("answers 429 with Retry-After once a signed origin spent its budget; other origins are not affected; it passes again after the wait", async () => {
    expect((await post(peer)).status).toBe(202);
    const refused = await post(peer);
    expect(refused.status).toBe(429);
    expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(refused.retryAfter)).toBeLessThanOrEqual(10);
    expect(JSON.parse(refused.body).message).toMatch(/^too much from http:\/\/127\.0\.0\.72:\d+ at once: try again in \d+ s$/);
    // Another server has its own budget.
    expect((await post(other)).status).toBe(202);
    // Unsigned requests are refused before any budget is looked at.
    expect((await unsignedTo(cInbox)).status).toBe(401);
    await new Promise((r) => setTimeout(r, Number(refused.retryAfter) * 1000));
    expect((await post(peer)).status).toBe(202);
  }, 30_000);

  const unsignedTo = (url: string) => peer.post(url, { "@context": AS, id: peer.newId(), type: "Like", actor: peer.actorId, object: url }, { unsigned: true });
});
