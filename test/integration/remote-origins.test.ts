import { Follow } from "@fedify/vocab";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { operations } from "../../src/cli/operations.ts";
import { findBody } from "../../src/community/actors.ts";
import { listFollowRequests, receiveFollow } from "../../src/community/follows.ts";
import { InboundActivity } from "../../src/community/inbound.ts";
import { listMembers } from "../../src/community/memberships.ts";
import { expirePendingFollows, ORIGIN_LIMITS, warnOriginAtLimit } from "../../src/community/origin-limits.ts";
import { addMember } from "../../src/decisions/index.ts";
import { answerJoinRequest } from "../../src/decisions/confederation/admission.ts";
import { findActorById } from "../../src/community/actors.ts";
import { confederationBylaws, createBody } from "../support/confederation.ts";
import type { Logger } from "../../src/logging.ts";
import { actorUri, newReferralUri } from "../../src/shared/uris.ts";
import { bodyWithMembers, hourBylaws, unwrap } from "../decisions/support.ts";
import { startMastodonPeer, type MastodonPeer } from "../support/mastodon-peer.ts";
import { eventually, startTestInstance, type TestInstance } from "../support/instance.ts";

// State per remote origin is bounded: members by open admission, pending follow requests;
// the operator sees and removes a flood (`folkmoot remote list`, `remote remove`).

let a: TestInstance;
let peer: MastodonPeer;
let peerOrigin: string;
let peerHost: string;

/** A fake person on the peer's origin, as a flood would make them. */
function fakeActor(name: string): string {
  const id = `${peerOrigin}/users/${name}`;
  peer.serve(id, {
    "@context": "https://www.w3.org/ns/activitystreams",
    id,
    type: "Person",
    preferredUsername: name,
    inbox: `${id}/inbox`,
  });
  return id;
}

const joinFrom = (uri: string) => new InboundActivity({ activity: peer.newId(), actor: uri, type: "Join" });

beforeAll(async () => {
  a = await startTestInstance({ host: "127.0.0.81" });
  peer = await startMastodonPeer({ host: "127.0.0.82" });
  peerOrigin = new URL(peer.actorId).origin;
  peerHost = new URL(peer.actorId).host;
  await bodyWithMembers(a.app, "riverside", ["carol"], hourBylaws({ kind: "simple-majority" }, { admission: "open" }));
  await operations["body.create"](a.app, { handle: "tenants", kind: "council", approveFollowers: true });
});

afterAll(async () => {
  await peer?.close();
  await a?.stop();
});

describe("open admission from another server", () => {
  it("takes at most so many members an hour from one origin, and says so to the person", async () => {
    for (let i = 0; i < ORIGIN_LIMITS.openAdmissionsPerHour; i++) {
      unwrap(await addMember(a.app, "riverside", fakeActor(`flood${i}`), "Join (open admission)", joinFrom(`${peerOrigin}/users/flood${i}`)));
    }
    const one = fakeActor("flood-over");
    const refused = await addMember(a.app, "riverside", one, "Join (open admission)", joinFrom(one));
    expect(refused.ok).toBe(false);
    if (!refused.ok) {
      expect(refused.error.code).toBe("forbidden");
      expect(refused.error.message).toBe(`@riverside takes at most 10 new members an hour from ${peerHost}; try again later`);
    }
    // The operator's own admission is not open admission.
    unwrap(await addMember(a.app, "riverside", one, "operator (cli)"));

    // Through the inbox: the peer's person asks to join, and is told why not.
    const join = {
      "@context": "https://www.w3.org/ns/activitystreams",
      id: peer.newId(),
      type: "Join",
      actor: peer.actorId,
      object: actorUri(a.app.config.publicOrigin, unwrap(await findBody(a.app, "riverside")).id).href,
    };
    expect((await peer.post(`${join.object}/inbox`, join)).status).toBe(202);
    const answer = await peer.waitFor(
      (r) => r.body?.type === "Create" && JSON.stringify(r.body.object?.content ?? "").includes("takes at most 10 new members an hour") && r.signatureValid,
      15_000,
    );
    expect(answer.signatureValid).toBe(true);
    const members = unwrap(await listMembers(a.app, "riverside")).map((m) => m.uri);
    expect(members).not.toContain(peer.actorId);
  });

  it("takes at most so many in all from one origin, however slowly they come", async () => {
    const body = unwrap(await findBody(a.app, "riverside"));
    // The hour's admissions are old now, and the origin already has its fill.
    await a.app.db
      .updateTable("memberships")
      .set({ admitted_at: new Date(Date.now() - 2 * 3600_000) })
      .where("body_id", "=", body.id)
      .execute();
    const room = ORIGIN_LIMITS.openAdmissionsInAll - ORIGIN_LIMITS.openAdmissionsPerHour;
    await a.app.db
      .insertInto("memberships")
      .values(
        Array.from({ length: room }, (_, i) => ({
          body_id: body.id,
          member_uri: `${peerOrigin}/users/old${i}`,
          admitted_by: "Join (open admission)",
          admitted_at: new Date(Date.now() - 3 * 3600_000),
        })),
      )
      .execute();
    const one = fakeActor("flood-late");
    const refused = await addMember(a.app, "riverside", one, "Join (open admission)", joinFrom(one));
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.error.message).toContain(`at most 50 members from ${peerHost}`);
    await a.app.db.deleteFrom("memberships").where("member_uri", "like", `${peerOrigin}/users/old%`).execute();
  });

  it("warns once per origin an hour, not once per request", () => {
    const lines: unknown[] = [];
    const log = { warn: (...args: unknown[]) => lines.push(args) } as unknown as Logger;
    const t0 = Date.now();
    expect(warnOriginAtLimit(log, "https://flood.example", "test", {}, t0)).toBe(true);
    expect(warnOriginAtLimit(log, "https://flood.example", "test", {}, t0 + 60_000)).toBe(false);
    expect(warnOriginAtLimit(log, "https://other.example", "test", {}, t0 + 60_000)).toBe(true);
    expect(warnOriginAtLimit(log, "https://flood.example", "test", {}, t0 + 3600_001)).toBe(true);
    expect(lines).toHaveLength(3);
  });
});

