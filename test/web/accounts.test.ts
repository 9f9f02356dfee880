import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { operations } from "../../src/cli/operations.ts";
import { createInvitation } from "../../src/community/invitations.ts";
import { startTestInstance, type TestInstance } from "../support/instance.ts";
import { fieldError, WebClient } from "../support/web-client.ts";

// The way in from a browser: sign up by invitation, sign in and out with a cookie session,
// CSRF on every form, password change, one's sessions.

let a: TestInstance;

beforeAll(async () => {
  a = await startTestInstance({ host: "127.0.0.81", env: { SIGNUP: "invitation" } });
  await operations["account.create"](a.app, { handle: "ada", password: "correct horse" });
});
afterAll(async () => {
  await a?.stop();
});

describe("signing up by invitation", () => {
  it("refuses without a code and with a bad one, at the field, and creates nothing", async () => {
    const web = new WebClient(a.origin);
    const none = await web.post("/signup", { handle: "bo", password: "long enough" }, { csrfFrom: "/signup" });
    expect(none.status).toBe(400);
    expect(fieldError(none.html, "invitation")).toMatch(/required/);
    const bad = await web.post("/signup", { handle: "bo", password: "long enough", invitation: "nope" }, { csrfFrom: "/signup" });
    expect(bad.status).toBe(400);
    expect(fieldError(bad.html, "invitation")).toMatch(/not valid/);
    expect(bad.html).toContain('value="bo"');
    const row = await a.app.db.selectFrom("actors").select("id").where("handle", "=", "bo").executeTakeFirst();
    expect(row).toBeUndefined();
  });

  it("creates the account with a valid code, signs it in, and the code cannot be used twice", async () => {
    const inv = await createInvitation(a.app, { createdBy: null });
    if (!inv.ok) throw new Error(inv.error.message);
    const web = new WebClient(a.origin);
    const done = await web.post("/signup", { handle: "bo", name: "Bo", password: "long enough", invitation: inv.value.code }, { csrfFrom: "/signup" });
    expect(done.status).toBe(303);
    expect(done.location).toBe("/me");
    expect(web.cookies.has("folkmoot_session")).toBe(true);
    const account = await web.get("/account");
    expect(account.status).toBe(200);
    expect(account.html).toContain("@bo@");

    const other = new WebClient(a.origin);
    const again = await other.post("/signup", { handle: "cy", password: "long enough", invitation: inv.value.code }, { csrfFrom: "/signup" });
    expect(again.status).toBe(400);
    expect(fieldError(again.html, "invitation")).toMatch(/not valid/);
  });
});

describe("signing in and out", () => {
  it("refuses a form without its CSRF token, with a page that says to try again", async () => {
    const web = new WebClient(a.origin);
    await web.get("/signin");
    const res = await web.post("/signin", { handle: "ada", password: "correct horse" }, { csrf: null });
    expect(res.status).toBe(403);
    expect(res.html).toContain("This form has expired");
    expect(web.cookies.has("folkmoot_session")).toBe(false);
  });

  it("refuses a token from another browser's cookie", async () => {
    const mallory = new WebClient(a.origin);
    const token = /name="_csrf" value="([^"]+)"/.exec((await mallory.get("/signin")).html)?.[1] ?? "";
    const victim = new WebClient(a.origin);
    await victim.get("/signin");
    const res = await victim.post("/signin", { handle: "ada", password: "correct horse" }, { csrf: token });
    expect(res.status).toBe(403);
  });

  it("says plainly when the password is wrong, and keeps the handle", async () => {
    const web = new WebClient(a.origin);
    const res = await web.post("/signin", { handle: "ada", password: "wrong wrong" }, { csrfFrom: "/signin" });
    expect(res.status).toBe(401);
    expect(res.html).toContain("That user name and password do not match.");
    expect(res.html).toContain('value="ada"');
  });

  it("signs in with an HttpOnly SameSite cookie, goes back where it was asked, and signs out", async () => {
    const web = new WebClient(a.origin);
    const login = await fetch(new URL("/signin", a.origin));
    expect(login.status).toBe(200);
    const res = await web.post("/signin", { handle: "ada", password: "correct horse", next: "/account" }, { csrfFrom: "/signin" });
    expect(res.status).toBe(303);
    expect(res.location).toBe("/account");
    const page = await web.get("/account");
    expect(page.html).toContain("this browser");

    const raw = await fetch(new URL("/signin", a.origin), {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie: [...web.cookies].map(([k, v]) => `${k}=${v}`).join("; ") },
      body: new URLSearchParams({ handle: "ada", password: "correct horse", _csrf: /name="_csrf" value="([^"]+)"/.exec(page.html)?.[1] ?? "" }),
    });
    const cookie = raw.headers.getSetCookie().find((c) => c.startsWith("folkmoot_session="));
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);

    const out = await web.post("/signout", {}, { csrfFrom: "/account" });
    expect(out.status).toBe(303);
    const after = await web.get("/account");
    expect(after.status).toBe(303);
    expect(after.location).toMatch(/^\/signin\?next=/);
  });

  it("never sends a signed-in person to another site after sign-in", async () => {
    const web = new WebClient(a.origin);
    const res = await web.post("/signin", { handle: "ada", password: "correct horse", next: "//evil.example/" }, { csrfFrom: "/signin" });
    expect(res.status).toBe(303);
    expect(res.location).toBe("/me");
  });
});

