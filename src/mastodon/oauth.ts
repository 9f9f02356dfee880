import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { openSession } from "../community/sessions.ts";
import type { AppContext } from "../context.ts";
import { fail, ok, type Result } from "../shared/result.ts";
import { isKnownScope, parseScopes, withinScopes } from "./scopes.ts";

// The OAuth 2 authorization server behind the Mastodon client API: apps, authorization
// codes with PKCE and access tokens. Secrets, codes and tokens are random 32-byte
// strings kept only as SHA-256 hashes (high-entropy values: no slow hash needed).

export const OOB_REDIRECT = "urn:ietf:wg:oauth:2.0:oob";
const CODE_LIFETIME_MS = 10 * 60_000;
/** A token's session lasts as long as Mastodon's tokens (they do not expire) would reasonably: a year, renewed by signing in again. */
const TOKEN_SESSION_DAYS = 365;

type Db = Pick<AppContext, "db">;

export const sha256 = (s: string) => createHash("sha256").update(s).digest("base64url");
const secret = () => randomBytes(32).toString("base64url");

export interface OAuthApp {
  id: string;
  clientId: string;
  name: string;
  website: string | null;
  redirectUris: string[];
  scopes: string[];
}

/** An OAuth failure in RFC 6749's words (`invalid_client`, …) with the HTTP status to answer. */
export interface OAuthFailure {
  status: number;
  error: string;
  description: string;
}
export type OAuthResult<T> = { ok: true; value: T } | { ok: false; error: OAuthFailure };
const oauthFail = (status: number, error: string, description: string): { ok: false; error: OAuthFailure } => ({ ok: false, error: { status, error, description } });

function toApp(row: { id: string; client_id: string; name: string; website: string | null; redirect_uris: string; scopes: string }): OAuthApp {
  return {
    id: row.id,
    clientId: row.client_id,
    name: row.name,
    website: row.website,
    redirectUris: row.redirect_uris.split(" ").filter(Boolean),
    scopes: row.scopes.split(" ").filter(Boolean),
  };
}

/** A redirect URI an app may register: the out-of-band one, or an absolute URI without a fragment (apps use custom schemes). */
function validRedirect(uri: string): boolean {
  if (uri === OOB_REDIRECT) return true;
  try {
    const u = new URL(uri);
    return !u.hash && u.protocol !== "javascript:" && u.protocol !== "data:";
  } catch {
    return false;
  }
}

export async function registerApp(
  ctx: Db,
  input: { name: unknown; redirectUris: unknown; scopes: unknown; website: unknown },
): Promise<Result<{ app: OAuthApp; clientSecret: string }>> {
  const name = typeof input.name === "string" ? input.name.trim() : "";
  if (!name) return fail("invalid", "client_name can't be blank", "client_name");
  if (name.length > 200) return fail("invalid", "client_name is too long (maximum is 200 characters)", "client_name");
  const raw = Array.isArray(input.redirectUris) ? input.redirectUris : typeof input.redirectUris === "string" ? input.redirectUris.split(/\s+/) : [];
  const redirectUris = raw.filter((u): u is string => typeof u === "string" && u.length > 0);
  if (redirectUris.length === 0) return fail("invalid", "redirect_uris can't be blank", "redirect_uris");
  if (redirectUris.length > 10 || !redirectUris.every((u) => u.length <= 2000 && validRedirect(u))) return fail("invalid", "redirect_uris must be absolute URIs", "redirect_uris");
  const scopes = parseScopes(input.scopes);
  const unknown = scopes.find((s) => !isKnownScope(s));
  if (unknown) return fail("invalid", `scopes: unknown scope ${unknown}`, "scopes");
  const website = typeof input.website === "string" && input.website.trim() ? input.website.trim().slice(0, 2000) : null;
  const clientSecret = secret();
  const row = {
    id: String(Date.now()) + String(randomBytes(3).readUIntBE(0, 3)).padStart(8, "0"),
    client_id: secret(),
    client_secret_hash: sha256(clientSecret),
    name,
    website,
    redirect_uris: redirectUris.join(" "),
    scopes: scopes.join(" "),
  };
  await ctx.db.insertInto("oauth_apps").values(row).execute();
  return ok({ app: toApp(row), clientSecret });
}

export async function findApp(ctx: Db, clientId: unknown): Promise<OAuthApp | null> {
  if (typeof clientId !== "string" || !clientId) return null;
  const row = await ctx.db.selectFrom("oauth_apps").selectAll().where("client_id", "=", clientId).executeTakeFirst();
  return row ? toApp(row) : null;
}

