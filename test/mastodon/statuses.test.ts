import { createRestAPIClient } from "masto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as d from "../../src/decisions/index.ts";
import { bodyWithMembers, hourBylaws, unwrap } from "../decisions/support.ts";
import { startTestInstance, type TestInstance } from "../support/instance.ts";
import { links, tokenFor } from "./support.ts";

// Posting from an app: to a body by mentioning it, replying (to a post, to a proposal: its
// deliberation), a thread's context, deleting one's own, and the public and tag timelines
// with Mastodon's paging. Driven with `masto`, and raw HTTP for the error shapes.

let a: TestInstance;
let ada: string;
let bo: string;
let proposalId: string;

const api = (path: string) => new URL(path, a.origin);

beforeAll(async () => {
  a = await startTestInstance({ host: "127.0.0.130" });
  await bodyWithMembers(a.app, "orchard", ["ada", "bo"], hourBylaws({ kind: "simple-majority" }));
  await bodyWithMembers(a.app, "pond", ["cy"], hourBylaws({ kind: "simple-majority" }));
  const adaId = (await a.app.db.selectFrom("actors").select("id").where("handle", "=", "ada").executeTakeFirstOrThrow()).id;
  const p = unwrap(await d.draftProposal(a.app, `${a.origin}/ap/actors/${adaId}`, "orchard", { kind: "policy", title: "Prune in March", text: "Before the buds." }));
  unwrap(await d.tableProposal(a.app, `${a.origin}/ap/actors/${adaId}`, "orchard", p.id));
  proposalId = p.id;
  ada = await tokenFor(a.origin, "ada");
  bo = await tokenFor(a.origin, "bo");
});
afterAll(async () => {
  await a?.stop();
});

describe("posting to a body", () => {
  it("posts by mentioning the body; the post is the member's and the body passes it on", async () => {
    const masto = createRestAPIClient({ url: a.origin, accessToken: ada });
    const s = await masto.v1.statuses.create({ status: "Ladders are in the shed @orchard #pruning", spoilerText: "Tools" });
    expect(s.account.username).toBe("ada");
    expect(s.content).toContain("Ladders are in the shed");
    expect(s.spoilerText).toBe("Tools");
    expect(s.sensitive).toBe(true);
    expect(s.visibility).toBe("public");
    expect(s.mentions.map((m) => m.username)).toEqual(["orchard"]);
    expect(s.tags.map((t) => t.name)).toEqual(["pruning"]);
    expect(s.id).toMatch(/^\d{15,20}$/);
    const row = await a.app.db.selectFrom("objects").selectAll().where("content", "like", "%Ladders are in the shed%").executeTakeFirstOrThrow();
    expect(row.audience).toMatch(/\/ap\/actors\//);
    const orchard = await masto.v1.accounts.lookup({ acct: "orchard" });
    expect(orchard.group).toBe(true);
    // The body announces it, as it does a member's post arriving from another server.
    const announces = await a.app.db.selectFrom("activities").select("type").where("actor_id", "=", orchard.id).where("type", "=", "Announce").execute();
    expect(announces.length).toBeGreaterThanOrEqual(2);
    // And it is the status GET answers with, id for id.
    expect((await masto.v1.statuses.$select(s.id).fetch()).content).toBe(s.content);
  });

  it("takes a form body and honours Idempotency-Key: the same key gives the same status, once", async () => {
    const send = () =>
      fetch(api("/api/v1/statuses"), {
        method: "POST",
        headers: { authorization: `Bearer ${bo}`, "content-type": "application/x-www-form-urlencoded", "idempotency-key": "k-123" },
        body: new URLSearchParams({ status: `@orchard@${new URL(a.origin).host} Compost delivered`, visibility: "public" }),
      });
    const first = await send();
    expect(first.status).toBe(200);
    const second = await send();
    const [x, y] = [(await first.json()) as { id: string }, (await second.json()) as { id: string }];
    expect(y.id).toBe(x.id);
    const rows = await a.app.db.selectFrom("objects").select("uri").where("content", "like", "%Compost delivered%").execute();
    expect(rows).toHaveLength(1);
  });

  it("takes a multipart body", async () => {
    const form = new FormData();
    form.set("status", "@orchard multipart works");
    const res = await fetch(api("/api/v1/statuses"), { method: "POST", headers: { authorization: `Bearer ${bo}` }, body: form });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { content: string }).content).toContain("multipart works");
  });

  it("refuses a post to no body, to a body one is not a member of, and an empty one, in Mastodon's shape", async () => {
    const post = (status: string) =>
      fetch(api("/api/v1/statuses"), { method: "POST", headers: { authorization: `Bearer ${ada}`, "content-type": "application/json" }, body: JSON.stringify({ status }) });
    const none = await post("Just thinking aloud");
    expect(none.status).toBe(422);
    expect(((await none.json()) as { error: string }).error).toMatch(/^Validation failed: .*mention a body/);
    const notMember = await post("@pond hello");
    expect(notMember.status).toBe(422);
    expect(((await notMember.json()) as { error: string }).error).toMatch(/only members of pond/);
    const empty = await post("   ");
    expect(empty.status).toBe(422);
  });

  it("answers a token without write:statuses with 403 and Mastodon's words", async () => {
    const readOnly = await tokenFor(a.origin, "ada", "read");
    const res = await fetch(api("/api/v1/statuses"), {
      method: "POST",
      headers: { authorization: `Bearer ${readOnly}`, "content-type": "application/json" },
      body: JSON.stringify({ status: "@orchard hi" }),
    });
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ error: "This action is outside the authorized scopes" });
  });
});

