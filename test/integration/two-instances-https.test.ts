import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { operations } from "../../src/cli/operations.ts";
import { eventually, startTestInstance, type TestInstance } from "../support/instance.ts";

// Two Folkmoot instances on their own loopback addresses, over HTTPS with a test
// CA made at test time: `acct:` handle look-ups are HTTPS-only (WebFinger).

let a: TestInstance;
let b: TestInstance;

async function signIn(inst: TestInstance, handle: string, password: string): Promise<string> {
  const res = await fetch(`${inst.origin}/api/folkmoot/v1/sessions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ handle, password }),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { token: string }).token;
}

beforeAll(async () => {
  [a, b] = await Promise.all([startTestInstance({ host: "127.0.0.3", tls: true }), startTestInstance({ host: "127.0.0.4", tls: true })]);
  await operations["account.create"](a.app, { handle: "alice", password: "alice-password" });
  await operations["body.create"](a.app, { handle: "riverside", kind: "assembly", name: "Riverside" });
  await operations["member.add"](a.app, { body: "riverside", member: "alice" });
  await operations["account.create"](b.app, { handle: "bob", password: "bob-password" });
});

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
});

describe("two instances over HTTPS", () => {
  it("serves HTTPS with the test CA", async () => {
    expect(a.origin.startsWith("https://")).toBe(true);
    expect((await fetch(`${a.origin}/healthz`)).status).toBe(200);
  });

  it("a person on B follows A's body by its handle, and A accepts", async () => {
    const token = await signIn(b, "bob", "bob-password");
    const handle = `@riverside@${new URL(a.origin).host}`;
    const res = await fetch(`${b.origin}/api/folkmoot/v1/follows`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ target: handle }),
    });
    expect(res.status).toBe(202);
    const bodyUri = ((await res.json()) as { target: string }).target;
    await eventually(
      async () => (await b.app.db.selectFrom("follows").select("state").where("followee_uri", "=", bodyUri).executeTakeFirst())?.state === "accepted",
      20_000,
      "B sees the follow accepted",
    );
    const onA = await a.app.db.selectFrom("follows").selectAll().where("followee_uri", "=", bodyUri).executeTakeFirstOrThrow();
    expect(onA.state).toBe("accepted");
    expect(onA.follower_uri).toBe(`${b.origin}/ap/actors/${(await b.app.db.selectFrom("actors").select("id").where("handle", "=", "bob").executeTakeFirstOrThrow()).id}`);
  });

  it("A admits B's person as a member by handle, and B receives the body's announces", async () => {
    const added = await operations["member.add"](a.app, { body: "riverside", member: `@bob@${new URL(b.origin).host}` });
    expect(added.member.startsWith(b.origin)).toBe(true);
    const token = await signIn(a, "alice", "alice-password");
    const res = await fetch(`${a.origin}/api/folkmoot/v1/bodies/riverside/posts`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ text: "Meeting on Thursday." }),
    });
    expect(res.status).toBe(201);
    const post = (await res.json()) as { uri: string };
    await eventually(async () => (await b.app.db.selectFrom("inbox_log").selectAll().where("type", "=", "Announce").execute()).length >= 2, 20_000, "B receives both announces");
    const members = await operations["member.list"](a.app, { body: "riverside" });
    expect(members.map((m) => m.member)).toContain(added.member);
    expect(post.uri.startsWith(a.origin)).toBe(true);
  });

  it("an unknown handle gives a clear error", async () => {
    await expect(operations["member.add"](a.app, { body: "riverside", member: `@nobody@${new URL(b.origin).host}` })).rejects.toThrow(/could not find/);
  });
});
