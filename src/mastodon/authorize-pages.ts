import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { AppContext } from "../context.ts";
import { hideFromOpenApi } from "./http.ts";
import { type AuthorizationRequest, checkAuthorizationRequest, issueCode, OOB_REDIRECT } from "./oauth.ts";

// The consent page of OAuth 2 (`/oauth/authorize`): one of the web app's pages, with its
// sign-in, cookie session and CSRF. The pages' scope registers this plugin and hands it
// its page renderer, so this folder does not import the web app.

/** The web app's `sendPage` (src/http/pages/render.ts). */
export type SendPage = (
  app: AppContext,
  req: FastifyRequest,
  reply: FastifyReply,
  view: string,
  data: { title: string; [key: string]: unknown },
  status?: number,
) => Promise<unknown>;

export interface PageTools {
  sendPage: SendPage;
  /** The pages' Content-Security-Policy with more `form-action` sources (the app's redirect after the consent form). */
  pageCsp(formAction: string[]): string;
}

const FIELDS = ["client_id", "redirect_uri", "response_type", "scope", "state", "code_challenge", "code_challenge_method"] as const;

/** Where the decision is sent: the redirect URI with `code` or `error`, and `state`. */
function redirectWith(req: AuthorizationRequest, values: Record<string, string>): string {
  const url = new URL(req.redirectUri);
  for (const [k, v] of Object.entries(values)) url.searchParams.set(k, v);
  if (req.state !== null) url.searchParams.set("state", req.state);
  return url.href;
}

/** The origin (or scheme, for an app's own `myapp:` scheme) a form may be redirected to. */
function formActionSource(uri: string): string {
  const url = new URL(uri);
  return url.protocol === "http:" || url.protocol === "https:" ? url.origin : url.protocol;
}

export function authorizePages(app: AppContext, tools: PageTools) {
  return async (f: FastifyInstance) => {
    hideFromOpenApi(f);
    const show = (req: FastifyRequest, reply: FastifyReply, data: Record<string, unknown>, status = 200) =>
      tools.sendPage(app, req, reply, "oauth-authorize", { title: "Let an app use your account", error: null, code: null, request: null, ...data }, status);

    const fields = (source: unknown) => {
      const s = (source ?? {}) as Record<string, unknown>;
      return Object.fromEntries(
        FIELDS.map((k) => [k, typeof s[k] === "string" ? (s[k] as string) : Array.isArray(s[k]) ? String((s[k] as unknown[])[0] ?? "") : ""]).filter(([, v]) => v !== ""),
      );
    };

    f.get("/oauth/authorize", async (req, reply) => {
      if (!req.actorId) return reply.redirect(`/signin?next=${encodeURIComponent(req.url)}`, 303);
      const asked = fields(req.query);
      const checked = await checkAuthorizationRequest(app, asked);
      if (!checked.ok) {
        if (checked.redirect === false) return show(req, reply, { error: checked.error.description }, 400);
        // The app and its redirect are known: the app is told, unless the code would be shown here.
        const known = await checkAuthorizationRequest(app, { client_id: asked.client_id, redirect_uri: asked.redirect_uri, response_type: "code" });
        if (!known.ok || known.value.redirectUri === OOB_REDIRECT) return show(req, reply, { error: checked.error.description }, 400);
        const state = asked.state ?? null;
        return reply.redirect(redirectWith({ ...known.value, state }, { error: checked.error.error, error_description: checked.error.description }), 303);
      }
      const request = checked.value;
      if (request.redirectUri !== OOB_REDIRECT) reply.header("content-security-policy", tools.pageCsp([formActionSource(request.redirectUri)]));
      return show(req, reply, { request: { appName: request.app.name, website: request.app.website, scopes: request.scopes, fields: asked } });
    });

    f.post("/oauth/authorize", { preHandler: f.csrfProtection }, async (req, reply) => {
      if (!req.actorId) return reply.redirect("/signin", 303);
      const asked = fields(req.body);
      const checked = await checkAuthorizationRequest(app, asked);
      if (!checked.ok) return show(req, reply, { error: checked.error.description }, 400);
      const request = checked.value;
      const approved = (req.body as Record<string, unknown>).decision === "approve";
      if (!approved) {
        if (request.redirectUri === OOB_REDIRECT) return show(req, reply, { error: "You did not authorise the app." }, 200);
        return reply.redirect(redirectWith(request, { error: "access_denied", error_description: "The resource owner or authorization server denied the request." }), 303);
      }
      const code = await issueCode(app, req.actorId, request);
      if (request.redirectUri === OOB_REDIRECT) return show(req, reply, { code, appName: request.app.name });
      return reply.redirect(redirectWith(request, { code }), 303);
    });
  };
}