describe("replies and threads", () => {
  it("replies to a post and to a proposal (its deliberation), and shows the thread as context", async () => {
    const adaApp = createRestAPIClient({ url: a.origin, accessToken: ada });
    const boApp = createRestAPIClient({ url: a.origin, accessToken: bo });
    const root = await adaApp.v1.statuses.create({ status: "@orchard Who brings the saw?" });
    // A reply needs no mention: it is in the body's thread.
    const answer = await boApp.v1.statuses.create({ status: "I will.", inReplyToId: root.id });
    expect(answer.inReplyToId).toBe(root.id);
    expect(answer.inReplyToAccountId).toBe(root.account.id);
    const thanks = await adaApp.v1.statuses.create({ status: "Thanks!", inReplyToId: answer.id });
    const context = await boApp.v1.statuses.$select(answer.id).context.fetch();
    expect(context.ancestors.map((s) => s.id)).toEqual([root.id]);
    expect(context.descendants.map((s) => s.id)).toEqual([thanks.id]);
    expect((await boApp.v1.statuses.$select(root.id).fetch()).repliesCount).toBe(1);

    // The proposal is a status (with its poll); a reply to it is its deliberation.
    const tagged = await fetch(api("/api/v1/timelines/public?local=true&limit=40"));
    const proposal = ((await tagged.json()) as { id: string; content: string; account: { group: boolean } }[]).find((s) => s.content.includes("Prune in March"));
    expect(proposal?.account.group).toBe(true);
    const said = await boApp.v1.statuses.create({ status: "March is late this year; February?", inReplyToId: proposal!.id });
    expect(said.inReplyToId).toBe(proposal!.id);
    const thread = unwrap(await d.readProposal(a.app, null, "orchard", proposalId));
    expect(thread.uri).toBeDefined();
    const kept = await a.app.db.selectFrom("objects").select(["in_reply_to", "audience"]).where("content", "like", "%February?%").executeTakeFirstOrThrow();
    expect(kept.in_reply_to).toBe(thread.uri);
    // The proposal's author hears of it.
    const note = await a.app.db.selectFrom("notifications").select("kind").where("kind", "=", "reply").where("proposal_uri", "=", thread.uri).executeTakeFirst();
    expect(note?.kind).toBe("reply");
  });

  it("answers an unknown status with 404 and Mastodon's body", async () => {
    for (const id of ["123456789012345678", "not-an-id"]) {
      const res = await fetch(api(`/api/v1/statuses/${id}`));
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ error: "Record not found" });
    }
  });
});

