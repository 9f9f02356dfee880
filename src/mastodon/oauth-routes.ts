import type { FastifyInstance, FastifyRequest } from "fastify";
import type { AppContext } from "../context.ts";
import { authenticate, holderOf, params, sendError } from "./http.ts";
import { authenticateClient, clientToken, exchangeCode, type OAuthApp, registerApp, revokeToken } from "./oauth.ts";

// Registering apps, and the token and revocation endpoints of OAuth 2 (the consent page,
// /oauth/authorize, is one of the web pages: authorize-pages.ts).

const limited = { config: { rateLimit: { max: 30, timeWindow: "1 minute" } } };

/** The app entity Mastodon 4.3 answers with. */
function appEntity(a: OAuthApp) {
  return { id: a.id, name: a.name, website: a.website, scopes: a.scopes, redirect_uri: a.redirectUris.join("\n"), redirect_uris: a.redirectUris, vapid_key: "" };
}

/** The client's id and secret: HTTP Basic (client_secret_basic) or in the body (client_secret_post). */
function clientCredentials(req: FastifyRequest, p: Record<string, unknown>): { id: unknown; secret: unknown } {
  const m = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? "");
  if (m?.[1]) {
    const [id = "", ...rest] = Buffer.from(m[1], "base64").toString("utf8").split(":");
    return { id: decodeURIComponent(id), secret: decodeURIComponent(rest.join(":")) };
  }
  return { id: p.client_id, secret: p.client_secret };
}

const INVALID_CLIENT = "Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.";

export function oauthRoutes(app: AppContext) {
  return async (f: FastifyInstance) => {
    f.post("/api/v1/apps", limited, async (req, reply) => {
      const p = params(req);
      const made = await registerApp(app, { name: p.client_name, redirectUris: p.redirect_uris, scopes: p.scopes, website: p.website });
      if (!made.ok) return sendError(reply, 422, `Validation failed: ${made.error.message}`);
      return { ...appEntity(made.value.app), client_id: made.value.app.clientId, client_secret: made.value.clientSecret, client_secret_expires_at: 0 };
    });

    f.get("/api/v1/apps/verify_credentials", { preHandler: authenticate(app) }, async (req) => appEntity(holderOf(req)!.app));

    f.post("/oauth/token", limited, async (req, reply) => {
      const p = params(req);
      const grant = p.grant_type;
      if (grant !== "authorization_code" && grant !== "client_credentials") {
        return sendError(reply, 400, "unsupported_grant_type", "The authorization grant type is not supported by the authorization server.");
      }
      const creds = clientCredentials(req, p);
      const client = await authenticateClient(app, creds.id, creds.secret);
      if (!client) return sendError(reply, 401, "invalid_client", INVALID_CLIENT);
      const issued = grant === "authorization_code" ? await exchangeCode(app, client, p) : await clientToken(app, client, p);
      if (!issued.ok) return sendError(reply, issued.error.status, issued.error.error, issued.error.description);
      reply.header("cache-control", "no-store");
      return {
        access_token: issued.value.accessToken,
        token_type: "Bearer",
        scope: issued.value.scopes.join(" "),
        created_at: Math.floor(issued.value.createdAt.getTime() / 1000),
      };
    });

    f.post("/oauth/revoke", limited, async (req, reply) => {
      const p = params(req);
      const creds = clientCredentials(req, p);
      const client = await authenticateClient(app, creds.id, creds.secret);
      if (!client) return sendError(reply, 401, "invalid_client", INVALID_CLIENT);
      await revokeToken(app, client, p.token);
      return {};
    });
  };
}
