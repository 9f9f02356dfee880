import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { operations } from "../../src/cli/operations.ts";
import { findBody } from "../../src/community/actors.ts";
import { foundBodyRecord, readProposal, replayBody, runDueDeadlines, vote } from "../../src/decisions/index.ts";
import { remoteSource } from "../../src/decisions/adopt.ts";
import { loadRecord } from "../../src/decisions/record.ts";
import { defaultBylaws, type Bylaws } from "../../src/governance/index.ts";
import { startTestInstance, type TestInstance } from "../support/instance.ts";

// A body adopts another body's carried decision, naming it by its URL; a person forks a
// body into a new one that starts from a copy of its bylaws. Both through the API.

let a: TestInstance;
let api: string;
const uris: Record<string, string> = {};
const tokens: Record<string, string> = {};
// Deadlines are moved on with a clock that only runs forwards (the record's times never go back).
let clock = Date.now();
const quick: Bylaws = { ...defaultBylaws("assembly"), deliberationPeriod: "PT1S", votingPeriod: "PT1M", text: "We meet by the river." };

async function call(method: string, path: string, body?: unknown, auth: string | null = null) {
  const res = await fetch(`${api}${path}`, {
    method,
    headers: { ...(body !== undefined ? { "content-type": "application/json" } : {}), ...(auth ? { authorization: `Bearer ${auth}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as any) : null };
}

async function draft(who: string, handle: string, input: Record<string, unknown>) {
  return call("POST", `/bodies/${handle}/proposals`, input, tokens[who]!);
}

/** Tables a draft, opens voting at its deadline, has `voters` agree and closes the vote. */
async function carry(handle: string, id: string, author: string, voters: string[]) {
  expect((await call("POST", `/proposals/${id}/table`, undefined, tokens[author]!)).status).toBe(200);
  clock = Math.max(clock, Date.now());
  await runDueDeadlines(a.app, new Date((clock += 5_000)));
  for (const who of voters) {
    const v = await vote(a.app, uris[who]!, handle, id, { choice: "agree" });
    if (!v.ok) throw new Error(`vote: ${v.error.message}`);
  }
  await runDueDeadlines(a.app, new Date((clock += 120_000)));
  const read = await readProposal(a.app, uris[author]!, handle, id);
  if (!read.ok) throw new Error(read.error.message);
  return read.value;
}

async function idOf(handle: string): Promise<string> {
  const row = await findBody(a.app, handle);
  if (!row.ok) throw new Error(row.error.message);
  return row.value.id;
}

async function body(handle: string, members: string[], bylaws: Bylaws) {
  await operations["body.create"](a.app, { handle, kind: "assembly", name: handle[0]!.toUpperCase() + handle.slice(1) });
  for (const m of members) await operations["member.add"](a.app, { body: handle, member: m });
  const founded = await foundBodyRecord(a.app, handle, { bylaws });
  if (!founded.ok) throw new Error(founded.error.message);
  return `${a.origin}/ap/actors/${await idOf(handle)}`;
}

beforeAll(async () => {
  a = await startTestInstance({ host: "127.0.0.40" });
  api = `${a.origin}/api/folkmoot/v1`;
  for (const handle of ["alice", "bob", "carol", "dan"]) {
    uris[handle] = (await operations["account.create"](a.app, { handle, password: `${handle}-password` })).id;
    tokens[handle] = (await call("POST", "/sessions", { handle, password: `${handle}-password` })).body.token;
  }
  uris.riverside = await body("riverside", ["alice", "bob"], quick);
  uris.hillside = await body("hillside", ["alice", "carol"], { ...quick, text: "We meet on the hill." });
  uris.quietside = await body("quietside", ["alice"], { ...quick, visibility: "members" });
});

afterAll(async () => {
  await a?.stop();
});

describe("adopting another body's decision", () => {
  let source: { id: string; uri: string; url: string };
  const title = "Quiet hours after 22:00";
  const text = "No amplified music by the river after 22:00.";

  beforeAll(async () => {
    const drafted = await draft("alice", "riverside", { kind: "policy", title, text });
    expect(drafted.status).toBe(201);
    const carried = await carry("riverside", drafted.body.id, "alice", ["alice", "bob"]);
    expect(carried.outcome).toBe("passed");
    source = { id: carried.id, uri: carried.uri, url: carried.url };
  });

  it("drafts an adoption naming the decision by its URL, records where it came from, and carries it", async () => {
    const drafted = await draft("alice", "hillside", {
      kind: "adopt",
      title: "Adopt the riverside quiet hours",
      text: "As the riverside decided.",
      payload: { source: source.uri },
    });
    expect(drafted.status).toBe(201);
    const expected = { body: uris.riverside, proposal: source.uri, title, text };
    expect(drafted.body.view.payload).toEqual({ source: expected });

    const carried = await carry("hillside", drafted.body.id, "alice", ["alice", "carol"]);
    expect(carried.outcome).toBe("passed");
    expect(carried.view.effect).toEqual({ type: "decision-adopted", body: uris.hillside, proposal: carried.uri, source: expected });
    const hillside = await replayBody(a.app, await idOf("hillside"));
    expect(hillside?.effects.map((e) => e.effect.type)).toContain("decision-adopted");

    // The API and the proposal's page show the origin.
    const read = await call("GET", `/proposals/${carried.id}`);
    expect(read.body.view.payload.source).toEqual(expected);
    const page = await (await fetch(carried.url)).text();
    expect(page).toContain("Adopted from");
    expect(page).toContain("@riverside");
    expect(page).toContain(title);
    expect(page).toContain(`href="${source.uri}"`);
  });

  it("takes the decision's page URL as well as its ActivityPub id", async () => {
    const drafted = await draft("alice", "hillside", { kind: "adopt", title: "Again, by its page", text: "", payload: { source: source.url } });
    expect(drafted.status).toBe(201);
    expect(drafted.body.view.payload.source.proposal).toBe(source.uri);
  });

  it("refuses a proposal that does not exist (404)", async () => {
    const missing = await draft("alice", "hillside", { kind: "adopt", title: "Adopt nothing", text: "", payload: { source: `${a.origin}/ap/proposals/zzzzzzzzzzzz` } });
    expect(missing.status).toBe(404);
    expect(missing.body.fields).toHaveProperty(["payload.source"]);
    const elsewhere = await draft("alice", "hillside", { kind: "adopt", title: "Adopt a page", text: "", payload: { source: `${a.origin}/@riverside` } });
    expect(elsewhere.status).toBe(404);
  });

  it("refuses a decision that has not passed (409)", async () => {
    const pending = await draft("alice", "riverside", { kind: "policy", title: "Undecided", text: "Still talking." });
    expect(pending.status).toBe(201);
    expect((await call("POST", `/proposals/${pending.body.id}/table`, undefined, tokens.alice!)).status).toBe(200);
    const refused = await draft("alice", "hillside", { kind: "adopt", title: "Too early", text: "", payload: { source: pending.body.uri } });
    expect(refused.status).toBe(409);
    expect(refused.body.message).toMatch(/passed/);
    expect(refused.body.fields).toHaveProperty(["payload.source"]);
  });

  it("refuses the body's own decision, a payload without a URL, and a members-only record the drafter may not read", async () => {
    const own = await draft("alice", "riverside", { kind: "adopt", title: "Ourselves", text: "", payload: { source: source.uri } });
    expect(own.status).toBe(400);
    expect((await draft("alice", "hillside", { kind: "adopt", title: "No URL", text: "", payload: { source: "quiet hours" } })).status).toBe(400);
    expect(
      (await draft("alice", "hillside", { kind: "adopt", title: "Old form", text: "", payload: { source: { body: uris.riverside, proposal: source.uri, title, text } } })).status,
    ).toBe(400);
    expect((await draft("alice", "hillside", { kind: "adopt", title: "No payload", text: "" })).status).toBe(400);

    const secret = await draft("alice", "quietside", { kind: "policy", title: "Members only", text: "Hush." });
    const carried = await carry("quietside", secret.body.id, "alice", ["alice"]);
    expect(carried.outcome).toBe("passed");
    // Carol (in hillside, not in quietside) may not read it; Alice may.
    expect((await draft("carol", "hillside", { kind: "adopt", title: "Peek", text: "", payload: { source: carried.uri } })).status).toBe(403);
    expect((await draft("alice", "hillside", { kind: "adopt", title: "Share", text: "", payload: { source: carried.uri } })).status).toBe(201);
  });

  it("refuses a remote decision it cannot fetch", async () => {
    const refused = await draft("alice", "hillside", { kind: "adopt", title: "Far away", text: "", payload: { source: "http://127.0.0.40:1/ap/proposals/abc" } });
    expect(refused.status).toBe(404);
    expect(refused.body.message).toMatch(/could not fetch/);
    expect(refused.body.fields).toHaveProperty(["payload.source"]);
  });

  it("reads a decision of another instance from its Question, as fetched over HTTP", async () => {
    // The remote path, pointed at this instance's own Question (one instance in this test).
    const fetched = await remoteSource(a.app, new URL(source.uri));
    expect(fetched).toEqual({ ok: true, value: { body: uris.riverside, proposal: source.uri, title, text } });
    const pending = await draft("alice", "riverside", { kind: "policy", title: "Undecided too", text: "" });
    expect((await call("POST", `/proposals/${pending.body.id}/table`, undefined, tokens.alice!)).status).toBe(200);
    const undecided = await remoteSource(a.app, new URL(pending.body.uri));
    expect(undecided.ok ? null : undecided.error.code).toBe("conflict");
  });
});

describe("forking a body", () => {
  it("founds a new body from a copy of the origin's bylaws, with the forker as its only member", async () => {
    const res = await call("POST", "/bodies/riverside/forks", { handle: "riverside_commons", name: "Riverside Commons", summary: "A fork" }, tokens.carol!);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      handle: "riverside_commons",
      kind: "assembly",
      name: "Riverside Commons",
      summary: "A fork",
      admission: "by-decision",
      members: [uris.carol],
    });
    expect(res.body.forkedFrom).toMatchObject({ origin: uris.riverside, originHandle: "riverside", bylawsVersion: 1, forkedBy: uris.carol });

    // The body exists, and its record starts with body-forked naming the origin.
    expect((await call("GET", "/bodies/riverside_commons")).status).toBe(200);
    const record = await loadRecord(a.app.db, a.app.db, await idOf("riverside_commons"));
    expect(record.events).toHaveLength(1);
    expect(record.events[0]).toMatchObject({ type: "body-forked", body: res.body.id, origin: uris.riverside, originBylawsVersion: 1, members: [uris.carol], actor: uris.carol });

    // Its bylaws are the origin's; the forker is its only member.
    const origin = await call("GET", "/bodies/riverside/bylaws");
    const fork = await call("GET", "/bodies/riverside_commons/bylaws");
    expect(fork.body.bylaws).toEqual(origin.body.bylaws);
    expect(fork.body.members).toEqual([uris.carol]);
    const members = await call("GET", "/bodies/riverside_commons/members");
    expect(members.body.map((m: { uri: string }) => m.uri)).toEqual([uris.carol]);

    // It shows where it came from.
    expect((await call("GET", "/bodies/riverside_commons/forked-from")).body).toMatchObject({ origin: uris.riverside, originHandle: "riverside", bylawsVersion: 1 });
    expect((await call("GET", "/bodies/riverside/forked-from")).body).toBeNull();
    const page = await (await fetch(`${a.origin}/@riverside_commons/decisions`)).text();
    expect(page).toContain("Forked from");

    // It decides on its own from then on.
    const drafted = await draft("carol", "riverside_commons", { kind: "policy", title: "Our own way", text: "We start here." });
    expect(drafted.status).toBe(201);
    const carried = await carry("riverside_commons", drafted.body.id, "carol", ["carol"]);
    expect(carried.outcome).toBe("passed");
  });

  it("refuses a taken handle (409), an unknown origin (404), and anyone not signed in (401)", async () => {
    expect((await call("POST", "/bodies/riverside/forks", { handle: "hillside", name: "Hill" }, tokens.dan!)).status).toBe(409);
    expect((await call("POST", "/bodies/riverside/forks", { handle: "riverside_commons", name: "Again" }, tokens.dan!)).status).toBe(409);
    expect((await call("POST", "/bodies/nowhere/forks", { handle: "nowhere_fork", name: "Nowhere" }, tokens.dan!)).status).toBe(404);
    const anonymous = await call("POST", "/bodies/riverside/forks", { handle: "anon_fork", name: "Anon" });
    expect(anonymous.status).toBe(401);
    expect((await findBody(a.app, "anon_fork")).ok).toBe(false);
    expect((await call("POST", "/bodies/riverside/forks", { handle: "Bad Handle", name: "" }, tokens.dan!)).status).toBe(400);
  });

  it("lets only members fork a members-only body", async () => {
    expect((await call("POST", "/bodies/quietside/forks", { handle: "quiet_copy", name: "Quiet copy" }, tokens.dan!)).status).toBe(403);
    const byMember = await call("POST", "/bodies/quietside/forks", { handle: "quiet_copy", name: "Quiet copy" }, tokens.alice!);
    expect(byMember.status).toBe(201);
    expect((await call("GET", "/bodies/quiet_copy/forked-from")).status).toBe(401);
    expect((await call("GET", "/bodies/quiet_copy/forked-from", undefined, tokens.alice!)).body).toMatchObject({ origin: uris.quietside });
  });
});
