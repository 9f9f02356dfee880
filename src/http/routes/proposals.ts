import { Type, type TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance } from "fastify";
import type { AppContext } from "../../context.ts";
import { decisionRegister, findProposal, listProposals, readBylaws, readHistory, readProposal } from "../../decisions/index.ts";
import { optionalViewer, type TokenIssuer } from "../auth.ts";
import { reply, sendFailure } from "../errors.ts";
import { byHandle, readErrors } from "../schemas/common.ts";
import { byId, HistoryOut, ProposalOut, RegisterOut, SummaryOut } from "../schemas/proposals.ts";

const same = <T>(v: T) => v;

/**
 * What anyone may read of a body's decisions (a private record only its members): its
 * proposals, each proposal's state and history, the decision register, the bylaws.
 * The commands that change them are in decision-commands.ts.
 */
export function proposalReadRoutes(app: AppContext, tokens: TokenIssuer) {
  const viewer = optionalViewer(tokens, app.config.publicOrigin);
  return async (f: FastifyInstance) => {
    const r = f.withTypeProvider<TypeBoxTypeProvider>();
    const tags = ["decisions"];

    r.get(
      "/bodies/:handle/proposals",
      {
        schema: {
          tags,
          summary: "A body's proposals, newest first",
          params: byHandle,
          querystring: Type.Object({ status: Type.Optional(Type.String({ maxLength: 40 })), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })) }),
          response: { 200: Type.Array(SummaryOut), ...readErrors },
        },
      },
      async (req, res) => reply(res, await listProposals(app, await viewer(req), req.params.handle, req.query), same),
    );

    r.get(
      "/bodies/:handle/decisions",
      {
        schema: {
          tags,
          summary: "The decision register: every decided proposal with its text, rule, counts, dates and outcome, newest first",
          params: byHandle,
          response: { 200: RegisterOut, ...readErrors },
        },
      },
      async (req, res) => reply(res, await decisionRegister(app, await viewer(req), req.params.handle), same),
    );

    r.get(
      "/bodies/:handle/bylaws",
      {
        schema: {
          tags,
          summary: "The bylaws in force, every version, and the members on the record (null before the body's record starts)",
          params: byHandle,
          response: { 200: Type.Unknown(), ...readErrors },
        },
      },
      async (req, res) => reply(res, await readBylaws(app, await viewer(req), req.params.handle), same),
    );

    r.get(
      "/proposals/:id",
      {
        schema: {
          tags,
          summary: "A proposal's state: stage, deadlines, counts per round, objections, amendments, decision",
          params: byId,
          response: { 200: ProposalOut, ...readErrors },
        },
      },
      async (req, res) => {
        const who = await viewer(req);
        const ref = await findProposal(app, req.params.id);
        if (ref === null) return sendFailure(res, { code: "not-found", message: `no proposal ${req.params.id}` });
        return reply(res, await readProposal(app, who, ref.bodyHandle, req.params.id), same);
      },
    );

    r.get(
      "/proposals/:id/history",
      { schema: { tags, summary: "A proposal's full history: every event of its record, in order", params: byId, response: { 200: HistoryOut, ...readErrors } } },
      async (req, res) => {
        const who = await viewer(req);
        const ref = await findProposal(app, req.params.id);
        if (ref === null) return sendFailure(res, { code: "not-found", message: `no proposal ${req.params.id}` });
        return reply(res, await readHistory(app, who, ref.bodyHandle, req.params.id), same);
      },
    );
  };
}
