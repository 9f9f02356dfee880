import { createRestAPIClient } from "masto";
import megalodon from "megalodon";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { operations } from "../../src/cli/operations.ts";
import * as d from "../../src/decisions/index.ts";
import { bodyWithMembers, hourBylaws, pastDeadline, unwrap } from "../decisions/support.ts";
import { startTestInstance, type TestInstance } from "../support/instance.ts";
import { links, signedIn, tokenFor } from "./support.ts";

// megalodon is CommonJS: TypeScript sees its exports object as the default, Vite's interop the function.
const generator = ((megalodon as unknown as { default?: unknown }).default ?? megalodon) as typeof megalodon.default;

// Notifications as Mastodon apps read them: a vote opened and an outcome as a direct
// message from the body (a `mention`), a poll I voted in ended (`poll`), a reply to me
// (`mention`), a new follower (`follow`); filters, paging, dismissing. And markers.

let a: TestInstance;
let ada: string;
let bo: string;
let proposalId: string;

beforeAll(async () => {
  a = await startTestInstance({ host: "127.0.0.134" });
  const [adaUri] = await bodyWithMembers(a.app, "grove", ["ada", "bo"], hourBylaws({ kind: "simple-majority" }));
  await bodyWithMembers(a.app, "brook", ["cy"], hourBylaws({ kind: "simple-majority" }));
  const p = unwrap(await d.draftProposal(a.app, adaUri!, "grove", { kind: "policy", title: "Plant hazel", text: "Along the north edge." }));
  unwrap(await d.tableProposal(a.app, adaUri!, "grove", p.id));
  proposalId = p.id;
  await pastDeadline(a.app, unwrap(await d.readProposal(a.app, null, "grove", p.id)));
  ada = await tokenFor(a.origin, "ada");
  bo = await tokenFor(a.origin, "bo");
});
afterAll(async () => {
  await a?.stop();
});

type Note = { id: string; type: string; account: { acct: string; group: boolean }; status?: { content: string; visibility: string; poll: { expired: boolean } | null } };

