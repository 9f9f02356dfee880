import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { operations } from "../../src/cli/operations.ts";
import { findBody } from "../../src/community/actors.ts";
import { actorUri } from "../../src/shared/uris.ts";
import { startTestInstance, type TestInstance } from "../support/instance.ts";
import { fieldError, WebClient } from "../support/web-client.ts";

// The operator pages (/admin): only administrators see them; invitations, accounts and
// administrators, bodies, settings, and removing what another server flooded in.

let a: TestInstance;

async function signedIn(handle: string, password: string): Promise<WebClient> {
  const web = new WebClient(a.origin);
  const res = await web.post("/signin", { handle, password }, { csrfFrom: "/signin" });
  expect(res.status, `sign-in of ${handle}`).toBe(303);
  return web;
}

const isAdmin = async (handle: string) =>
  (await a.app.db.selectFrom("accounts").innerJoin("actors", "actors.id", "accounts.actor_id").select("is_admin").where("handle", "=", handle).executeTakeFirstOrThrow()).is_admin;

let ada: WebClient;

beforeAll(async () => {
  a = await startTestInstance({ host: "127.0.0.85", env: { SIGNUP: "invitation", INSTANCE_NAME: "Riverside Commons" } });
  await operations["account.create"](a.app, { handle: "ada", password: "ada password", name: "Ada", admin: true });
  await operations["account.create"](a.app, { handle: "bo", password: "bo password", name: "Bo" });
  ada = await signedIn("ada", "ada password");
});
afterAll(async () => {
  await a?.stop();
});

describe("who may see the operator pages", () => {
  it("sends someone not signed in to sign in first, and back after", async () => {
    const web = new WebClient(a.origin);
    for (const path of ["/admin", "/admin/invitations", "/admin/accounts", "/admin/bodies", "/admin/settings", "/admin/remote"]) {
      const res = await web.get(path);
      expect(res.status, path).toBe(303);
      expect(res.location).toBe(`/signin?next=${encodeURIComponent(path)}`);
    }
    const post = await web.post("/admin/invitations", { note: "x", days: "3" }, { csrfFrom: "/signin" });
    expect(post.status).toBe(303);
    expect(post.location).toMatch(/^\/signin\?next=/);
  });

  it("answers 403 to a signed-in person who is not an administrator, and changes nothing", async () => {
    const bo = await signedIn("bo", "bo password");
    for (const path of ["/admin", "/admin/invitations", "/admin/accounts", "/admin/bodies", "/admin/settings", "/admin/remote"]) {
      const res = await bo.get(path);
      expect(res.status, path).toBe(403);
      expect(res.html).toContain("For administrators only");
    }
    expect((await bo.get("/account")).html).not.toContain('href="/admin"');
    const before = (await a.app.db.selectFrom("invitations").select("code").execute()).length;
    const post = await bo.post("/admin/invitations", { note: "for me", days: "3" }, { csrfFrom: "/account" });
    expect(post.status).toBe(403);
    const grant = await bo.post("/admin/accounts/bo/grant", {}, { csrfFrom: "/account" });
    expect(grant.status).toBe(403);
    expect((await bo.post("/admin/settings/signup", { signup: "open" }, { csrfFrom: "/account" })).status).toBe(403);
    expect((await bo.post("/admin/remote/remove", { origin: "https://example.org" }, { csrfFrom: "/account" })).status).toBe(403);
    expect(await isAdmin("bo")).toBe(false);
    expect((await a.app.db.selectFrom("invitations").select("code").execute()).length).toBe(before);
  });

  it("shows an administrator the way in from every page, and the overview", async () => {
    expect((await ada.get("/account")).html).toContain('<a href="/admin">Administration</a>');
    const page = await ada.get("/admin");
    expect(page.status).toBe(200);
    expect(page.html).toContain("2 accounts, 1 of them administrators");
    expect(page.html).toContain('<a href="/admin" aria-current="page">Overview</a>');
    expect(page.html).toContain("Sign-up: by invitation");
  });

  it("refuses an action without its CSRF token", async () => {
    await ada.get("/admin/invitations");
    const res = await ada.post("/admin/invitations", { note: "no token", days: "3" }, { csrf: null });
    expect(res.status).toBe(403);
    expect(res.html).toContain("This form has expired");
  });
});

