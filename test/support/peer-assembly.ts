import { expect } from "vitest";
import { operations } from "../../src/cli/operations.ts";
import { foundBodyRecord } from "../../src/decisions/index.ts";
import { defaultBylaws, fraction } from "../../src/governance/index.ts";
import type { MastodonPeer } from "./mastodon-peer.ts";

// The set-up the poll and real-peer tests share: an open assembly "riverside" on the
// instance with alice (local) and the peer's user (remote) as members, founded with a
// quorum of half, one second of deliberation and a minute of voting.

export async function foundAssemblyWithPeer(app: Parameters<(typeof operations)["account.create"]>[0], peer: MastodonPeer): Promise<{ aliceUri: string; bodyUri: string }> {
  const alice = await operations["account.create"](app, { handle: "alice", password: "alice-password" });
  const body = await operations["body.create"](app, { handle: "riverside", kind: "assembly" });
  await operations["member.add"](app, { body: "riverside", member: "alice" });
  await operations["member.add"](app, { body: "riverside", member: peer.actorId });
  const founded = await foundBodyRecord(app, "riverside", {
    bylaws: { ...defaultBylaws("assembly"), admission: "open", quorum: { kind: "share", share: fraction(1, 2) }, deliberationPeriod: "PT1S", votingPeriod: "PT1M" },
  });
  expect(founded.ok).toBe(true);
  return { aliceUri: alice.id, bodyUri: body.id };
}
