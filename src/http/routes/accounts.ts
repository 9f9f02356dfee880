import { Type, type TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance, FastifyReply } from "fastify";
import { changePassword, isThrottled, SIGN_IN_LIMIT, signIn, type Throttled } from "../../community/accounts.ts";
import { findActorById } from "../../community/actors.ts";
import { followRemote } from "../../community/follows.ts";
import { endSession, listSessions } from "../../community/sessions.ts";
import type { AppContext } from "../../context.ts";
import { deleteAccount } from "../../decisions/index.ts";
import { actorUri } from "../../shared/uris.ts";
import { currentSessionId, requireAccount, type TokenIssuer } from "../auth.ts";
import { reply } from "../errors.ts";
import { PasswordChangeIn, SessionId, SessionOut, SignInIn, SignInOut } from "../schemas/accounts.ts";
import { bearer, ErrorBody, errors } from "../schemas/common.ts";

/** A local account: signing in and out, its sessions and password, who is signed in, following remote actors. */
export function accountRoutes(app: AppContext, tokens: TokenIssuer) {
  const origin = app.config.publicOrigin;
  const auth = requireAccount(app, tokens);

  return async (f: FastifyInstance) => {
    const r = f.withTypeProvider<TypeBoxTypeProvider>();
    const tags = ["accounts"];

    r.post(
      "/sessions",
      {
        config: { rateLimit: { max: 20, timeWindow: "1 minute" } },
        schema: {
          tags,
          summary: "Sign in to a local account and get a bearer token",
          description: `After ${SIGN_IN_LIMIT.attempts} failed sign-ins for one account within ${SIGN_IN_LIMIT.windowMs / 60_000} minutes, from any address, its sign-ins answer 429 (with Retry-After) until then.`,
          body: SignInIn,
          response: { 201: SignInOut, 400: ErrorBody, 401: ErrorBody, 429: ErrorBody },
        },
      },
      async (req, res) => {
        const result = await signIn(app, req.body.handle, req.body.password);
        if (isThrottled(result)) return tooManyAttempts(res, result);
        if (!result.ok) return reply(res, result, () => null);
        const { token, sessionId, expiresAt } = await tokens.issue(result.value.id, req.headers["user-agent"] ?? "");
        return res.code(201).send({ token, session: sessionId, expiresAt: expiresAt.toISOString(), actor: actorUri(origin, result.value.id).href });
      },
    );

    r.get(
      "/sessions",
      {
        preHandler: auth,
        schema: { tags, summary: "The signed-in account's live sessions, newest first", security: bearer, response: { 200: Type.Array(SessionOut), 401: ErrorBody } },
      },
      async (req) => {
        const current = currentSessionId(req);
        return (await listSessions(app, req.actorId!)).map((s) => ({
          id: s.id,
          label: s.label,
          createdAt: s.createdAt.toISOString(),
          lastUsedAt: s.lastUsedAt.toISOString(),
          expiresAt: s.expiresAt.toISOString(),
          current: s.id === current,
        }));
      },
    );

    r.delete(
      "/sessions/current",
      { preHandler: auth, schema: { tags, summary: "Sign out: end the session of this token", security: bearer, response: { 204: Type.Null(), 401: ErrorBody } } },
      async (req, res) => {
        await endSession(app, req.actorId!, currentSessionId(req));
        return res.code(204).send(null);
      },
    );

    r.delete(
      "/sessions/:id",
      {
        preHandler: auth,
        schema: {
          tags,
          summary: "End one of the signed-in account's sessions",
          security: bearer,
          params: SessionId,
          response: { 204: Type.Null(), 400: ErrorBody, 401: ErrorBody, 404: ErrorBody },
        },
      },
      async (req, res) => reply(res, await endSession(app, req.actorId!, req.params.id), () => undefined, 204),
    );

    r.post(
      "/account/password",
      {
        config: { rateLimit: { max: 20, timeWindow: "1 minute" } },
        preHandler: auth,
        schema: {
          tags,
          summary: "Change the password: ends every other session of the account",
          description: "A wrong current password answers 403 and counts as a failed sign-in for the account.",
          security: bearer,
          body: PasswordChangeIn,
          response: { 204: Type.Null(), 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 429: ErrorBody },
        },
      },
      async (req, res) => {
        const result = await changePassword(app, req.actorId!, currentSessionId(req), req.body.currentPassword, req.body.newPassword);
        if (isThrottled(result)) return tooManyAttempts(res, result);
        return reply(res, result, () => undefined, 204);
      },
    );

    r.post(
      "/account/delete",
      {
        config: { rateLimit: { max: 20, timeWindow: "1 minute" } },
        preHandler: auth,
        schema: {
          tags,
          summary: "Delete the signed-in account: leaves every body, erases the profile, password and sessions",
          description:
            "Votes, proposals and replies stay on the bodies' records, as every member's do; the handle stays taken. A wrong password answers 403 and counts as a failed sign-in.",
          security: bearer,
          body: Type.Object({ password: Type.String({ minLength: 1, maxLength: 1024 }) }, { additionalProperties: false }),
          response: { 200: Type.Object({ left: Type.Array(Type.String()) }), 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 429: ErrorBody },
        },
      },
      async (req, res) => {
        const result = await deleteAccount(app, req.actorId!, req.body.password);
        if (isThrottled(result)) return tooManyAttempts(res, result);
        return reply(res, result, (v) => v);
      },
    );

    r.get(
      "/me",
      {
        preHandler: auth,
        schema: {
          tags,
          summary: "The signed-in account",
          security: bearer,
          response: { 200: Type.Object({ id: Type.String(), handle: Type.String(), name: Type.String() }), 401: ErrorBody },
        },
      },
      async (req) => {
        const a = await findActorById(app, req.actorId!);
        if (!a) throw new Error("the signed-in account is gone");
        return { id: actorUri(origin, a.id).href, handle: a.handle, name: a.name };
      },
    );

    r.post(
      "/follows",
      {
        preHandler: auth,
        schema: {
          tags,
          summary: "Follow a remote actor by handle (@name@host) or URL",
          security: bearer,
          body: Type.Object({ target: Type.String({ minLength: 3, maxLength: 2048 }) }, { additionalProperties: false }),
          response: { 202: Type.Object({ target: Type.String(), state: Type.String() }), ...errors, 502: ErrorBody },
        },
      },
      async (req, res) => reply(res, await followRemote(app, req.actorId!, req.body.target), (v) => v, 202),
    );
  };
}

/** 429 for an account with too many failed sign-ins, whatever the address. */
function tooManyAttempts(res: FastifyReply, t: Throttled) {
  return res.code(429).header("retry-after", String(t.retryAfterSeconds)).send({ error: "Too Many Requests", message: t.error.message });
}