describe("my account", () => {
  it("changes the password with the current one, ends the other sessions, and refuses a wrong one at the field", async () => {
    const phone = new WebClient(a.origin);
    const laptop = new WebClient(a.origin);
    await operations["account.create"](a.app, { handle: "dee", password: "first password" });
    for (const web of [phone, laptop]) await web.post("/signin", { handle: "dee", password: "first password" }, { csrfFrom: "/signin" });

    const wrong = await laptop.post("/account/password", { currentPassword: "not it at all", newPassword: "second password" }, { csrfFrom: "/account" });
    expect(wrong.status).toBe(403);
    expect(fieldError(wrong.html, "currentPassword")).toBe("That is not your current password.");

    const short = await laptop.post("/account/password", { currentPassword: "first password", newPassword: "short" }, { csrfFrom: "/account" });
    expect(short.status).toBe(400);
    expect(fieldError(short.html, "newPassword")).toMatch(/at least 8/);

    const done = await laptop.post("/account/password", { currentPassword: "first password", newPassword: "second password" }, { csrfFrom: "/account" });
    expect(done.status).toBe(303);
    expect((await laptop.get("/account?done=password-changed")).html).toContain("Your password is changed.");
    expect((await phone.get("/account")).status).toBe(303);
  });

  it("lists where one is signed in and ends another session", async () => {
    const phone = new WebClient(a.origin);
    const laptop = new WebClient(a.origin);
    await operations["account.create"](a.app, { handle: "eve", password: "eve password" });
    for (const web of [phone, laptop]) await web.post("/signin", { handle: "eve", password: "eve password" }, { csrfFrom: "/signin" });
    const page = await laptop.get("/account");
    const other = /action="\/account\/sessions\/([^/]+)\/end"/.exec(page.html)?.[1];
    expect(other).toBeTruthy();
    const ended = await laptop.post(`/account/sessions/${other}/end`, {}, { csrfFrom: "/account" });
    expect(ended.status).toBe(303);
    expect((await phone.get("/account")).status).toBe(303);
    expect((await laptop.get("/account")).status).toBe(200);
  });
});

describe("deleting one's account", () => {
  it("asks for the password, leaves every body on its record, keeps the votes, and frees nothing for impostors", async () => {
    const { bodyWithMembers, hourBylaws, pastDeadline, unwrap } = await import("../decisions/support.ts");
    const d = await import("../../src/decisions/index.ts");
    const [fay, gus] = await bodyWithMembers(a.app, "mill", ["fay", "gus"], hourBylaws({ kind: "simple-majority" }));
    const p = unwrap(await d.draftProposal(a.app, gus!, "mill", { kind: "policy", title: "Oil the wheel", text: "Weekly." }));
    unwrap(await d.tableProposal(a.app, gus!, "mill", p.id));
    await pastDeadline(a.app, unwrap(await d.readProposal(a.app, null, "mill", p.id)));
    unwrap(await d.vote(a.app, fay!, "mill", p.id, { choice: "agree", reason: "It squeaks" }));

    const web = new WebClient(a.origin);
    await web.post("/signin", { handle: "fay", password: "fay-password" }, { csrfFrom: "/signin" });
    const wrong = await web.post("/account/delete", { confirmPassword: "not hers" }, { csrfFrom: "/account" });
    expect(wrong.status).toBe(403);
    expect(fieldError(wrong.html, "confirmPassword")).toBe("That is not your current password.");

    const done = await web.post("/account/delete", { confirmPassword: "fay-password" }, { csrfFrom: "/account" });
    expect(done.status).toBe(303);
    expect(done.location).toBe("/?done=account-deleted");
    expect((await web.get("/account")).status).toBe(303);

    const members = unwrap(await (await import("../../src/community/memberships.ts")).listMembers(a.app, "mill"));
    expect(members.map((m) => m.uri)).toEqual([gus]);
    const detail = unwrap(await d.readProposal(a.app, null, "mill", p.id));
    expect(detail.rounds[0]).toMatchObject({ voters: 1, counts: { agree: 1 } });
    const row = await a.app.db.selectFrom("actors").selectAll().where("handle", "=", "fay").executeTakeFirstOrThrow();
    expect(row).toMatchObject({ name: "", summary: "" });
    expect(row.deleted_at).not.toBeNull();
    expect(await a.app.db.selectFrom("accounts").select("actor_id").where("actor_id", "=", row.id).executeTakeFirst()).toBeUndefined();

    const profile = await new WebClient(a.origin).get("/@fay");
    expect(profile.status).toBe(410);
    expect(profile.html).toContain("This account was deleted.");
    const again = new WebClient(a.origin);
    expect((await again.post("/signin", { handle: "fay", password: "fay-password" }, { csrfFrom: "/signin" })).status).toBe(401);
    const inv = await createInvitation(a.app, { createdBy: null });
    if (!inv.ok) throw new Error(inv.error.message);
    const impostor = await again.post("/signup", { handle: "fay", password: "long enough", invitation: inv.value.code }, { csrfFrom: "/signup" });
    expect(impostor.status).toBe(409);
  });
});