describe("pending follow requests", () => {
  const followOf = async (follower: string) => {
    const tenants = unwrap(await findBody(a.app, "tenants"));
    const follow = new Follow({ id: new URL(peer.newId()), actor: new URL(follower), object: actorUri(a.app.config.publicOrigin, tenants.id) });
    return a.app.db.transaction().execute((trx) => receiveFollow(trx, a.app.config.publicOrigin, tenants, follow, { id: follower, inbox: `${follower}/inbox` }, a.app.log));
  };

  it("keeps at most so many from one origin waiting; more are not recorded", async () => {
    for (let i = 0; i < ORIGIN_LIMITS.pendingFollowsPerFollowee; i++) expect(await followOf(`${peerOrigin}/users/f${i}`)).toBe("pending");
    expect(await followOf(`${peerOrigin}/users/f-over`)).toBe("refused");
    // One already waiting may ask again; another origin is not affected.
    expect(await followOf(`${peerOrigin}/users/f0`)).toBe("pending");
    expect(await followOf("http://127.0.0.83:9/users/someone")).toBe("pending");
    const requests = unwrap(await listFollowRequests(a.app, "tenants", null));
    expect(requests.map((r) => r.follower)).not.toContain(`${peerOrigin}/users/f-over`);
    expect(requests).toHaveLength(ORIGIN_LIMITS.pendingFollowsPerFollowee + 1);
  });

  it("expires a request nobody approved in 14 days", async () => {
    await a.app.db
      .updateTable("follows")
      .set({ created_at: new Date(Date.now() - 15 * 24 * 3600_000) })
      .where("follower_uri", "=", `${peerOrigin}/users/f1`)
      .execute();
    expect(unwrap(await listFollowRequests(a.app, "tenants", null)).map((r) => r.follower)).not.toContain(`${peerOrigin}/users/f1`);
    expect(await expirePendingFollows(a.app.db)).toBe(1);
    // The room it took is free again.
    expect(await followOf(`${peerOrigin}/users/f-over`)).toBe("pending");
  });
});

describe("the operator's view and removal of a flood", () => {
  it("remote list shows each origin's members by open admission and pending requests", async () => {
    const rows = await operations["remote.list"](a.app);
    const flood = rows.find((r) => r.origin === peerOrigin);
    expect(flood).toMatchObject({ members: 10, pendingFollows: 20 });
    expect(flood?.where).toContain("riverside: 10 members");
    expect(flood?.where).toContain("tenants: 20 pending");
  });

  it("remote remove takes them out, each leaving on the body's record", async () => {
    const body = unwrap(await findBody(a.app, "riverside"));
    const removed = await operations["remote.remove"](a.app, { origin: peerOrigin });
    expect(removed.members).toHaveLength(10);
    expect(removed.pendingFollows).toBe(20);
    const members = unwrap(await listMembers(a.app, "riverside")).map((m) => m.uri);
    expect(members.filter((m) => m.startsWith(`${peerOrigin}/users/flood`) && m !== `${peerOrigin}/users/flood-over`)).toEqual([]);
    // The operator's own admission stays.
    expect(members).toContain(`${peerOrigin}/users/flood-over`);
    const left = await a.app.db.selectFrom("governance_events").select("event").where("body_id", "=", body.id).where("type", "=", "member-left").execute();
    expect(left).toHaveLength(10);
    expect((await operations["remote.list"](a.app)).find((r) => r.origin === peerOrigin)).toBeUndefined();
    // And the body admits again.
    const again = fakeActor("after");
    await eventually(async () => (await addMember(a.app, "riverside", again, "Join (open admission)", joinFrom(again))).ok, 5_000, "admitted again");
  });
});

