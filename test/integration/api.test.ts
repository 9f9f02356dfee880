import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { operations } from "../../src/cli/operations.ts";
import { startTestInstance, type TestInstance } from "../support/instance.ts";

let a: TestInstance;
let api: string;
let token: string;

async function call(method: string, path: string, body?: unknown, auth: string | null = token) {
  const res = await fetch(`${api}${path}`, {
    method,
    headers: { ...(body !== undefined ? { "content-type": "application/json" } : {}), ...(auth ? { authorization: `Bearer ${auth}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as any) : null, headers: res.headers };
}

beforeAll(async () => {
  a = await startTestInstance({ host: "127.0.0.8" });
  api = `${a.origin}/api/folkmoot/v1`;
  await operations["account.create"](a.app, { handle: "carol", password: "carol-password", name: "Carol" });
  await operations["account.create"](a.app, { handle: "dan", password: "dan-password" });
  token = (await call("POST", "/sessions", { handle: "carol", password: "carol-password" }, null)).body.token;
});

afterAll(async () => {
  await a?.stop();
});

describe("sessions", () => {
  it("signs in and identifies the account", async () => {
    const me = await call("GET", "/me");
    expect(me.status).toBe(200);
    expect(me.body.handle).toBe("carol");
    expect(me.headers.get("x-request-id")).toBeTruthy();
  });

  it("refuses a wrong password with 401 and the same message as an unknown handle", async () => {
    const wrong = await call("POST", "/sessions", { handle: "carol", password: "nope-nope" }, null);
    const unknown = await call("POST", "/sessions", { handle: "nobody", password: "nope-nope" }, null);
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body.message).toBe(unknown.body.message);
  });

  it("refuses a missing, forged or expired token with 401", async () => {
    expect((await call("GET", "/me", undefined, null)).status).toBe(401);
    expect((await call("GET", "/me", undefined, `${token.slice(0, -4)}AAAA`)).status).toBe(401);
    expect((await call("GET", "/me", undefined, "not-a-jwt")).status).toBe(401);
  });
});

describe("bodies", () => {
  it("creates a body with the caller as first member", async () => {
    const res = await call("POST", "/bodies", { handle: "millbrook", kind: "assembly", name: "Millbrook Assembly", summary: "Our street" });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ handle: "millbrook", kind: "assembly", name: "Millbrook Assembly", admission: "open" });
    const members = await call("GET", "/bodies/millbrook/members");
    expect(members.body.map((m: { handle: string }) => m.handle)).toEqual([`carol@${new URL(a.origin).host}`]);
  });

  it("answers 400 with a message per field for invalid input", async () => {
    const res = await call("POST", "/bodies", { handle: "Bad Handle!", kind: "parliament", extra: 1 });
    expect(res.status).toBe(400);
    expect(Object.keys(res.body.fields).sort()).toEqual(["extra", "handle", "kind"]);
    const missing = await call("POST", "/bodies", {});
    expect(missing.status).toBe(400);
    expect(missing.body.fields).toMatchObject({ handle: "is required", kind: "is required" });
  });

  it("answers 409 for a taken handle, people and bodies alike", async () => {
    expect((await call("POST", "/bodies", { handle: "millbrook", kind: "council" })).status).toBe(409);
    expect((await call("POST", "/bodies", { handle: "dan", kind: "council" })).status).toBe(409);
  });

  it("lets another account join an open body, once", async () => {
    const danToken = (await call("POST", "/sessions", { handle: "dan", password: "dan-password" }, null)).body.token;
    expect((await call("POST", "/bodies/millbrook/members", undefined, danToken)).status).toBe(201);
    expect((await call("POST", "/bodies/millbrook/members", undefined, danToken)).status).toBe(409);
  });

  it("refuses joining a body that admits by decision", async () => {
    await call("POST", "/bodies", { handle: "closed", kind: "council", admission: "by-decision" });
    const danToken = (await call("POST", "/sessions", { handle: "dan", password: "dan-password" }, null)).body.token;
    const res = await call("POST", "/bodies/closed/members", undefined, danToken);
    expect(res.status).toBe(403);
    expect(res.body.message).toMatch(/by decision/);
  });

  it("404 for an unknown body", async () => {
    expect((await call("GET", "/bodies/nowhere")).status).toBe(404);
  });
});

describe("posts and the record", () => {
  it("a member posts, replies form a thread, and the record lists the body's announces", async () => {
    const first = await call("POST", "/bodies/millbrook/posts", { text: "Street party in June?" });
    expect(first.status).toBe(201);
    const reply = await call("POST", "/bodies/millbrook/posts", { text: "Yes, the 14th.", inReplyTo: first.body.uri });
    expect(reply.status).toBe(201);
    const thread = await call("GET", `/threads?uri=${encodeURIComponent(first.body.uri)}`);
    expect(thread.body.replies.map((r: { uri: string }) => r.uri)).toEqual([reply.body.uri]);
    const record = await call("GET", "/bodies/millbrook/record?limit=2");
    expect(record.body.items).toHaveLength(2);
    expect(record.body.items.every((i: { type: string }) => i.type === "Announce")).toBe(true);
    const next = await call("GET", `/bodies/millbrook/record?limit=2&before=${record.body.next}`);
    expect(next.body.items).toHaveLength(2);
    expect(next.body.items[0].seq).not.toBe(record.body.items[0].seq);
  });

  it("a non-member may not post, and an empty post is refused", async () => {
    await call("POST", "/bodies", { handle: "quiet", kind: "committee" });
    const danToken = (await call("POST", "/sessions", { handle: "dan", password: "dan-password" }, null)).body.token;
    expect((await call("POST", "/bodies/quiet/posts", { text: "hello" }, danToken)).status).toBe(403);
    expect((await call("POST", "/bodies/quiet/posts", { text: "" })).status).toBe(400);
    expect((await call("POST", "/bodies/quiet/posts", { text: "x", inReplyTo: "https://nowhere.invalid/x" })).status).toBe(400);
  });

  it("the outbox serves the record as an ordered collection", async () => {
    const body = await call("GET", "/bodies/millbrook");
    const outbox = await fetch(`${body.body.id}/outbox`, { headers: { accept: "application/activity+json" } });
    const json = (await outbox.json()) as { type: string; totalItems: number; first: unknown };
    expect(json.type).toBe("OrderedCollection");
    expect(json.totalItems).toBe(4);
  });
});

describe("API documentation and paths", () => {
  it("serves OpenAPI at a stable URL, with no path under Mastodon's /api/v1 or /api/v2 (the Mastodon API is not the native API)", async () => {
    const res = await fetch(`${a.origin}/api/folkmoot/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe("3.1.0");
    const paths = Object.keys(doc.paths);
    expect(paths).toContain("/api/folkmoot/v1/bodies");
    expect(paths.filter((p) => /^\/api\/v[12]\//.test(p))).toEqual([]);
    expect((await fetch(`${a.origin}/api/folkmoot/docs`)).status).toBe(200);
  });

  it("answers an unknown route with a JSON 404", async () => {
    const res = await fetch(`${a.origin}/api/folkmoot/v1/nothing-here`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: string }).error).toBe("Not Found");
  });
});
