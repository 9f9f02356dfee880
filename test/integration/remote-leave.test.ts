import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findBody } from "../../src/community/actors.ts";
import { listMembers } from "../../src/community/memberships.ts";
import { replayBody } from "../../src/decisions/index.ts";
import { actorUri } from "../../src/shared/uris.ts";
import { bodyWithMembers, hourBylaws, unwrap } from "../decisions/support.ts";
import { startMastodonPeer, type MastodonPeer } from "../support/mastodon-peer.ts";
import { eventually, startTestInstance, type TestInstance } from "../support/instance.ts";

// A person on another server leaves a local body at any time: `Leave{object: body}`, or
// `Undo` of their own `Join`. Effective at once, a `member-left` on the body's record.

let a: TestInstance;
let peer: MastodonPeer;
let body: string;

const isMember = async () => unwrap(await listMembers(a.app, "riverside")).some((m) => m.uri === peer.actorId);

async function join(): Promise<Record<string, unknown>> {
  const activity = { "@context": "https://www.w3.org/ns/activitystreams", id: peer.newId(), type: "Join", actor: peer.actorId, object: body };
  expect((await peer.post(`${body}/inbox`, activity)).status).toBe(202);
  await eventually(async () => ((await isMember()) ? true : null), 15_000, "the peer's person is admitted");
  return activity;
}

beforeAll(async () => {
  a = await startTestInstance({ host: "127.0.0.54" });
  peer = await startMastodonPeer({ host: "127.0.0.55" });
  await bodyWithMembers(a.app, "riverside", ["carol"], hourBylaws({ kind: "simple-majority" }, { admission: "open" }));
  body = actorUri(a.app.config.publicOrigin, unwrap(await findBody(a.app, "riverside")).id).href;
});

afterAll(async () => {
  await peer?.close();
  await a?.stop();
});

describe("a remote member leaves", () => {
  it("by Leave: at once, on the body's record", async () => {
    await join();
    const leave = { "@context": "https://www.w3.org/ns/activitystreams", id: peer.newId(), type: "Leave", actor: peer.actorId, object: body };
    expect((await peer.post(`${body}/inbox`, leave)).status).toBe(202);
    await eventually(async () => ((await isMember()) ? null : true), 15_000, "the peer's person left");
    const state = await replayBody(a.app, unwrap(await findBody(a.app, "riverside")).id);
    expect(state!.members.has(peer.actorId)).toBe(false);
    expect(state!.members.size).toBe(1);
  });

  it("by Undo of their own Join; someone else's Undo changes nothing", async () => {
    const joined = await join();
    const forged = {
      "@context": "https://www.w3.org/ns/activitystreams",
      id: peer.newId(),
      type: "Undo",
      actor: peer.actorId,
      object: { ...joined, actor: `${peer.actorId}-other` },
    };
    expect((await peer.post(`${body}/inbox`, forged)).status).toBe(202);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await isMember()).toBe(true);
    const undo = { "@context": "https://www.w3.org/ns/activitystreams", id: peer.newId(), type: "Undo", actor: peer.actorId, object: joined };
    expect((await peer.post(`${body}/inbox`, undo)).status).toBe(202);
    await eventually(async () => ((await isMember()) ? null : true), 15_000, "the peer's person left by Undo(Join)");
    const state = await replayBody(a.app, unwrap(await findBody(a.app, "riverside")).id);
    expect(state!.members.has(peer.actorId)).toBe(false);
  });
});
