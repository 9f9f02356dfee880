import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { operations } from "../../src/cli/operations.ts";
import { startTestInstance, type TestInstance } from "../support/instance.ts";
import { fuzzActivity } from "../support/fuzz-activities.ts";
import { startMastodonPeer, type MastodonPeer } from "../support/mastodon-peer.ts";

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
  [a, peer] = await Promise.all([startTestInstance({ host: "127.0.0.71" }), startMastodonPeer({ host: "127.0.0.72" })]);
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
    expect(JSON.parse(deep.body).message).toMatch(/nested more than 32 deep/);
    const many = {
      "@context": AS,
      type: "Note",
      tag: Array.from({ length: 900 }, () => ({ a: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23] })),
    };
    expect((await signed(JSON.stringify(many))).status).toBe(400);
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
