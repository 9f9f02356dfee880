import { randomBytes, scryptSync } from "node:crypto";
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { operations } from "../../src/cli/operations.ts";
import { startTestInstance, type TestInstance } from "../support/instance.ts";

// Accounts: password hashing and its upgrade, sessions that end one by one, password change,
// and the per-account sign-in throttle. Requests come from chosen loopback addresses, so the
// per-address limit and the per-account one can be told apart.

let a: TestInstance;
const HOST = "127.0.0.71";

interface Answer {
  status: number;
  body: any;
  headers: Record<string, string | string[] | undefined>;
}

function call(method: string, path: string, opts: { body?: unknown; token?: string; from?: string } = {}): Promise<Answer> {
  const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  return new Promise((resolve, reject) => {
    const req = request(
      `${a.origin}/api/folkmoot/v1${path}`,
      {
        method,
        localAddress: opts.from ?? "127.0.0.1",
        headers: {
          ...(payload !== undefined ? { "content-type": "application/json" } : {}),
          ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
          "user-agent": "accounts-test",
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          resolve({ status: res.statusCode!, body: text ? JSON.parse(text) : null, headers: res.headers });
        });
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}

const signIn = (handle: string, password: string, from: string) => call("POST", "/sessions", { body: { handle, password }, from });

async function storedHash(handle: string): Promise<string> {
  const row = await a.app.db
    .selectFrom("accounts")
    .innerJoin("actors", "actors.id", "accounts.actor_id")
    .select("accounts.password_hash")
    .where("actors.handle", "=", handle)
    .executeTakeFirstOrThrow();
  return row.password_hash;
}

const CURRENT = "$argon2id$v=19$m=19456,t=2,p=1$";

beforeAll(async () => {
  a = await startTestInstance({ host: HOST });
  for (const handle of ["olive", "sam", "pat", "erin", "fay"]) {
    await operations["account.create"](a.app, { handle, password: `${handle}-password` });
  }
});

afterAll(async () => {
  await a?.stop();
});

describe("password hashing", () => {
  it("hashes new accounts with Argon2id at OWASP's parameters", async () => {
    expect((await storedHash("sam")).startsWith(CURRENT)).toBe(true);
  });

  it("accepts a hash with the old parameters and replaces it at the next sign-in", async () => {
    // What the instance stored before: scrypt, N = 2^14.
    const salt = randomBytes(16);
    const key = scryptSync("olive-password", salt, 32, { N: 16384, r: 8, p: 1 });
    const old = ["scrypt", 16384, 8, 1, salt.toString("base64url"), key.toString("base64url")].join("$");
    await a.app.db
      .updateTable("accounts")
      .set({ password_hash: old })
      .where("actor_id", "in", a.app.db.selectFrom("actors").select("id").where("handle", "=", "olive"))
      .execute();

    expect((await signIn("olive", "olive-password", "127.0.1.1")).status).toBe(201);
    const upgraded = await storedHash("olive");
    expect(upgraded.startsWith(CURRENT)).toBe(true);
    expect((await signIn("olive", "olive-password", "127.0.1.1")).status).toBe(201);
    expect((await signIn("olive", "wrong-password", "127.0.1.1")).status).toBe(401);
    expect(await storedHash("olive")).toBe(upgraded);
  });
});

describe("sessions", () => {
  it("signs out one token while another of the same account still works", async () => {
    const first = await signIn("sam", "sam-password", "127.0.1.2");
    const second = await signIn("sam", "sam-password", "127.0.1.2");
    expect(first.status).toBe(201);
    expect(first.body.session).toEqual(expect.any(String));

    const listed = await call("GET", "/sessions", { token: second.body.token });
    expect(listed.status).toBe(200);
    expect(listed.body.map((s: { id: string }) => s.id).sort()).toEqual([first.body.session, second.body.session].sort());
    expect(listed.body.find((s: { current: boolean }) => s.current).id).toBe(second.body.session);
    expect(listed.body[0].label).toBe("accounts-test");

    expect((await call("DELETE", "/sessions/current", { token: first.body.token })).status).toBe(204);
    const gone = await call("GET", "/me", { token: first.body.token });
    expect(gone.status).toBe(401);
    expect(gone.body.message).toBe("the token is invalid, expired or signed out");
    expect((await call("GET", "/me", { token: second.body.token })).status).toBe(200);
    expect((await call("GET", "/sessions", { token: second.body.token })).body.map((s: { id: string }) => s.id)).toEqual([second.body.session]);
  });

  it("ends one of my sessions by id, and not someone else's", async () => {
    const mine = await signIn("sam", "sam-password", "127.0.1.3");
    const other = await signIn("sam", "sam-password", "127.0.1.3");
    const theirs = await signIn("fay", "fay-password", "127.0.1.3");
    expect((await call("DELETE", `/sessions/${theirs.body.session}`, { token: mine.body.token })).status).toBe(404);
    expect((await call("GET", "/me", { token: theirs.body.token })).status).toBe(200);

    expect((await call("DELETE", `/sessions/${other.body.session}`, { token: mine.body.token })).status).toBe(204);
    expect((await call("GET", "/me", { token: other.body.token })).status).toBe(401);
    expect((await call("GET", "/me", { token: mine.body.token })).status).toBe(200);
    expect((await call("DELETE", `/sessions/${other.body.session}`, { token: mine.body.token })).status).toBe(404);
  });
});

describe("password change", () => {
  it("needs the current password, ends the other sessions, and the old password stops working", async () => {
    const here = await signIn("pat", "pat-password", "127.0.1.4");
    const elsewhere = await signIn("pat", "pat-password", "127.0.1.4");

    const wrong = await call("POST", "/account/password", { token: here.body.token, body: { currentPassword: "not-it-at-all", newPassword: "pat-new-password" } });
    expect(wrong.status).toBe(403);
    expect(wrong.body.error).toBe("Forbidden");
    const short = await call("POST", "/account/password", { token: here.body.token, body: { currentPassword: "pat-password", newPassword: "short" } });
    expect(short.status).toBe(400);
    expect(short.body.fields).toEqual({ newPassword: "a password has at least 8 characters" });
    expect((await call("GET", "/me", { token: elsewhere.body.token })).status).toBe(200);

    const changed = await call("POST", "/account/password", { token: here.body.token, body: { currentPassword: "pat-password", newPassword: "pat-new-password" } });
    expect(changed.status).toBe(204);
    expect((await call("GET", "/me", { token: elsewhere.body.token })).status).toBe(401);
    expect((await call("GET", "/me", { token: here.body.token })).status).toBe(200);
    expect((await signIn("pat", "pat-password", "127.0.1.4")).status).toBe(401);
    expect((await signIn("pat", "pat-new-password", "127.0.1.4")).status).toBe(201);
    expect((await storedHash("pat")).startsWith(CURRENT)).toBe(true);
  });
});

describe("sign-in throttling per account", () => {
  it("answers 429 with Retry-After to the 6th attempt within the window, from any address", async () => {
    for (let i = 0; i < 5; i++) expect((await signIn("erin", `wrong-${i}-password`, "127.0.1.5")).status).toBe(401);
    const sixth = await signIn("erin", "erin-password", "127.0.1.6");
    expect(sixth.status).toBe(429);
    expect(sixth.body.error).toBe("Too Many Requests");
    const wait = Number(sixth.headers["retry-after"]);
    expect(wait).toBeGreaterThan(800);
    expect(wait).toBeLessThanOrEqual(900);
    // Another account is not held up.
    expect((await signIn("fay", "fay-password", "127.0.1.6")).status).toBe(201);

    // Once the window has passed, the account signs in again.
    await a.app.db
      .updateTable("sign_in_attempts")
      .set({ window_started_at: new Date(Date.now() - 16 * 60_000) })
      .execute();
    expect((await signIn("erin", "erin-password", "127.0.1.7")).status).toBe(201);
  });

  it("starts counting again after a successful sign-in", async () => {
    for (let i = 0; i < 4; i++) expect((await signIn("fay", `wrong-${i}-password`, "127.0.1.8")).status).toBe(401);
    expect((await signIn("fay", "fay-password", "127.0.1.8")).status).toBe(201);
    for (let i = 0; i < 5; i++) expect((await signIn("fay", `wrong-${i}-password`, "127.0.1.9")).status).toBe(401);
    expect((await signIn("fay", "fay-password", "127.0.1.9")).status).toBe(429);
  });

  it("keeps the per-address limit", async () => {
    const answers: number[] = [];
    for (let i = 0; i < 21; i++) answers.push((await signIn("nobody", "nope-nope", "127.0.1.10")).status);
    expect(answers.slice(0, 20).every((s) => s === 401)).toBe(true);
    expect(answers[20]).toBe(429);
  });
});