describe("invitations", () => {
  it("refuses a bad number of days or a long note at the field, and saves nothing", async () => {
    const before = (await a.app.db.selectFrom("invitations").select("code").execute()).length;
    for (const days of ["0", "366", "two", "", "1.5"]) {
      const res = await ada.post("/admin/invitations", { note: "for Cy", days }, { csrfFrom: "/admin/invitations" });
      expect(res.status, days).toBe(400);
      expect(fieldError(res.html, "days")).toBe("Give a whole number of days from 1 to 365.");
      expect(res.html).toContain('value="for Cy"');
    }
    const long = await ada.post("/admin/invitations", { note: "x".repeat(201), days: "7" }, { csrfFrom: "/admin/invitations" });
    expect(long.status).toBe(400);
    expect(fieldError(long.html, "note")).toBe("A note has at most 200 characters.");
    expect((await a.app.db.selectFrom("invitations").select("code").execute()).length).toBe(before);
  });

  it("makes an invitation with its sign-up link; a new person signs up with it, and it shows as used", async () => {
    const made = await ada.post("/admin/invitations", { note: "for Cy", days: "7" }, { csrfFrom: "/admin/invitations" });
    expect(made.status).toBe(303);
    expect(made.location).toMatch(/^\/admin\/invitations\?done=invitation-made#inv-/);
    const list = await ada.get("/admin/invitations?done=invitation-made");
    expect(list.html).toContain("The invitation is made");
    const link = /href="([^"]*\/signup\?invitation=([^"]+))"/.exec(list.html);
    expect(link).not.toBeNull();
    const [, url, code] = link!;
    expect(url!.startsWith(`${a.origin}/signup?invitation=`)).toBe(true);
    const row = await a.app.db.selectFrom("invitations").selectAll().where("code", "=", code!).executeTakeFirstOrThrow();
    expect(row.note).toBe("for Cy");
    expect(row.created_by).not.toBeNull();
    expect(Math.round((row.expires_at.getTime() - Date.now()) / 86_400_000)).toBe(7);

    const cy = new WebClient(a.origin);
    const form = await cy.get(new URL(url!).pathname + new URL(url!).search);
    expect(form.html).toContain(`value="${code}"`);
    const signedUp = await cy.post("/signup", { handle: "cy", name: "Cy", password: "cy password", invitation: code! }, { csrfFrom: "/signup" });
    expect(signedUp.status).toBe(303);
    expect(signedUp.location).toBe("/me");

    const after = await ada.get("/admin/invitations");
    const card = new RegExp(`<li class="card" id="inv-${code}">([\\s\\S]*?)</li>`).exec(after.html)?.[1] ?? "";
    expect(card).toContain("<strong>Used</strong>");
    expect(card).toContain("Used by @cy");
    expect(card).not.toContain("/signup?invitation=");
    expect(card).not.toContain("withdraw");
  });

  it("withdraws an open invitation, which then no longer signs anyone up", async () => {
    await ada.post("/admin/invitations", { note: "for Di", days: "2" }, { csrfFrom: "/admin/invitations" });
    const code = (await a.app.db.selectFrom("invitations").select("code").where("note", "=", "for Di").executeTakeFirstOrThrow()).code;
    const withdrawn = await ada.post(`/admin/invitations/${code}/withdraw`, {}, { csrfFrom: "/admin/invitations" });
    expect(withdrawn.status).toBe(303);
    expect(withdrawn.location).toBe("/admin/invitations?done=invitation-withdrawn");
    expect(await a.app.db.selectFrom("invitations").select("code").where("code", "=", code).executeTakeFirst()).toBeUndefined();
    const again = await ada.post(`/admin/invitations/${code}/withdraw`, {}, { csrfFrom: "/admin/invitations" });
    expect(again.status).toBe(404);
    expect(again.html).toContain("That invitation was already used or withdrawn.");

    const di = new WebClient(a.origin);
    const refused = await di.post("/signup", { handle: "di", password: "di password", invitation: code }, { csrfFrom: "/signup" });
    expect(refused.status).toBe(400);
    expect(fieldError(refused.html, "invitation")).toMatch(/not valid/);
  });

  it("shows an expired invitation as expired, without its link", async () => {
    await ada.post("/admin/invitations", { note: "for Ed", days: "1" }, { csrfFrom: "/admin/invitations" });
    await a.app.db
      .updateTable("invitations")
      .set({ expires_at: new Date(Date.now() - 60_000) })
      .where("note", "=", "for Ed")
      .execute();
    const code = (await a.app.db.selectFrom("invitations").select("code").where("note", "=", "for Ed").executeTakeFirstOrThrow()).code;
    const page = await ada.get("/admin/invitations");
    const card = new RegExp(`<li class="card" id="inv-${code}">([\\s\\S]*?)</li>`).exec(page.html)?.[1] ?? "";
    expect(card).toContain("<strong>Expired</strong>");
    expect(card).not.toContain("/signup?invitation=");
  });
});

describe("administrators", () => {
  it("makes an account an administrator and revokes it, and never revokes the last one", async () => {
    const accounts = await ada.get("/admin/accounts");
    expect(accounts.html).toContain("@bo@");
    expect(accounts.html).toContain("Make @bo an administrator");

    const granted = await ada.post("/admin/accounts/bo/grant", {}, { csrfFrom: "/admin/accounts" });
    expect(granted.status).toBe(303);
    expect(granted.location).toBe("/admin/accounts?done=admin-granted");
    expect(await isAdmin("bo")).toBe(true);
    const bo = await signedIn("bo", "bo password");
    expect((await bo.get("/admin")).status).toBe(200);

    const revoked = await ada.post("/admin/accounts/bo/revoke", {}, { csrfFrom: "/admin/accounts" });
    expect(revoked.status).toBe(303);
    expect(await isAdmin("bo")).toBe(false);
    expect((await bo.get("/admin")).status).toBe(403);

    // Ada is the last: she cannot step down.
    const last = await ada.post("/admin/accounts/ada/revoke", {}, { csrfFrom: "/admin/accounts" });
    expect(last.status).toBe(409);
    expect(last.html).toContain("@ada is the last administrator");
    expect(await isAdmin("ada")).toBe(true);

    const nobody = await ada.post("/admin/accounts/nobody_here/grant", {}, { csrfFrom: "/admin/accounts" });
    expect(nobody.status).toBe(404);
    expect(nobody.html).toContain("There is no account @nobody_here.");
  });

  it("lets an administrator step down once another is there", async () => {
    await ada.post("/admin/accounts/bo/grant", {}, { csrfFrom: "/admin/accounts" });
    const down = await ada.post("/admin/accounts/ada/revoke", {}, { csrfFrom: "/admin/accounts" });
    expect(down.status).toBe(303);
    expect(down.location).toBe("/account?done=admin-revoked");
    expect((await ada.get("/admin")).status).toBe(403);
    // Bo is now the last one; he makes Ada an administrator again.
    const bo = await signedIn("bo", "bo password");
    expect((await bo.post("/admin/accounts/bo/revoke", {}, { csrfFrom: "/admin/accounts" })).status).toBe(409);
    expect((await bo.post("/admin/accounts/ada/grant", {}, { csrfFrom: "/admin/accounts" })).status).toBe(303);
    expect(await isAdmin("ada")).toBe(true);
  });

  it("cannot be left with none when two administrators revoke each other at once", async () => {
    // Ada and Bo are both administrators here.
    const bo = await signedIn("bo", "bo password");
    const [x, y] = await Promise.all([
      ada.post("/admin/accounts/bo/revoke", {}, { csrfFrom: "/admin/accounts" }),
      bo.post("/admin/accounts/ada/revoke", {}, { csrfFrom: "/admin/accounts" }),
    ]);
    // One wins; the other is refused: as the last administrator (409), or as no longer one (403).
    expect([x.status, y.status].filter((s) => s === 303)).toHaveLength(1);
    expect([x.status, y.status].filter((s) => s !== 303)[0]).toBeOneOf([403, 409]);
    const admins = await a.app.db.selectFrom("accounts").select("actor_id").where("is_admin", "=", true).execute();
    expect(admins).toHaveLength(1);
    if (!(await isAdmin("ada"))) await operations["account.admin"](a.app, { handle: "ada" });
  });
});

describe("bodies and settings", () => {
  it("lists the bodies with their kind, members and admission, linked to their pages", async () => {
    await operations["body.create"](a.app, { handle: "tenants", kind: "council", name: "Tenants' Council", admission: "by-decision", approveFollowers: true });
    await operations["member.add"](a.app, { body: "tenants", member: "bo" });
    const page = await ada.get("/admin/bodies");
    expect(page.status).toBe(200);
    expect(page.html).toContain('<a href="/@tenants"><strong>Tenants&#39; Council</strong></a>');
    expect(page.html).toContain("Council");
    expect(page.html).toContain("Members: 1");
    expect(page.html).toContain("members are admitted by decision");
    expect(page.html).toContain("followers need approval");
  });

  it("shows the instance's name and address with the variable that sets each", async () => {
    const page = await ada.get("/admin/settings");
    expect(page.status).toBe(200);
    expect(page.html).toContain("Riverside Commons");
    expect(page.html).toContain("Set by the environment variable INSTANCE_NAME.");
    expect(page.html).toContain("Set by the environment variable PUBLIC_ORIGIN.");
    expect(page.html).toContain("Now: by invitation: a new account needs an invitation code.");
    expect(page.html).toContain("This is the server&#39;s setting, the environment variable SIGNUP.");
  });

  it("changes who may sign up, refuses a mode that does not exist at the field, and goes back to SIGNUP", async () => {
    const bogus = await ada.post("/admin/settings/signup", { signup: "everyone" }, { csrfFrom: "/admin/settings" });
    expect(bogus.status).toBe(400);
    expect(fieldError(bogus.html, "signup")).toBe("Choose one of the ways listed.");
    expect(await a.app.db.selectFrom("instance_settings").selectAll().execute()).toEqual([]);

    const closed = await ada.post("/admin/settings/signup", { signup: "closed" }, { csrfFrom: "/admin/settings" });
    expect(closed.status).toBe(303);
    expect(closed.location).toBe("/admin/settings?done=settings-saved");
    expect((await ada.get("/admin/settings")).html).toContain("Now: closed");
    const visitor = new WebClient(a.origin);
    expect((await visitor.get("/signup")).html).toContain("does not take new accounts");
    expect((await visitor.get("/signin")).html).not.toContain('href="/signup">Sign up</a></p>');
    const refused = await visitor.post("/signup", { handle: "fay", password: "fay password" }, { csrfFrom: "/signin" });
    expect(refused.status).toBe(403);

    await ada.post("/admin/settings/signup", { signup: "open" }, { csrfFrom: "/admin/settings" });
    const open = await visitor.post("/signup", { handle: "fay", password: "fay password" }, { csrfFrom: "/signup" });
    expect(open.status).toBe(303);

    const back = await ada.post("/admin/settings/signup", { signup: "default" }, { csrfFrom: "/admin/settings" });
    expect(back.status).toBe(303);
    expect(await a.app.db.selectFrom("instance_settings").selectAll().execute()).toEqual([]);
    const gus = new WebClient(a.origin);
    const needsCode = await gus.post("/signup", { handle: "gus", password: "gus password" }, { csrfFrom: "/signup" });
    expect(needsCode.status).toBe(400);
    expect(fieldError(needsCode.html, "invitation")).toMatch(/required/);
  });
});

describe("other servers", () => {
  const flood = "http://flood.example";

  it("shows what a remote origin holds and removes it with one button, as `folkmoot remote remove` does", async () => {
    await operations["body.create"](a.app, { handle: "riverside", kind: "assembly" });
    const riverside = await findBody(a.app, "riverside");
    const tenants = await findBody(a.app, "tenants");
    if (!riverside.ok || !tenants.ok) throw new Error("bodies");
    // A flood, as origin-limits counts it: members by open admission and pending follow requests.
    await a.app.db
      .insertInto("memberships")
      .values(Array.from({ length: 3 }, (_, i) => ({ body_id: riverside.value.id, member_uri: `${flood}/users/m${i}`, admitted_by: "Join (open admission)" })))
      .execute();
    await a.app.db
      .insertInto("memberships")
      .values({ body_id: riverside.value.id, member_uri: `${flood}/users/kept`, admitted_by: "operator (cli)" })
      .execute();
    const tenantsUri = actorUri(a.app.config.publicOrigin, tenants.value.id).href;
    await a.app.db
      .insertInto("follows")
      .values(
        Array.from({ length: 2 }, (_, i) => ({ follower_uri: `${flood}/users/f${i}`, followee_uri: tenantsUri, activity_uri: `${flood}/follows/${i}`, state: "pending" as const })),
      )
      .execute();

    const page = await ada.get("/admin/remote");
    expect(page.status).toBe(200);
    expect(page.html).toContain(`<code>${flood}</code>`);
    expect(page.html).toContain("Members who joined by open admission: 3 (@riverside: 3)");
    expect(page.html).toContain("Follow requests waiting: 2 (@tenants: 2)");

    const bad = await ada.post("/admin/remote/remove", { origin: "not a url at all" }, { csrfFrom: "/admin/remote" });
    expect(bad.status).toBe(400);
    expect(bad.html).toContain("That is not the address of a server. Give it like https://example.org.");
    const own = await ada.post("/admin/remote/remove", { origin: a.origin }, { csrfFrom: "/admin/remote" });
    expect(own.status).toBe(400);

    const removed = await ada.post("/admin/remote/remove", { origin: flood }, { csrfFrom: "/admin/remote" });
    expect(removed.status).toBe(303);
    expect(removed.location).toBe("/admin/remote?done=origin-removed");
    const left = await a.app.db.selectFrom("memberships").select("member_uri").where("member_uri", "like", `${flood}/%`).execute();
    expect(left.map((m) => m.member_uri)).toEqual([`${flood}/users/kept`]);
    expect(await a.app.db.selectFrom("follows").select("id").where("follower_uri", "like", `${flood}/%`).execute()).toEqual([]);
    const after = await ada.get("/admin/remote?done=origin-removed");
    expect(after.html).toContain("What that server held here is removed.");
    expect(after.html).toContain("No other server holds anything here.");
  });
});
