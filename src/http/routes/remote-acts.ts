import { Type, type TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance } from "fastify";
import type { AppContext } from "../../context.ts";
import { parseAct, sendAct } from "../../federation/acts.ts";
import { requireAccount, type TokenIssuer } from "../auth.ts";
import { reply } from "../errors.ts";
import { bearer, ErrorBody, errors } from "../schemas/common.ts";

/** A local member acting on a proposal of a body on another server. */
export function remoteActRoutes(app: AppContext, tokens: TokenIssuer) {
  const auth = requireAccount(app, tokens);

  return async (f: FastifyInstance) => {
    const r = f.withTypeProvider<TypeBoxTypeProvider>();

    r.post(
      "/remote-acts",
      {
        preHandler: auth,
        schema: {
          tags: ["proposals"],
          summary: "Act on a proposal of a body on another server (object, elect an advocate, share a grievance, amend, vote with a reason)",
          security: bearer,
          body: Type.Object(
            {
              proposal: Type.String({ format: "uri", description: "the proposal's (or one of its rounds') URL" }),
              act: Type.Union([Type.Literal("objection"), Type.Literal("advocate-vote"), Type.Literal("grievance-agreement"), Type.Literal("amendment"), Type.Literal("vote")]),
              category: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
              dealBreaker: Type.Optional(Type.Boolean()),
              candidate: Type.Optional(Type.String({ format: "uri" })),
              shares: Type.Optional(Type.Boolean()),
              text: Type.Optional(Type.String({ maxLength: 20_000 })),
              choice: Type.Optional(Type.Union([Type.Literal("agree"), Type.Literal("disagree"), Type.Literal("abstain"), Type.Literal("block")])),
              round: Type.Optional(Type.String({ maxLength: 200 })),
            },
            { additionalProperties: false },
          ),
          response: { 202: Type.Object({ activity: Type.String() }), ...errors, 502: ErrorBody },
        },
      },
      async (req, res) => {
        const act = parseAct(req.body);
        if (!act.ok) return reply(res, act, () => null);
        return reply(res, await sendAct(app, req.actorId!, req.body.proposal, act.value), (v) => v, 202);
      },
    );
  };
}