/** The app whose id and secret these are; null when either is wrong. */
export async function authenticateClient(ctx: Db, clientId: unknown, clientSecret: unknown): Promise<OAuthApp | null> {
  if (typeof clientId !== "string" || typeof clientSecret !== "string" || !clientId || !clientSecret) return null;
  const row = await ctx.db.selectFrom("oauth_apps").selectAll().where("client_id", "=", clientId).executeTakeFirst();
  if (!row) return null;
  const a = Buffer.from(row.client_secret_hash);
  const b = Buffer.from(sha256(clientSecret));
  return a.length === b.length && timingSafeEqual(a, b) ? toApp(row) : null;
}

export interface AuthorizationRequest {
  app: OAuthApp;
  redirectUri: string;
  scopes: string[];
  state: string | null;
  codeChallenge: string | null;
  codeChallengeMethod: string | null;
}

/**
 * Checks what `/oauth/authorize` was asked. A bad client or redirect URI cannot be sent
 * back to the app (`redirect: false`); anything else is an error for the redirect.
 */
export async function checkAuthorizationRequest(ctx: Db, q: Record<string, unknown>): Promise<OAuthResult<AuthorizationRequest> & { redirect?: boolean }> {
  const app = await findApp(ctx, q.client_id);
  if (!app)
    return {
      ...oauthFail(401, "invalid_client", "Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method."),
      redirect: false,
    };
  const redirectUri = typeof q.redirect_uri === "string" && q.redirect_uri ? q.redirect_uri : app.redirectUris.length === 1 ? app.redirectUris[0]! : "";
  if (!app.redirectUris.includes(redirectUri)) return { ...oauthFail(400, "invalid_redirect_uri", "The redirect uri included is not valid."), redirect: false };
  if (q.response_type !== "code") return oauthFail(400, "unsupported_response_type", "The authorization server does not support this response type.");
  const scopes = parseScopes(q.scope ?? q.scopes, app.scopes.join(" "));
  if (!scopes.every(isKnownScope) || !withinScopes(scopes, app.scopes)) return oauthFail(400, "invalid_scope", "The requested scope is invalid, unknown, or malformed.");
  const challenge = typeof q.code_challenge === "string" && q.code_challenge ? q.code_challenge : null;
  const method = challenge ? (typeof q.code_challenge_method === "string" && q.code_challenge_method ? q.code_challenge_method : "plain") : null;
  if (challenge && (method !== "S256" || !/^[A-Za-z0-9_-]{43}$/.test(challenge))) {
    return oauthFail(400, "invalid_request", "Code challenge method must be S256, with a base64url SHA-256 challenge.");
  }
  return { ok: true, value: { app, redirectUri, scopes, state: typeof q.state === "string" ? q.state : null, codeChallenge: challenge, codeChallengeMethod: method } };
}

/** The person approved: a code for the app, usable once within ten minutes. */
export async function issueCode(ctx: Db, actorId: string, req: AuthorizationRequest): Promise<string> {
  const code = secret();
  await ctx.db
    .insertInto("oauth_codes")
    .values({
      code_hash: sha256(code),
      app_id: req.app.id,
      actor_id: actorId,
      redirect_uri: req.redirectUri,
      scopes: req.scopes.join(" "),
      code_challenge: req.codeChallenge,
      code_challenge_method: req.codeChallengeMethod,
      expires_at: new Date(Date.now() + CODE_LIFETIME_MS),
    })
    .execute();
  return code;
}

export interface IssuedToken {
  id: string;
  accessToken: string;
  scopes: string[];
  createdAt: Date;
}

async function issueToken(ctx: Db, app: OAuthApp, actorId: string | null, scopes: string[]): Promise<IssuedToken> {
  const accessToken = secret();
  const id = randomBytes(12).toString("base64url");
  let sessionId: string | null = null;
  if (actorId) {
    sessionId = randomBytes(18).toString("base64url");
    await openSession(ctx, { id: sessionId, actorId, label: `app: ${app.name}`, expiresAt: new Date(Date.now() + TOKEN_SESSION_DAYS * 24 * 3600_000) });
  }
  const createdAt = new Date();
  await ctx.db
    .insertInto("oauth_tokens")
    .values({ id, token_hash: sha256(accessToken), app_id: app.id, actor_id: actorId, session_id: sessionId, scopes: scopes.join(" "), created_at: createdAt })
    .execute();
  return { id, accessToken, scopes, createdAt };
}

const invalidGrant = () =>
  oauthFail(
    400,
    "invalid_grant",
    "The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.",
  );