async function notes(token: string, query = ""): Promise<{ list: Note[]; link: string | null }> {
  const res = await fetch(new URL(`/api/v1/notifications${query}`, a.origin), { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  return { list: (await res.json()) as Note[], link: res.headers.get("link") };
}

describe("notifications", () => {
  it("tells of a vote opened, then of the outcome: a poll ended for a voter, a message from the body for the others", async () => {
    const opened = (await notes(bo)).list.find((n) => n.status?.content.includes("A vote is open"));
    expect(opened).toMatchObject({ type: "mention", account: { acct: "grove", group: true }, status: { visibility: "direct" } });
    expect(opened!.status!.content).toContain("Plant hazel");
    expect(opened!.status!.content).toContain(`/@grove/proposals/${proposalId}`);

    const masto = createRestAPIClient({ url: a.origin, accessToken: bo });
    const poll = await masto.v1.polls.$select(proposalId).fetch();
    await masto.v1.polls.$select(proposalId).votes.create({ choices: [poll.options.findIndex((o) => o.title === "Agree")] });
    await pastDeadline(a.app, unwrap(await d.readProposal(a.app, null, "grove", proposalId)));

    // bo voted: a poll of theirs ended, with the result said.
    const ended = (await masto.v1.notifications.list({ types: ["poll"] }))[0];
    expect(ended?.type).toBe("poll");
    expect(ended?.status?.poll?.expired).toBe(true);
    expect(ended?.status?.content).toMatch(/Decided: “Plant hazel” passed/);
    // ada did not vote: the body tells her, as a direct message.
    const told = (await notes(ada, "?types[]=mention")).list.find((n) => n.status?.content.includes("Decided"));
    expect(told).toMatchObject({ type: "mention", account: { acct: "grove" }, status: { visibility: "direct" } });
    expect(told!.status!.content).toContain("passed");
  });

  it("tells of a reply and of a new follower; filters by type; pages with Link", async () => {
    const adaApp = createRestAPIClient({ url: a.origin, accessToken: ada });
    const post = await adaApp.v1.statuses.create({ status: "@grove Who has a spade?" });
    await createRestAPIClient({ url: a.origin, accessToken: bo }).v1.statuses.create({ status: "Me.", inReplyToId: post.id });
    const me = await adaApp.v1.accounts.verifyCredentials();
    const cy = createRestAPIClient({ url: a.origin, accessToken: await tokenFor(a.origin, "cy", "read follow") });
    await cy.v1.accounts.$select(me.id).follow();

    const all = (await notes(ada)).list;
    expect(all[0]).toMatchObject({ type: "follow", account: { acct: "cy" } });
    // The web app's page says it too.
    const page = await (await signedIn(a.origin, "ada")).get("/notifications");
    expect(page.html).toContain("follows you");
    expect(all[1]).toMatchObject({ type: "mention", account: { acct: "bo" } });
    expect(all[1]!.status!.content).toContain("Me.");
    expect((await notes(ada, "?types[]=follow")).list.map((n) => n.type)).toEqual(["follow"]);
    expect((await notes(ada, "?exclude_types[]=mention")).list.every((n) => n.type !== "mention")).toBe(true);

    const first = await notes(ada, "?limit=1");
    expect(first.list.map((n) => n.id)).toEqual([all[0]!.id]);
    const next = links(first.link).next!;
    const second = (await (await fetch(next, { headers: { authorization: `Bearer ${ada}` } })).json()) as Note[];
    expect(second.map((n) => n.id)).toEqual([all[1]!.id]);
    const newer = await notes(ada, `?min_id=${all[2]!.id}&limit=1`);
    expect(newer.list.map((n) => n.id)).toEqual([all[1]!.id]);

    // megalodon reads them too.
    const client = generator("mastodon", a.origin, ada);
    const viaMegalodon = await client.getNotifications({ limit: 2 });
    expect(viaMegalodon.data.map((n) => n.id)).toEqual([all[0]!.id, all[1]!.id]);

    // The grouped form: each notification a group of one, accounts and statuses once each.
    const v2 = await fetch(new URL("/api/v2/notifications?limit=2", a.origin), { headers: { authorization: `Bearer ${ada}` } });
    const grouped = (await v2.json()) as {
      accounts: { acct: string }[];
      statuses: { id: string; content: string }[];
      notification_groups: { type: string; notifications_count: number; most_recent_notification_id: string; sample_account_ids: string[]; status_id?: string }[];
    };
    expect(grouped.notification_groups.map((g) => [g.type, g.notifications_count, g.most_recent_notification_id])).toEqual([
      ["follow", 1, all[0]!.id],
      ["mention", 1, all[1]!.id],
    ]);
    expect(grouped.accounts.map((x) => x.acct).sort()).toEqual(["bo", "cy"]);
    expect(grouped.statuses.find((x) => x.id === grouped.notification_groups[1]!.status_id)?.content).toContain("Me.");
    expect(links(v2.headers.get("link")).next).toContain("/api/v2/notifications?");
  });

  it("reads one, dismisses one, clears all; 404 for another's; 403 for a token that may not read them", async () => {
    const all = (await notes(ada)).list;
    const one = await fetch(new URL(`/api/v1/notifications/${all[0]!.id}`, a.origin), { headers: { authorization: `Bearer ${ada}` } });
    expect(((await one.json()) as Note).id).toBe(all[0]!.id);
    const others = await fetch(new URL(`/api/v1/notifications/${all[0]!.id}`, a.origin), { headers: { authorization: `Bearer ${bo}` } });
    expect(others.status).toBe(404);
    expect(await others.json()).toEqual({ error: "Record not found" });

    const narrow = await tokenFor(a.origin, "ada", "read:statuses");
    const refused = await fetch(new URL("/api/v1/notifications", a.origin), { headers: { authorization: `Bearer ${narrow}` } });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toEqual({ error: "This action is outside the authorized scopes" });

    const masto = createRestAPIClient({ url: a.origin, accessToken: ada });
    await masto.v1.notifications.$select(all[0]!.id).dismiss();
    expect((await notes(ada)).list.map((n) => n.id)).not.toContain(all[0]!.id);
    await masto.v1.notifications.clear();
    expect((await notes(ada)).list).toEqual([]);
  });
});

describe("markers", () => {
  it("keeps where I stopped reading, per timeline, from a form or JSON", async () => {
    const masto = createRestAPIClient({ url: a.origin, accessToken: bo });
    expect(await masto.v1.markers.fetch({ timeline: ["home"] })).toEqual({});
    const form = await fetch(new URL("/api/v1/markers", a.origin), {
      method: "POST",
      headers: { authorization: `Bearer ${bo}`, "content-type": "application/x-www-form-urlencoded" },
      body: "home[last_read_id]=117729114538436022",
    });
    expect(((await form.json()) as { home: { version: number } }).home.version).toBe(1);
    const set = await masto.v1.markers.create({ home: { lastReadId: "117729114538436099" }, notifications: { lastReadId: "12" } });
    expect(set.home).toMatchObject({ lastReadId: "117729114538436099", version: 2 });
    const read = await masto.v1.markers.fetch({ timeline: ["home", "notifications"] });
    expect(read.home.lastReadId).toBe("117729114538436099");
    expect(read.notifications).toMatchObject({ lastReadId: "12", version: 1 });
    // Another person's markers are their own.
    expect(await createRestAPIClient({ url: a.origin, accessToken: ada }).v1.markers.fetch({ timeline: ["home"] })).toEqual({});
    const bad = await fetch(new URL("/api/v1/markers", a.origin), {
      method: "POST",
      headers: { authorization: `Bearer ${bo}`, "content-type": "application/json" },
      body: JSON.stringify({ home: { last_read_id: "not an id" } }),
    });
    expect(bad.status).toBe(422);
  });
});

describe("an act refused on another server", () => {
  it("shows the other body's answer as a mention from that body", async () => {
    // What the inbox keeps when a remote body answers an act of ada's on its proposal
    // (community/notifications.ts, notifyReply): its note, and the notification.
    const adaId = (await a.app.db.selectFrom("actors").select("id").where("handle", "=", "ada").executeTakeFirstOrThrow()).id;
    const far = "http://127.0.0.135:9/ap/actors/riverside";
    await a.app.db
      .insertInto("remote_actors")
      .values({ uri: far, type: "Group", inbox: `${far}/inbox`, handle: "riverside@127.0.0.135:9", name: "Riverside", shared_inbox: null, url: null })
      .execute();
    const answer = "http://127.0.0.135:9/ap/notes/p-abc-1";
    await a.app.db
      .insertInto("objects")
      .values({
        uri: answer,
        local_id: null,
        type: "Note",
        attributed_to: far,
        audience: null,
        in_reply_to: null,
        content: "<p>@ada your objection was not taken in: you are not on the roll.</p>",
        url: null,
        published: new Date(),
        updated: null,
        deleted_at: null,
        raw: null,
      })
      .execute();
    await a.app.db
      .insertInto("notifications")
      .values({
        recipient_id: adaId,
        kind: "act-refused",
        body_id: null,
        proposal_uri: "http://127.0.0.135:9/ap/proposals/abc",
        object_uri: answer,
        actor_uri: far,
        title: "Mend the bridge",
        detail: "you are not on the roll.",
      })
      .execute();
    const { list } = await notes(ada);
    const refused = list.find((n) => n.status?.content.includes("not on the roll"));
    expect(refused).toMatchObject({ type: "mention", account: { acct: "riverside@127.0.0.135:9" }, status: { visibility: "direct" } });
  });
});

describe("grouped notifications and unread counts", () => {
  it("groups the follows of one half-day, counts what came after the marker, and leaves follows apart when the app asks", async () => {
    await operations["account.create"](a.app, { handle: "fay", password: "fay-password" });
    const fay = await tokenFor(a.origin, "fay");
    const masto = createRestAPIClient({ url: a.origin, accessToken: fay });
    const me = await masto.v1.accounts.verifyCredentials();
    for (const token of [ada, bo, await tokenFor(a.origin, "cy")]) await createRestAPIClient({ url: a.origin, accessToken: token }).v1.accounts.$select(me.id).follow();
    // The three in the middle of one 12-hour span, whenever the test runs.
    const span = 12 * 3600 * 1000;
    await a.app.db
      .updateTable("notifications")
      .set({ created_at: new Date(Math.floor(Date.now() / span) * span - span / 2) })
      .where("recipient_id", "=", me.id)
      .execute();
    const get = async (path: string) => (await fetch(new URL(path, a.origin), { headers: { authorization: `Bearer ${fay}` } })).json() as Promise<any>;
    const v1 = (await get("/api/v1/notifications")) as { id: string; type: string; group_key: string; account: { acct: string; id: string } }[];
    expect(v1.map((n) => n.type)).toEqual(["follow", "follow", "follow"]);
    expect(new Set(v1.map((n) => n.group_key)).size).toBe(1);

    const grouped = await get("/api/v2/notifications");
    expect(grouped.notification_groups).toHaveLength(1);
    expect(grouped.notification_groups[0]).toMatchObject({
      group_key: v1[0]!.group_key,
      type: "follow",
      notifications_count: 3,
      most_recent_notification_id: v1[0]!.id,
      page_max_id: v1[0]!.id,
      page_min_id: v1[2]!.id,
      sample_account_ids: v1.map((n) => n.account.id),
    });
    expect(grouped.accounts.map((x: { acct: string }) => x.acct).sort()).toEqual(["ada", "bo", "cy"]);
    // An app that groups mentions only gets each follow apart.
    const apart = await get("/api/v2/notifications?grouped_types[]=mention");
    expect(apart.notification_groups.map((g: { notifications_count: number; group_key: string }) => [g.notifications_count, g.group_key])).toEqual(
      v1.map((n) => [1, `ungrouped-${n.id}`]),
    );
    // Through masto's client too.
    const viaMasto = await masto.v2.notifications.list();
    expect(viaMasto.notificationGroups.map((g) => [g.type, g.notificationsCount])).toEqual([["follow", 3]]);

    // Unread: everything without a marker; after it, what is newer.
    expect(await get("/api/v1/notifications/unread_count")).toEqual({ count: 3 });
    expect(await get("/api/v1/notifications/unread_count?limit=2")).toEqual({ count: 2 });
    expect(await get("/api/v2/notifications/unread_count")).toEqual({ count: 1 });
    await masto.v1.markers.create({ notifications: { lastReadId: v1[1]!.id } });
    expect(await get("/api/v1/notifications/unread_count")).toEqual({ count: 1 });
    expect((await get("/api/v1/markers?timeline[]=notifications")).notifications).toMatchObject({ last_read_id: v1[1]!.id, unread_count: 1 });
    await masto.v1.markers.create({ notifications: { lastReadId: v1[0]!.id } });
    expect(await get("/api/v1/notifications/unread_count")).toEqual({ count: 0 });
    expect(await get("/api/v2/notifications/unread_count")).toEqual({ count: 0 });
  });
});
