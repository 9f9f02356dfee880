import { createOAuthAPIClient, createRestAPIClient } from "masto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { operations } from "../../src/cli/operations.ts";
import { hourBylaws, bodyWithMembers } from "../decisions/support.ts";
import { startTestInstance, type TestInstance } from "../support/instance.ts";
import { approve, OOB, pkce, signedIn } from "./support.ts";

// The Mastodon client API for a local account, driven by the `masto` library: an app
// registers, the person authorises it on the consent page (over HTTP, as a browser),
// the app exchanges the code with PKCE, verifies the account, looks up and follows a body.

let a: TestInstance;

beforeAll(async () => {
  a = await startTestInstance({ host: "127.0.0.111" });
  await bodyWithMembers(a.app, "commons", ["ada"], hourBylaws({ kind: "simple-majority" }, { admission: "open" }));
  await operations["account.create"](a.app, { handle: "bea", password: "bea-password" });
});
afterAll(async () => {
  await a?.stop();
});

const json = async (path: string, init: RequestInit = {}) => {
  const res = await fetch(new URL(path, a.origin), init);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

async function registerApp(scopes = "read write follow", redirect = OOB) {
  const oauth = createRestAPIClient({ url: a.origin });
  return oauth.v1.apps.create({ clientName: "Test app", redirectUris: redirect, scopes, website: "https://example.org" });
}

async function tokenFor(handle: string, scopes = "read write follow") {
  const app = await registerApp(scopes);
  const { verifier, challenge } = pkce();
  const web = await signedIn(a.origin, handle);
  const { code } = await approve(web, {
    client_id: app.clientId!,
    redirect_uri: OOB,
    response_type: "code",
    scope: scopes,
    code_challenge: challenge,
    code_challenge_method: "S256",
  });
  const oauth = createOAuthAPIClient({ url: a.origin });
  const token = await oauth.token.create({
    grantType: "authorization_code",
    clientId: app.clientId!,
    clientSecret: app.clientSecret!,
    redirectUri: OOB,
    code: code!,
    codeVerifier: verifier,
  } as never);
  return { app, token: token.accessToken, verifier, code: code! };
}

describe("what apps read first", () => {
  it("answers the instance v1 and v2, the OAuth metadata and NodeInfo as Mastodon does", async () => {
    const masto = createRestAPIClient({ url: a.origin });
    const v1 = await masto.v1.instance.fetch();
    expect(v1.version).toMatch(/^4\.3\.0 \(compatible; Folkmoot \d+\.\d+\.\d+\)$/);
    expect(v1.configuration.polls.maxOptions).toBeGreaterThan(1);
    const v2 = await masto.v2.instance.fetch();
    expect(v2.domain).toBe(a.host + a.origin.slice(a.origin.lastIndexOf(":")));
    expect(v2.registrations.enabled).toBe(a.config.signup !== "closed");
    const meta = await json("/.well-known/oauth-authorization-server");
    expect(meta.body.code_challenge_methods_supported).toEqual(["S256"]);
    expect(meta.body.grant_types_supported).not.toContain("password");
    const nodeinfo = await json("/nodeinfo/2.1");
    expect((nodeinfo.body.metadata as { upstream: { name: string } }).upstream.name).toBe("mastodon");
  });
});

describe("apps and OAuth 2", () => {
  it("registers an app (JSON, form and multipart) and verifies it with an app token", async () => {
    const viaForm = await json("/api/v1/apps", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ client_name: "Form app", "redirect_uris[]": OOB, scopes: "read" }),
    });
    expect(viaForm.status).toBe(200);
    expect(viaForm.body.redirect_uris).toEqual([OOB]);
    const viaJson = await json("/api/v1/apps", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ client_name: "JSON app", redirect_uris: [OOB], scopes: "read write" }),
    });
    expect(viaJson.body.scopes).toEqual(["read", "write"]);
    const app = await registerApp(); // masto sends JSON
    const form = new FormData();
    form.set("grant_type", "client_credentials");
    form.set("client_id", app.clientId!);
    form.set("client_secret", app.clientSecret!);
    form.set("scope", "read");
    const token = await json("/oauth/token", { method: "POST", body: form });
    expect(token.status).toBe(200);
    const masto = createRestAPIClient({ url: a.origin, accessToken: token.body.access_token as string });
    expect((await masto.v1.apps.verifyCredentials()).name).toBe("Test app");
    // An app token has no account behind it.
    const me = await json("/api/v1/accounts/verify_credentials", { headers: { authorization: `Bearer ${token.body.access_token}` } });
    expect(me).toEqual({ status: 422, body: { error: "This method requires an authenticated user" } });
  });

  it("refuses bad app registrations with 422", async () => {
    const res = await json("/api/v1/apps", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ client_name: "", redirect_uris: OOB }) });
    expect(res.status).toBe(422);
    expect(res.body.error).toMatch(/^Validation failed/);
    const badScope = await json("/api/v1/apps", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ client_name: "x", redirect_uris: OOB, scopes: "read admin:everything" }),
    });
    expect(badScope.status).toBe(422);
  });

  it("sends a person who is not signed in to the sign-in page and back", async () => {
    const app = await registerApp();
    const res = await fetch(new URL(`/oauth/authorize?client_id=${app.clientId}&redirect_uri=${encodeURIComponent(OOB)}&response_type=code`, a.origin), { redirect: "manual" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toMatch(/^\/signin\?next=%2Foauth%2Fauthorize%3Fclient_id%3D/);
  });

  it("signs in by the authorization-code flow with PKCE, verifies the account, looks up and follows a body", async () => {
    const { token } = await tokenFor("bea");
    const masto = createRestAPIClient({ url: a.origin, accessToken: token });
    const me = await masto.v1.accounts.verifyCredentials();
    expect(me.username).toBe("bea");
    expect(me.group).toBe(false);
    const body = await masto.v1.accounts.lookup({ acct: "commons" });
    expect(body).toMatchObject({ username: "commons", group: true, acct: "commons" });
    expect((await masto.v1.accounts.$select(body.id).fetch()).id).toBe(body.id);
    const rel = await masto.v1.accounts.$select(body.id).follow();
    expect(rel).toMatchObject({ following: true, requested: false });
    expect((await masto.v1.accounts.$select(body.id).fetch()).followersCount).toBe(1);
    const [again] = await masto.v1.accounts.relationships.fetch({ id: [body.id] });
    expect(again?.following).toBe(true);
    expect((await masto.v1.accounts.$select(body.id).unfollow()).following).toBe(false);
    // The app's session is listed with the account's sessions.
    const sessions = await a.app.db.selectFrom("sessions").select("label").where("revoked_at", "is", null).execute();
    expect(sessions.map((s) => s.label)).toContain("app: Test app");
  });

  it("redirects to the app with the code and its state", async () => {
    const app = await registerApp("read", "https://app.example/callback");
    const web = await signedIn(a.origin, "bea");
    const { location, code } = await approve(web, { client_id: app.clientId!, redirect_uri: "https://app.example/callback", response_type: "code", state: "xyz" });
    expect(location).toMatch(/^https:\/\/app\.example\/callback\?code=/);
    expect(new URL(location!).searchParams.get("state")).toBe("xyz");
    expect(code).toBeTruthy();
  });
});