/** `grant_type=authorization_code`: the code, once, by the app it was issued to, with its PKCE verifier. */
export async function exchangeCode(ctx: Db, app: OAuthApp, params: Record<string, unknown>): Promise<OAuthResult<IssuedToken>> {
  if (typeof params.code !== "string" || !params.code) return oauthFail(400, "invalid_request", "The request is missing a required parameter: code.");
  const now = new Date();
  // Claimed in one statement: a second use (or a race of two) finds nothing to claim.
  const row = await ctx.db
    .updateTable("oauth_codes")
    .set({ used_at: now })
    .where("code_hash", "=", sha256(params.code))
    .where("used_at", "is", null)
    .returningAll()
    .executeTakeFirst();
  if (!row) {
    // A code used twice: what the first use gave may be in the wrong hands (RFC 6749 §4.1.2), so end it.
    const used = await ctx.db.selectFrom("oauth_codes").select("token_id").where("code_hash", "=", sha256(params.code)).executeTakeFirst();
    if (used?.token_id) {
      const ended = await ctx.db
        .updateTable("oauth_tokens")
        .set({ revoked_at: now })
        .where("id", "=", used.token_id)
        .where("revoked_at", "is", null)
        .returning("session_id")
        .executeTakeFirst();
      if (ended?.session_id) await ctx.db.updateTable("sessions").set({ revoked_at: now }).where("id", "=", ended.session_id).execute();
    }
    return invalidGrant();
  }
  if (row.app_id !== app.id || new Date(row.expires_at) <= now) return invalidGrant();
  const redirectUri = typeof params.redirect_uri === "string" && params.redirect_uri ? params.redirect_uri : row.redirect_uri;
  if (redirectUri !== row.redirect_uri) return invalidGrant();
  if (row.code_challenge) {
    const verifier = params.code_verifier;
    if (typeof verifier !== "string" || !/^[A-Za-z0-9._~-]{43,128}$/.test(verifier) || sha256(verifier) !== row.code_challenge) return invalidGrant();
  }
  const actor = await ctx.db.selectFrom("actors").select(["id", "kind", "deleted_at"]).where("id", "=", row.actor_id).executeTakeFirst();
  if (actor?.kind !== "person" || actor.deleted_at) return invalidGrant();
  const issued = await issueToken(ctx, app, row.actor_id, row.scopes.split(" ").filter(Boolean));
  await ctx.db.updateTable("oauth_codes").set({ token_id: issued.id }).where("code_hash", "=", row.code_hash).execute();
  return { ok: true, value: issued };
}

/** `grant_type=client_credentials`: a token for the app itself, no account behind it. */
export async function clientToken(ctx: Db, app: OAuthApp, params: Record<string, unknown>): Promise<OAuthResult<IssuedToken>> {
  const scopes = parseScopes(params.scope, app.scopes.join(" "));
  if (!scopes.every(isKnownScope) || !withinScopes(scopes, app.scopes)) return oauthFail(400, "invalid_scope", "The requested scope is invalid, unknown, or malformed.");
  return { ok: true, value: await issueToken(ctx, app, null, scopes) };
}

/** RFC 7009: revokes the token if it is this app's; an unknown token is not an error. */
export async function revokeToken(ctx: Db, app: OAuthApp, token: unknown): Promise<void> {
  if (typeof token !== "string" || !token) return;
  const row = await ctx.db
    .updateTable("oauth_tokens")
    .set({ revoked_at: new Date() })
    .where("token_hash", "=", sha256(token))
    .where("app_id", "=", app.id)
    .where("revoked_at", "is", null)
    .returning(["session_id"])
    .executeTakeFirst();
  if (row?.session_id) await ctx.db.updateTable("sessions").set({ revoked_at: new Date() }).where("id", "=", row.session_id).execute();
}

export interface TokenHolder {
  app: OAuthApp;
  /** The account the token acts for; null for an app token (client_credentials). */
  actorId: string | null;
  scopes: string[];
}

/** Who holds a bearer token: live, its session live, its account a person not deleted. */
export async function tokenHolder(ctx: Db, token: string): Promise<TokenHolder | null> {
  const now = new Date();
  const row = await ctx.db
    .selectFrom("oauth_tokens")
    .innerJoin("oauth_apps", "oauth_apps.id", "oauth_tokens.app_id")
    .leftJoin("sessions", "sessions.id", "oauth_tokens.session_id")
    .leftJoin("actors", "actors.id", "oauth_tokens.actor_id")
    .select([
      "oauth_tokens.actor_id",
      "oauth_tokens.session_id",
      "oauth_tokens.scopes as token_scopes",
      "oauth_apps.id",
      "oauth_apps.client_id",
      "oauth_apps.name",
      "oauth_apps.website",
      "oauth_apps.redirect_uris",
      "oauth_apps.scopes",
      "sessions.revoked_at as session_revoked_at",
      "sessions.expires_at as session_expires_at",
      "actors.kind",
      "actors.deleted_at",
    ])
    .where("oauth_tokens.token_hash", "=", sha256(token))
    .where("oauth_tokens.revoked_at", "is", null)
    .executeTakeFirst();
  if (!row) return null;
  if (row.actor_id !== null) {
    if (!row.session_id || row.session_revoked_at || !row.session_expires_at || new Date(row.session_expires_at) <= now) return null;
    if (row.kind !== "person" || row.deleted_at) return null;
  }
  return { app: toApp(row), actorId: row.actor_id, scopes: row.token_scopes.split(" ").filter(Boolean) };
}
