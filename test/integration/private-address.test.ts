import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { operations } from "../../src/cli/operations.ts";
import { startMastodonPeer, type MastodonPeer } from "../support/mastodon-peer.ts";
import { startTestInstance, type TestInstance } from "../support/instance.ts";

// Without ALLOW_PRIVATE_ADDRESS, the instance never fetches from loopback or
// private addresses (SSRF guard), so a peer there cannot even prove its key.
let a: TestInstance;
let peer: MastodonPeer;

beforeAll(async () => {
  a = await startTestInstance({ host: "127.0.0.16", env: { ALLOW_PRIVATE_ADDRESS: "false" } });
  peer = await startMastodonPeer({ host: "127.0.0.17" });
});

afterAll(async () => {
  await peer?.close();
  await a?.stop();
});

describe("private addresses are refused by default", () => {
  it("does not fetch a key from a loopback peer, so its signed Follow is refused", async () => {
    expect(a.config.allowPrivateAddress).toBe(false);
    const body = await operations["body.create"](a.app, { handle: "guarded", kind: "assembly" });
    const res = await peer.post(`${body.id}/inbox`, {
      "@context": "https://www.w3.org/ns/activitystreams",
      id: peer.newId(),
      type: "Follow",
      actor: peer.actorId,
      object: body.id,
    });
    expect(res.status).toBe(401);
    expect(await a.app.db.selectFrom("follows").selectAll().execute()).toEqual([]);
    // Nothing was sent back to the peer either.
    expect(peer.received).toHaveLength(0);
  });

  it("does not look up a remote actor on a private address", async () => {
    await expect(operations["member.add"](a.app, { body: "guarded", member: peer.actorId })).rejects.toThrow(/could not find/);
  });
});
