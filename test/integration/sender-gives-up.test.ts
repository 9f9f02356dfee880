import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { operations } from "../../src/cli/operations.ts";
import { startMastodonPeer, type MastodonPeer } from "../support/mastodon-peer.ts";
import { startTestInstance, type TestInstance } from "../support/instance.ts";

// Seen with snac 2.94 on loopback: it posts three Follows at once from its three worker
// threads; the inbox fetches the sender's key from snac, whose threads are all waiting on
// the inbox, so the key comes only when snac gives up its POSTs (after 6 s). The inbox
// then took the activities in, but answering a sender that had gone failed inside
// Fastify and was logged as a 500 "request failed" for each of them.

let a: TestInstance;
let peer: MastodonPeer;
let bodyUri: string;
const lines: string[] = [];

const AS = "https://www.w3.org/ns/activitystreams";
const ACTOR_DELAY_MS = 1500;

beforeAll(async () => {
  a = await startTestInstance({ host: "127.0.0.86", env: { LOG_LEVEL: "warn" }, logDestination: { write: (line) => void lines.push(line) } });
  peer = await startMastodonPeer({ host: "127.0.0.87", acceptFirst: true, actorDelayMs: ACTOR_DELAY_MS });
  bodyUri = (await operations["body.create"](a.app, { handle: "riverside", kind: "assembly" })).id;
});

afterAll(async () => {
  await peer?.close();
  await a?.stop();
});

describe("a sender that stops waiting for the inbox's answer (snac)", () => {
  it("takes its Follow in and logs no error for the answer nobody reads", async () => {
    const follow = { "@context": AS, id: peer.newId(), type: "Follow", actor: peer.actorId, object: bodyUri };
    await expect(peer.post(`${bodyUri}/inbox`, follow, { timeoutMs: ACTOR_DELAY_MS / 3 })).rejects.toThrow();
    // Taken in all the same: the body accepts the follow.
    const accept = await peer.waitFor((r) => r.body?.type === "Accept" && r.body.object?.id === follow.id, 20_000);
    expect(accept.signatureValid).toBe(true);
    const errors = lines.map((l) => JSON.parse(l) as { level: number; msg?: string; res?: { statusCode?: number } }).filter((l) => l.level >= 50 || l.res?.statusCode === 500);
    expect(errors.map((e) => e.msg)).toEqual([]);
  });
});
