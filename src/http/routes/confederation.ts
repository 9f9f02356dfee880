import { Type, type TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance } from "fastify";
import { findBody } from "../../community/actors.ts";
import type { AppContext } from "../../context.ts";
import { listReferrals } from "../../decisions/confederation/members.ts";
import { tableConfederalProposal } from "../../federation/outbox/tabling.ts";
import { requireAccount, type TokenIssuer } from "../auth.ts";
import { reply } from "../errors.ts";
import { bearer, byHandle, ErrorBody, errors } from "../schemas/common.ts";

/** Confederations: a delegate tabling a confederal proposal, and a confederation's referrals. */
export function confederationRoutes(app: AppContext, tokens: TokenIssuer) {
  const auth = requireAccount(app, tokens);

  return async (f: FastifyInstance) => {
    const r = f.withTypeProvider<TypeBoxTypeProvider>();
    const tags = ["confederation"];

    r.post(
      "/confederal-proposals",
      {
        preHandler: auth,
        schema: {
          tags,
          summary: "As a confederal delegate, table a proposal in a confederation under your mandate (it refers it to every member body)",
          security: bearer,
          body: Type.Object(
            {
              confederation: Type.String({ minLength: 1, maxLength: 2000, description: "the confederation's handle or actor URL" }),
              title: Type.String({ minLength: 1, maxLength: 200 }),
              text: Type.String({ maxLength: 20_000 }),
              topic: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
              mandate: Type.Optional(Type.String({ minLength: 1, maxLength: 4000, description: "your mandate's URL (or id)" })),
              decides: Type.Optional(
                Type.Object(
                  {
                    kind: Type.Union([Type.Literal("join"), Type.Literal("leave"), Type.Literal("policy"), Type.Literal("confederal"), Type.Literal("bylaws")]),
                    payload: Type.Optional(
                      Type.Unknown({ description: "join/leave: { confederation } (a handle or URL); bylaws: { bylaws } (the confederation's complete new bylaws)" }),
                    ),
                  },
                  { additionalProperties: false, description: "the confederation's own decision put to its member bodies" },
                ),
              ),
            },
            { additionalProperties: false },
          ),
          response: { 202: Type.Object({ activity: Type.String(), confederation: Type.String(), mandate: Type.Union([Type.String(), Type.Null()]) }), ...errors, 502: ErrorBody },
        },
      },
      async (req, res) => reply(res, await tableConfederalProposal(app, req.actorId!, req.body), (v) => v, 202),
    );

    r.get(
      "/bodies/:handle/referrals",
      {
        schema: {
          tags,
          summary: "A confederation's referrals (confederal proposals), newest first; each URL serves the signed Referral",
          params: byHandle,
          response: {
            200: Type.Array(
              Type.Object({
                uri: Type.String(),
                title: Type.String(),
                openedAt: Type.String({ format: "date-time" }),
                deadline: Type.String({ format: "date-time" }),
                closedAt: Type.Union([Type.String({ format: "date-time" }), Type.Null()]),
                outcome: Type.Union([Type.String(), Type.Null()]),
              }),
            ),
            ...errors,
          },
        },
      },
      async (req, res) => {
        const body = await findBody(app, req.params.handle);
        if (!body.ok) return reply(res, body, () => null);
        const list = await listReferrals(app, body.value.id);
        return list.map((r) => ({ ...r, openedAt: r.openedAt.toISOString(), deadline: r.deadline.toISOString(), closedAt: r.closedAt?.toISOString() ?? null }));
      },
    );
  };
}
