import { Type, type TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance } from "fastify";
import { authenticate, findActorById } from "../../community/actors.ts";
import { followRemote } from "../../community/follows.ts";
import type { AppContext } from "../../context.ts";
import { actorUri } from "../../shared/uris.ts";
import { requireAccount, type TokenIssuer } from "../auth.ts";
import { reply } from "../errors.ts";
import { bearer, ErrorBody, errors } from "../schemas/common.ts";

/** A local account: signing in, who is signed in, following remote actors. */
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
          body: Type.Object({ handle: Type.String({ minLength: 1, maxLength: 64 }), password: Type.String({ minLength: 1, maxLength: 1024 }) }, { additionalProperties: false }),
          response: { 201: Type.Object({ token: Type.String(), expiresAt: Type.String({ format: "date-time" }), actor: Type.String() }), 400: ErrorBody, 401: ErrorBody },
        },
      },
      async (req, res) => {
        const result = await authenticate(app, req.body.handle, req.body.password);
        if (!result.ok) return reply(res, result, () => null);
        const { token, expiresAt } = await tokens.issue(result.value.id);
        return res.code(201).send({ token, expiresAt: expiresAt.toISOString(), actor: actorUri(origin, result.value.id).href });
      },
    );

    r.get(
      "/me",
      { preHandler: auth, schema: { tags, summary: "The signed-in account", security: bearer, response: { 200: Type.Object({ id: Type.String(), handle: Type.String(), name: Type.String() }), 401: ErrorBody } } },
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