describe("bodies' Joins to a confederation that admits by decision", () => {
  let confId: string;
  /** A Join from the body `member`, as the inbox hands it to the decisions service; resolves to the answer's outcome. */
  const askToJoin = async (member: string) => {
    const conf = await findActorById(a.app, confId);
    // As the inbox does: the asking body's actor is remembered (where its answer goes).
    await a.app.db
      .insertInto("remote_actors")
      .values({ uri: member, handle: null, type: "Group", name: null, inbox: `${member}/inbox`, shared_inbox: null, url: null, fetched_at: new Date() })
      .onConflict((oc) => oc.column("uri").doNothing())
      .execute();
    let answered: { ok: boolean; message?: string } | null = null;
    const inbound = new InboundActivity({ activity: `${member}/join/${Math.random().toString(36).slice(2)}`, actor: member, type: "Join" }, async (_trx, outcome) => {
      answered = outcome.ok ? { ok: true } : { ok: false, message: outcome.error.message };
    });
    const referral = newReferralUri(a.app.config.publicOrigin).href;
    await answerJoinRequest(a.app, conf!, { member, name: null, join: inbound.claim.activity, members: 3, referral }, inbound);
    return answered as { ok: boolean; message?: string } | null;
  };

  beforeAll(async () => {
    await operations["account.create"](a.app, { handle: "vera", password: "vera-password" });
    const hillside = await createBody(a, { handle: "hillside", kind: "assembly", members: ["vera"] });
    const valley = await createBody(a, {
      handle: "valley",
      kind: "confederation",
      members: [hillside],
      bylaws: { ...confederationBylaws({ kind: "majority" }, { deliberation: "PT1H", voting: "PT1H" }), admission: "by-decision" },
    });
    confId = valley.split("/").at(-1)!;
  });

  it("keeps at most so many from one origin waiting for the member bodies, refuses more and says why", async () => {
    for (let i = 0; i < ORIGIN_LIMITS.pendingJoinsPerConfederation; i++) expect(await askToJoin(`${peerOrigin}/groups/g${i}`)).toEqual({ ok: true });
    const refused = await askToJoin(`${peerOrigin}/groups/g-over`);
    expect(refused?.ok).toBe(false);
    expect(refused?.message).toBe(
      `valley keeps at most ${ORIGIN_LIMITS.pendingJoinsPerConfederation} requests to join from ${peerHost} waiting for its member bodies' decision; ask again once they have decided`,
    );
    // No referral was opened for it; another origin is not affected.
    const referrals = await a.app.db.selectFrom("referrals").select("uri").where("body_id", "=", confId).execute();
    expect(referrals).toHaveLength(ORIGIN_LIMITS.pendingJoinsPerConfederation);
    expect(await askToJoin("http://127.0.0.83:9/groups/elsewhere")).toEqual({ ok: true });
  });

  it("remote list shows them, and remote remove withdraws them, each answered Reject", async () => {
    const flood = (await operations["remote.list"](a.app)).find((r) => r.origin === peerOrigin);
    expect(flood).toMatchObject({ pendingJoins: ORIGIN_LIMITS.pendingJoinsPerConfederation });
    expect(flood?.where).toContain(`valley: ${ORIGIN_LIMITS.pendingJoinsPerConfederation} Joins waiting`);
    const removed = await operations["remote.remove"](a.app, { origin: peerOrigin });
    expect(removed.pendingJoins).toHaveLength(ORIGIN_LIMITS.pendingJoinsPerConfederation);
    expect(removed.pendingJoins).toContainEqual({ confederation: "valley", member: `${peerOrigin}/groups/g0` });
    const rejects = await a.app.db.selectFrom("activities").select("payload").where("type", "=", "Reject").execute();
    const withdrawn = rejects.map((r) => r.payload).filter((p) => p.includes(`withdrew the requests to join from ${peerHost}`));
    expect(withdrawn).toHaveLength(ORIGIN_LIMITS.pendingJoinsPerConfederation);
    for (let i = 0; i < ORIGIN_LIMITS.pendingJoinsPerConfederation; i++) expect(withdrawn.filter((p) => p.includes(`"to":"${peerOrigin}/groups/g${i}"`))).toHaveLength(1);
    expect((await operations["remote.list"](a.app)).find((r) => r.origin === peerOrigin)).toBeUndefined();
    // The room is free again; the other origin's request still waits.
    expect(await askToJoin(`${peerOrigin}/groups/g-after`)).toEqual({ ok: true });
    expect((await operations["remote.list"](a.app)).find((r) => r.origin === "http://127.0.0.83:9")).toMatchObject({ pendingJoins: 1 });
  });
});
