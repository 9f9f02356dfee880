import cookie from "@fastify/cookie";
import csrf from "@fastify/csrf-protection";
import formbody from "@fastify/formbody";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { type ActorRow, findActorById } from "../../community/actors.ts";
import type { AppContext } from "../../context.ts";
import type { TokenIssuer } from "../auth.ts";

// The browser's session: the same revocable session token the API uses, kept in an
// HttpOnly cookie. Only the pages read it (the API takes bearer tokens only), and every
// form that changes something carries a CSRF token checked against a second cookie.

export const SESSION_COOKIE = "folkmoot_session";
const SESSION_DAYS = 30;

// The session a page request came with, for signing out and the sessions list.
const sessions = new WeakMap<FastifyRequest, string>();

// The signed-in person's actor row, read once per request by the session hook.
const people = new WeakMap<FastifyRequest, ActorRow>();

/** The signed-in person of this page request, as the session hook found them. */
export function signedInPerson(req: FastifyRequest): ActorRow | undefined {
  return people.get(req);
}

/** The id of the browser session behind this page request, if signed in. */
export function pageSessionId(req: FastifyRequest): string | null {
  return sessions.get(req) ?? null;
}

function cookieOptions(app: AppContext) {
  return { path: "/", httpOnly: true, sameSite: "lax" as const, secure: app.config.publicOrigin.protocol === "https:" };
}

/** Signs the browser in: opens a session and sets its cookie. */
export async function startBrowserSession(app: AppContext, tokens: TokenIssuer, req: FastifyRequest, reply: FastifyReply, actorId: string) {
  const label = `browser: ${String(req.headers["user-agent"] ?? "").slice(0, 200)}`;
  const { token } = await tokens.issue(actorId, label);
  reply.setCookie(SESSION_COOKIE, token, { ...cookieOptions(app), maxAge: SESSION_DAYS * 24 * 3600 });
}

export function clearBrowserSession(app: AppContext, reply: FastifyReply) {
  reply.clearCookie(SESSION_COOKIE, cookieOptions(app));
}

/** Cookies, form bodies, CSRF and the session, for the pages' scope only. */
export async function registerWebSession(f: FastifyInstance, app: AppContext, tokens: TokenIssuer) {
  await f.register(cookie);
  await f.register(formbody, { bodyLimit: 256 * 1024 });
  await f.register(csrf, {
    sessionPlugin: "@fastify/cookie",
    cookieKey: "folkmoot_csrf",
    cookieOpts: { ...cookieOptions(app), signed: false },
    getToken: (req) => {
      const body = req.body as Record<string, unknown> | undefined;
      return typeof body?._csrf === "string" ? body._csrf : undefined;
    },
  });
  f.addHook("onRequest", async (req) => {
    const token = req.cookies[SESSION_COOKIE];
    if (!token) return;
    const session = await tokens.session(token);
    if (!session) return;
    const actor = await findActorById(app, session.actorId);
    if (actor?.kind !== "person") return;
    req.actorId = actor.id;
    sessions.set(req, session.sessionId);
    people.set(req, actor);
  });
}
