import { createHash, randomBytes } from "node:crypto";
import { expect } from "vitest";
import { WebClient } from "../support/web-client.ts";

// Driving the OAuth 2 authorization-code flow over HTTP as a person would: sign in with
// the web form, open the consent page the app sends them to, approve it, read the code.

export const OOB = "urn:ietf:wg:oauth:2.0:oob";

export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

export async function signedIn(origin: string, handle: string): Promise<WebClient> {
  const web = new WebClient(origin);
  const res = await web.post("/signin", { handle, password: `${handle}-password` }, { csrfFrom: "/signin" });
  expect(res.status).toBe(303);
  return web;
}

/** Opens the consent page and approves it; the code shown (out of band) or the redirect's URL. */
export async function approve(web: WebClient, query: Record<string, string>): Promise<{ code: string | null; location: string | null; html: string }> {
  const path = `/oauth/authorize?${new URLSearchParams(query)}`;
  const page = await web.get(path);
  expect(page.status, page.html).toBe(200);
  const fields = Object.fromEntries([...page.html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1]!, decodeEntities(m[2]!)]));
  const answer = await web.post("/oauth/authorize", { ...fields, decision: "approve" }, { csrf: fields._csrf ?? null });
  const code =
    /<output class="oauth-code" id="oauth-code">([^<]+)<\/output>/.exec(answer.html)?.[1] ?? (answer.location ? new URL(answer.location).searchParams.get("code") : null);
  return { code, location: answer.location, html: answer.html };
}

function decodeEntities(s: string): string {
  return s
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)))
    .replace(/&(amp|lt|gt|quot|#39);/g, (m) => ({ "&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#39;": "'" })[m]!);
}

/** A token for `handle` with `scope`, through an app registered with `masto`, the consent page and PKCE; with the app's credentials. */
export async function appTokenFor(origin: string, handle: string, scope = "read write follow"): Promise<{ token: string; clientId: string; clientSecret: string }> {
  const { createRestAPIClient } = await import("masto");
  const masto = createRestAPIClient({ url: origin });
  const app = await masto.v1.apps.create({ clientName: "Test app", redirectUris: OOB, scopes: scope });
  const { verifier, challenge } = pkce();
  const { code } = await approve(await signedIn(origin, handle), {
    client_id: app.clientId!,
    redirect_uri: OOB,
    response_type: "code",
    scope,
    code_challenge: challenge,
    code_challenge_method: "S256",
  });
  const res = await fetch(new URL("/oauth/token", origin), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ grant_type: "authorization_code", client_id: app.clientId, client_secret: app.clientSecret, redirect_uri: OOB, code, code_verifier: verifier }),
  });
  expect(res.status).toBe(200);
  return { token: ((await res.json()) as { access_token: string }).access_token, clientId: app.clientId!, clientSecret: app.clientSecret! };
}

/** A token for `handle` with `scope` (see {@link appTokenFor}). */
export async function tokenFor(origin: string, handle: string, scope = "read write follow"): Promise<string> {
  return (await appTokenFor(origin, handle, scope)).token;
}

/** The URLs of a `Link` header by `rel`. */
export function links(header: string | null): Record<string, string> {
  return Object.fromEntries([...(header ?? "").matchAll(/<([^>]+)>;\s*rel="([^"]+)"/g)].map((m) => [m[2]!, m[1]!]));
}
