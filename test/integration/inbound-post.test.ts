import { Create, Note, PUBLIC_COLLECTION } from "@fedify/vocab";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { operations } from "../../src/cli/operations.ts";
import { announcesOf } from "../../src/community/announce.ts";
import { takeInPublicPost, type PostToKeep } from "../../src/community/inbound-post.ts";
import { StreamHub, type StreamEvent } from "../../src/community/stream-events.ts";
import { actorUri, localActorId } from "../../src/shared/uris.ts";
import { eventually, startTestInstance, type TestInstance } from "../support/instance.ts";

// A member's public post from another server is taken in by one statement (claim, post,
// announces, stream event). These check that the one statement keeps every promise the
// transaction kept: once per activity, all or nothing, and the hand-off rule of the outbox.

const REMOTE = "http://127.0.0.211/users/zoe";
let a: TestInstance;
let bodyId: string;
let hub: StreamHub;
const heard: StreamEvent[] = [];
let n = 0;

function post(inReplyTo: string | null = null): { create: Create; keep: PostToKeep } {
  const id = `http://127.0.0.211/notes/${++n}`;
  const audience = actorUri(a.app.config.publicOrigin, bodyId).href;
  const note = new Note({ id: new URL(id), attribution: new URL(REMOTE), to: PUBLIC_COLLECTION, cc: new URL(audience), content: `<p>Post ${n}</p>` });
  const create = new Create({ id: new URL(`${id}/activity`), actor: new URL(REMOTE), object: note, to: PUBLIC_COLLECTION });
  return {
    create,
    keep: { uri: id, type: "Note", attributedTo: REMOTE, audience, inReplyTo, content: `<p>Post ${n}</p>`, text: `Post ${n}`, url: null, published: new Date(), raw: "{}" },
  };
}

async function takeIn(p: { create: Create; keep: PostToKeep }, activity = p.create.id!.href) {
  const announces = await announcesOf(a.app.config.publicOrigin, bodyId, p.create, new URL(p.keep.uri));
  return takeInPublicPost(a.app, { activity, actor: REMOTE, type: "Create" }, p.keep, announces);
}

async function countsOf(uri: string) {
  const objects = await a.app.db
    .selectFrom("objects")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("uri", "=", uri)
    .executeTakeFirstOrThrow();
  const announces = await a.app.db
    .selectFrom("activities")
    .select(["type", "enqueued_at"])
    .where("actor_id", "=", bodyId)
    .where("object_uri", "in", [uri, `${uri}/activity`])
    .execute();
  return { objects: Number(objects.n), announces };
}

beforeAll(async () => {
  a = await startTestInstance({ host: "127.0.0.210" });
  bodyId = localActorId(a.app.config.publicOrigin, (await operations["body.create"](a.app, { handle: "riverside", kind: "assembly" })).id)!;
  hub = new StreamHub(a.app.database, a.app.log);
  await hub.subscribe((e) => heard.push(e));
});

afterAll(async () => {
  await hub?.close();
  await a?.stop();
});

describe("a public post taken in by one statement", () => {
  it("keeps the post, records both announces in the body's outbox, and streams it, once", async () => {
    const p = post();
    expect(await takeIn(p)).toBe("kept");
    const counts = await countsOf(p.keep.uri);
    expect(counts.objects).toBe(1);
    expect(counts.announces.map((r) => r.type)).toEqual(["Announce", "Announce"]);
    // No follower: nothing to deliver, so marked handed off at once (the outbox's rule).
    expect(counts.announces.every((r) => r.enqueued_at !== null)).toBe(true);
    const kept = await a.app.db.selectFrom("objects").select(["audience", "attributed_to", "content"]).where("uri", "=", p.keep.uri).executeTakeFirstOrThrow();
    expect(kept).toEqual({ audience: p.keep.audience, attributed_to: REMOTE, content: p.keep.content });
    await eventually(async () => heard.some((e) => e.type === "status" && e.uri === p.keep.uri), 5_000, "the stream event");

    // The same activity again (a redelivery): nothing more.
    expect(await takeIn(p)).toBe("duplicate");
    expect((await countsOf(p.keep.uri)).announces).toHaveLength(2);
    // Another activity carrying a post already kept: claimed, but the post is not kept or announced twice.
    expect(await takeIn(p, `${p.create.id!.href}/again`)).toBe("known");
    expect(await countsOf(p.keep.uri)).toMatchObject({ objects: 1, announces: [{}, {}] });
  });

  it("leaves the announces to be handed off when the body has a follower", async () => {
    await a.app.db
      .insertInto("follows")
      .values({
        follower_uri: "http://127.0.0.211/users/yan",
        followee_uri: actorUri(a.app.config.publicOrigin, bodyId).href,
        activity_uri: "http://127.0.0.211/follows/1",
        state: "accepted",
      })
      .execute();
    const p = post();
    expect(await takeIn(p)).toBe("kept");
    expect((await countsOf(p.keep.uri)).announces.map((r) => r.enqueued_at)).toEqual([null, null]);
  });

  it("writes nothing when a part fails: the claim is not left behind", async () => {
    const p = post();
    // An activity naming a body that does not exist breaks the announces' foreign key.
    const announces = await announcesOf(a.app.config.publicOrigin, bodyId, p.create, new URL(p.keep.uri));
    const broken = announces.map((x) => ({ ...x, actorId: "no-such-body" }));
    await expect(takeInPublicPost(a.app, { activity: p.create.id!.href, actor: REMOTE, type: "Create" }, p.keep, broken)).rejects.toThrow();
    expect((await countsOf(p.keep.uri)).objects).toBe(0);
    const claimed = await a.app.db.selectFrom("inbox_log").select("activity_uri").where("activity_uri", "=", p.create.id!.href).execute();
    expect(claimed).toEqual([]);
    // The queue's retry then takes it in.
    expect(await takeIn(p)).toBe("kept");
  });
});