describe("deleting", () => {
  it("deletes one's own status (federated as Delete with a Tombstone), and answers 404 for another's", async () => {
    const adaApp = createRestAPIClient({ url: a.origin, accessToken: ada });
    const s = await adaApp.v1.statuses.create({ status: "@orchard Typo here" });
    const other = await fetch(api(`/api/v1/statuses/${s.id}`), { method: "DELETE", headers: { authorization: `Bearer ${bo}` } });
    expect(other.status).toBe(404);
    expect(await other.json()).toEqual({ error: "Record not found" });
    const gone = await adaApp.v1.statuses.$select(s.id).remove();
    expect(gone.id).toBe(s.id);
    expect(gone.text).toBe("@orchard Typo here");
    const again = await fetch(api(`/api/v1/statuses/${s.id}`));
    expect(again.status).toBe(404);
    const del = await a.app.db.selectFrom("activities").select(["payload", "object_uri"]).where("type", "=", "Delete").where("object_uri", "=", s.uri).executeTakeFirstOrThrow();
    expect(JSON.parse(del.payload).object).toMatchObject({ type: "Tombstone", id: s.uri });
    // Deleting it twice finds nothing.
    expect((await fetch(api(`/api/v1/statuses/${s.id}`), { method: "DELETE", headers: { authorization: `Bearer ${ada}` } })).status).toBe(404);
  });
});

describe("public and tag timelines", () => {
  it("pages by max_id, since_id and min_id with Link headers, ids sorting by time", async () => {
    const adaApp = createRestAPIClient({ url: a.origin, accessToken: ada });
    const made: string[] = [];
    for (let i = 0; i < 5; i++) made.push((await adaApp.v1.statuses.create({ status: `@orchard Row ${i} #harvest` })).id);
    const sorted = [...made].sort((x, y) => (BigInt(x) < BigInt(y) ? -1 : 1));
    expect(sorted).toEqual(made);

    const first = await fetch(api("/api/v1/timelines/tag/harvest?limit=2"));
    const page1 = ((await first.json()) as { id: string }[]).map((s) => s.id);
    expect(page1).toEqual([made[4], made[3]]);
    const rel = links(first.headers.get("link"));
    expect(new URL(rel.next!).searchParams.get("max_id")).toBe(made[3]);
    expect(new URL(rel.prev!).searchParams.get("min_id")).toBe(made[4]);
    const page2 = ((await (await fetch(rel.next!)).json()) as { id: string }[]).map((s) => s.id);
    expect(page2).toEqual([made[2], made[1]]);
    // min_id: the oldest ones just above, newest first; since_id: the newest ones.
    const up = ((await (await fetch(api(`/api/v1/timelines/tag/harvest?limit=2&min_id=${made[0]}`))).json()) as { id: string }[]).map((s) => s.id);
    expect(up).toEqual([made[2], made[1]]);
    const since = ((await (await fetch(api(`/api/v1/timelines/tag/harvest?limit=2&since_id=${made[0]}`))).json()) as { id: string }[]).map((s) => s.id);
    expect(since).toEqual([made[4], made[3]]);
    // The library follows the same links.
    const pages = [];
    for await (const page of adaApp.v1.timelines.tag.$select("harvest").list({ limit: 2 })) {
      pages.push(page.map((s) => s.id));
      if (pages.length > 5) break;
    }
    expect(pages.flat()).toEqual([...made].reverse());

    const pub = await adaApp.v1.timelines.public.list({ local: true, limit: 3 });
    expect(pub.map((s) => s.id)).toEqual([made[4], made[3], made[2]]);
    expect(await adaApp.v1.timelines.public.list({ remote: true })).toEqual([]);
    expect(await adaApp.v1.timelines.public.list({ onlyMedia: true })).toEqual([]);
    expect(await adaApp.v1.timelines.tag.$select("nosuchtag").list()).toEqual([]);
  });

  it("pages the home timeline too", async () => {
    const boApp = createRestAPIClient({ url: a.origin, accessToken: bo });
    const orchard = await boApp.v1.accounts.lookup({ acct: "orchard" });
    await boApp.v1.accounts.$select(orchard.id).follow();
    const res = await fetch(api("/api/v1/timelines/home?limit=2"), { headers: { authorization: `Bearer ${bo}` } });
    const page = (await res.json()) as { id: string }[];
    expect(page).toHaveLength(2);
    const next = links(res.headers.get("link")).next!;
    const older = (await (await fetch(next, { headers: { authorization: `Bearer ${bo}` } })).json()) as { id: string }[];
    expect(older.length).toBeGreaterThan(0);
    expect(BigInt(older[0]!.id) < BigInt(page[1]!.id)).toBe(true);
  });
});
