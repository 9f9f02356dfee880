import { createRestAPIClient } from "masto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postToBody } from "../../src/community/posts.ts";
import * as d from "../../src/decisions/index.ts";
import { bodyWithMembers, hourBylaws, pastDeadline, unwrap } from "../decisions/support.ts";
import { startTestInstance, type TestInstance } from "../support/instance.ts";
import { tokenFor as tokenForOrigin } from "./support.ts";

// A local member votes on a proposal of their body from an app: the proposal's vote is a
// Mastodon poll, and the app's vote is their vote on the record. And the endpoints apps
// call as they start answer with Mastodon's shapes.

let a: TestInstance;
let members: string[];
let proposalId: string;

const tokenFor = (handle: string) => tokenForOrigin(a.origin, handle, "read write");

beforeAll(async () => {
  a = await startTestInstance({ host: "127.0.0.112" });
  members = await bodyWithMembers(a.app, "garden", ["ada", "bo"], hourBylaws({ kind: "simple-majority" }));
  const p = unwrap(await d.draftProposal(a.app, members[0]!, "garden", { kind: "policy", title: "Plant beans", text: "In the east bed." }));
  unwrap(await d.tableProposal(a.app, members[0]!, "garden", p.id));
  await pastDeadline(a.app, unwrap(await d.readProposal(a.app, null, "garden", p.id)));
  proposalId = p.id;
});
afterAll(async () => {
  await a?.stop();
});

describe("the home timeline", () => {
  it("shows the posts and proposals of a body I follow, a proposal with its poll", async () => {
    unwrap(
      await postToBody(a.app, (await a.app.db.selectFrom("actors").select("id").where("handle", "=", "ada").executeTakeFirstOrThrow()).id, "garden", {
        text: "Beans arrive Tuesday.",
      }),
    );
    const masto = createRestAPIClient({ url: a.origin, accessToken: await tokenFor("bo") });
    expect(await masto.v1.timelines.home.list()).toEqual([]);
    const garden = await masto.v1.accounts.lookup({ acct: "garden" });
    await masto.v1.accounts.$select(garden.id).follow();
    const home = await masto.v1.timelines.home.list();
    const proposal = home.find((s) => s.poll?.id === proposalId);
    expect(proposal?.account.group).toBe(true);
    expect(proposal?.content).toContain("Plant beans");
    expect(proposal?.poll?.id).toBe(proposalId);
    expect(home.some((s) => s.content.includes("Beans arrive Tuesday") && s.account.username === "ada")).toBe(true);
  });
});

describe("polls", () => {
  it("shows a proposal's vote as a poll and counts a member's vote from the app", async () => {
    const masto = createRestAPIClient({ url: a.origin, accessToken: await tokenFor("bo") });
    const poll = await masto.v1.polls.$select(proposalId).fetch();
    expect(poll.expired).toBe(false);
    expect(poll.voted).toBe(false);
    const agree = poll.options.findIndex((o) => o.title === "Agree");
    expect(agree).toBeGreaterThanOrEqual(0);
    const after = await masto.v1.polls.$select(proposalId).votes.create({ choices: [agree] });
    expect(after).toMatchObject({ voted: true, ownVotes: [agree], votesCount: 1 });
    const detail = unwrap(await d.readProposal(a.app, null, "garden", proposalId));
    expect(detail.rounds.find((r) => r.open)?.voters).toBe(1);
    // A choice that is not an option is refused in Mastodon's shape.
    const res = await fetch(new URL(`/api/v1/polls/${proposalId}/votes`, a.origin), {
      method: "POST",
      headers: { authorization: `Bearer ${await tokenFor("ada")}`, "content-type": "application/x-www-form-urlencoded" },
      body: "choices[]=9",
    });
    expect(res.status).toBe(422);
    expect(((await res.json()) as { error: string }).error).toMatch(/^Validation failed/);
  });

  it("answers an unknown poll with 404", async () => {
    const res = await fetch(new URL("/api/v1/polls/nosuchpoll", a.origin));
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: "Record not found" });
  });
});

describe("what apps call as they start", () => {
  it("answers with empty lists and Mastodon's shapes", async () => {
    const masto = createRestAPIClient({ url: a.origin, accessToken: await tokenFor("ada") });
    expect(await masto.v1.customEmojis.list()).toEqual([]);
    expect(await masto.v1.announcements.list()).toEqual([]);
    expect(await masto.v2.filters.list()).toEqual([]);
    expect(await masto.v1.lists.list()).toEqual([]);
    expect(await masto.v1.followedTags.list()).toEqual([]);
    expect(await masto.v1.trends.tags.list()).toEqual([]);
    expect((await masto.v1.preferences.fetch())["posting:default:visibility"]).toBe("public");
    expect(await masto.v1.markers.fetch({ timeline: ["home"] })).toEqual({});
  });
});