describe("bad input gets OAuth's and Mastodon's errors", () => {
  const tokenRequest = (fields: Record<string, string>) =>
    json("/oauth/token", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(fields) });

  it("a wrong client secret, a bad PKCE verifier, a reused code, no password grant", async () => {
    const app = await registerApp();
    const { verifier, challenge } = pkce();
    const web = await signedIn(a.origin, "bea");
    const { code } = await approve(web, {
      client_id: app.clientId!,
      redirect_uri: OOB,
      response_type: "code",
      scope: "read",
      code_challenge: challenge,
      code_challenge_method: "S256",
    });
    const base = { grant_type: "authorization_code", client_id: app.clientId!, client_secret: app.clientSecret!, redirect_uri: OOB, code: code! };

    const wrongSecret = await tokenRequest({ ...base, client_secret: "nope", code_verifier: verifier });
    expect(wrongSecret.status).toBe(401);
    expect(wrongSecret.body.error).toBe("invalid_client");
    expect(typeof wrongSecret.body.error_description).toBe("string");

    const badVerifier = await tokenRequest({ ...base, code_verifier: pkce().verifier });
    expect(badVerifier.status).toBe(400);
    expect(badVerifier.body.error).toBe("invalid_grant");

    // The code was spent by the failed attempt: a code is good for one exchange only.
    const reused = await tokenRequest({ ...base, code_verifier: verifier });
    expect(reused.status).toBe(400);
    expect(reused.body.error).toBe("invalid_grant");

    const password = await tokenRequest({ grant_type: "password", client_id: app.clientId!, client_secret: app.clientSecret!, username: "bea", password: "bea-password" });
    expect(password.status).toBe(400);
    expect(password.body.error).toBe("unsupported_grant_type");
  });

  it("a code used twice ends the token the first use gave", async () => {
    const { app, token, verifier, code } = await tokenFor("bea");
    const again = await tokenRequest({
      grant_type: "authorization_code",
      client_id: app.clientId!,
      client_secret: app.clientSecret!,
      redirect_uri: OOB,
      code,
      code_verifier: verifier,
    });
    expect(again.body.error).toBe("invalid_grant");
    const me = await json("/api/v1/accounts/verify_credentials", { headers: { authorization: `Bearer ${token}` } });
    expect(me.status).toBe(401);
  });

  it("a revoked token, and a token without a scope the call needs", async () => {
    const { app, token } = await tokenFor("bea");
    const auth = { authorization: `Bearer ${token}` };
    expect((await json("/api/v1/accounts/verify_credentials", { headers: auth })).status).toBe(200);
    const oauth = createOAuthAPIClient({ url: a.origin });
    await oauth.revoke({ clientId: app.clientId!, clientSecret: app.clientSecret!, token });
    expect(await json("/api/v1/accounts/verify_credentials", { headers: auth })).toEqual({ status: 401, body: { error: "The access token is invalid" } });

    const narrow = await tokenFor("bea", "read:statuses");
    const me = await json("/api/v1/accounts/verify_credentials", { headers: { authorization: `Bearer ${narrow.token}` } });
    expect(me).toEqual({ status: 403, body: { error: "This action is outside the authorized scopes" } });
    const readOnly = await tokenFor("bea", "read");
    const body = await json("/api/v1/accounts/lookup?acct=commons");
    const follow = await json(`/api/v1/accounts/${body.body.id}/follow`, { method: "POST", headers: { authorization: `Bearer ${readOnly.token}` } });
    expect(follow.status).toBe(403);
  });

  it("asks for no scope beyond the app's, and no unknown account", async () => {
    const app = await registerApp("read");
    const web = await signedIn(a.origin, "bea");
    const page = await web.get(`/oauth/authorize?${new URLSearchParams({ client_id: app.clientId!, redirect_uri: OOB, response_type: "code", scope: "read write" })}`);
    expect(page.status).toBe(400);
    const unknownClient = await web.get(`/oauth/authorize?${new URLSearchParams({ client_id: "nope", redirect_uri: OOB, response_type: "code" })}`);
    expect(unknownClient.status).toBe(400);
    expect(await json("/api/v1/accounts/lookup?acct=nobody")).toEqual({ status: 404, body: { error: "Record not found" } });
    expect((await json("/api/v1/accounts/lookup?acct=commons@elsewhere.example")).status).toBe(404);
  });
});
