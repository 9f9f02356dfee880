import { Type, type Static, type TSchema } from "@fastify/type-provider-typebox";
import type { FastifyInstance } from "fastify";
import type { Result } from "../../shared/result.ts";
import type { AppContext } from "../../context.ts";
import {
  completeImplementation,
  draftProposal,
  electAdvocate,
  findProposal,
  implementationDelegatesAreElected,
  MAX_PROPOSAL_TEXT_LENGTH,
  MAX_REASON_LENGTH,
  MAX_TITLE_LENGTH,
  openVoting,
  proposeAmendment,
  recordGrievanceAgreement,
  recordObjection,
  secondProposal,
  tableProposal,
  vote,
  voteOnAmendment,
  withdrawProposal,
} from "../../decisions/index.ts";
import { requireAccount, signedInUri, type TokenIssuer } from "../auth.ts";
import { reply, sendFailure } from "../errors.ts";
import { bearer, byHandle, errors } from "../schemas/common.ts";
import { AmendmentId, byId, Choice, Duration, ProposalId, ProposalOut, Reason, Ref, Rule, VoteOut } from "../schemas/proposals.ts";

/**
 * One row per command a signed-in member gives a body's decision process. Every row is
 * served the same way: authenticate, validate `body`, find the body whose record the
 * command acts on, call the decisions service, answer `status` or the failure's status.
 */
interface DecisionCommand<P extends TSchema = TSchema, B extends TSchema = TSchema> {
  /** Under the API prefix. */
  path: string;
  /** The OpenAPI summary. */
  summary: string;
  params: P;
  /** The request body's schema; none for commands without input. */
  body?: B;
  status: 200 | 201;
  response: TSchema;
  /**
   * Whose record: the body named by `:handle`, or the body that owns proposal `:id`
   * (404 when no body does).
   */
  on: "body" | "proposal";
  /** Kept only to say what replaced it (OpenAPI `deprecated`). */
  deprecated?: boolean;
  run(app: AppContext, actor: string, bodyHandle: string, params: Static<P>, body: Static<B>): Promise<Result<unknown>>;
}

/** Keeps each row's `run` typed by its own schemas, then lets the rows share one list. */
const command = <P extends TSchema, B extends TSchema = TSchema>(row: DecisionCommand<P, B>) => row as unknown as DecisionCommand;

const Category = Type.String({ minLength: 1, maxLength: 100 });

export const DECISION_COMMANDS: readonly DecisionCommand[] = [
  command({
    path: "/bodies/:handle/proposals",
    summary: "Draft a proposal (members only); table it to put it before the body",
    on: "body",
    params: byHandle,
    body: Type.Object(
      {
        kind: Type.Union([
          Type.Literal("policy"),
          Type.Literal("bylaws"),
          Type.Literal("membership"),
          Type.Literal("delegation"),
          Type.Literal("recall"),
          Type.Literal("join"),
          Type.Literal("leave"),
          Type.Literal("adopt"),
          Type.Literal("confederal"),
        ]),
        title: Type.String({ minLength: 1, maxLength: MAX_TITLE_LENGTH }),
        text: Type.String({ maxLength: MAX_PROPOSAL_TEXT_LENGTH }),
        payload: Type.Optional(
          Type.Unknown({
            description:
              "policy: { implementation?: boolean }; bylaws: { bylaws } (complete new bylaws); membership: { member } (handle or URI); adopt: { source } (the URL of another body's decision that passed)",
          }),
        ),
        rule: Type.Optional(Rule),
        deliberationPeriod: Type.Optional(Duration),
        votingPeriod: Type.Optional(Duration),
      },
      { additionalProperties: false },
    ),
    status: 201,
    response: ProposalOut,
    run: (app, actor, handle, _params, body) => draftProposal(app, actor, handle, body),
  }),
  command({
    path: "/proposals/:id/table",
    summary: "Table a draft (its author): the terms are frozen and deliberation starts",
    on: "proposal",
    params: byId,
    status: 200,
    response: ProposalOut,
    run: (app, actor, handle, { id }) => tableProposal(app, actor, handle, id),
  }),
  command({
    path: "/proposals/:id/open-voting",
    summary: "Open voting once deliberation is over (any member; the deadline opens it too)",
    on: "proposal",
    params: byId,
    status: 200,
    response: ProposalOut,
    run: (app, actor, handle, { id }) => openVoting(app, actor, handle, id),
  }),
  command({
    path: "/proposals/:id/seconds",
    summary: "Second a draft (when the bylaws ask for seconds)",
    on: "proposal",
    params: byId,
    status: 200,
    response: ProposalOut,
    run: (app, actor, handle, { id }) => secondProposal(app, actor, handle, id),
  }),
  command({
    path: "/proposals/:id/withdraw",
    summary: "Withdraw a proposal not yet decided (its author)",
    on: "proposal",
    params: byId,
    body: Type.Optional(Type.Object({ reason: Type.Optional(Reason) }, { additionalProperties: false })),
    status: 200,
    response: ProposalOut,
    run: (app, actor, handle, { id }, body) => withdrawProposal(app, actor, handle, id, body ?? {}),
  }),
  command({
    path: "/proposals/:id/votes",
    summary: "Vote, or change one's vote, in the round open now (or `round`), with an optional reason",
    on: "proposal",
    params: byId,
    body: Type.Object({ choice: Choice, reason: Type.Optional(Reason), round: Type.Optional(Type.String({ minLength: 1, maxLength: 80 })) }, { additionalProperties: false }),
    status: 201,
    response: VoteOut,
    run: (app, actor, handle, { id }, body) => vote(app, actor, handle, id, body),
  }),
  command({
    path: "/proposals/:id/objections",
    summary: "Graduated consensus: qualify one's objection (deal-breaker or not, a category, a text)",
    on: "proposal",
    params: byId,
    body: Type.Object({ category: Category, dealBreaker: Type.Boolean(), text: Type.Optional(Type.String({ maxLength: MAX_REASON_LENGTH })) }, { additionalProperties: false }),
    status: 201,
    response: ProposalOut,
    run: (app, actor, handle, { id }, body) => recordObjection(app, actor, handle, id, body),
  }),
  command({
    path: "/proposals/:id/advocates",
    summary: "Graduated consensus: an objector votes for the advocate of their category",
    on: "proposal",
    params: byId,
    body: Type.Object({ category: Category, candidate: Ref }, { additionalProperties: false }),
    status: 201,
    response: ProposalOut,
    run: (app, actor, handle, { id }, body) => electAdvocate(app, actor, handle, id, body),
  }),
  command({
    path: "/proposals/:id/grievances",
    summary: "Graduated consensus: say whether one shares a grievance",
    on: "proposal",
    params: byId,
    body: Type.Object({ category: Category, shares: Type.Boolean() }, { additionalProperties: false }),
    status: 201,
    response: ProposalOut,
    run: (app, actor, handle, { id }, body) => recordGrievanceAgreement(app, actor, handle, id, body),
  }),
  command({
    path: "/proposals/:id/amendments",
    summary: "Graduated consensus: an objector offers a friendly amendment",
    on: "proposal",
    params: byId,
    body: Type.Object(
      {
        text: Type.String({ minLength: 1, maxLength: MAX_PROPOSAL_TEXT_LENGTH }),
        category: Type.Optional(Category),
        payload: Type.Optional(Type.Unknown({ description: "for structured kinds (bylaws): the payload the proposal takes if accepted" })),
      },
      { additionalProperties: false },
    ),
    status: 201,
    response: Type.Object({ amendment: Type.String(), proposal: ProposalOut }),
    run: (app, actor, handle, { id }, body) => proposeAmendment(app, actor, handle, id, body),
  }),
  command({
    path: "/proposals/:id/amendments/:aid/votes",
    summary: "Graduated consensus: vote on a friendly amendment",
    on: "proposal",
    params: Type.Object({ id: ProposalId, aid: AmendmentId }),
    body: Type.Object({ choice: Choice, reason: Type.Optional(Reason) }, { additionalProperties: false }),
    status: 201,
    response: VoteOut,
    run: (app, actor, handle, { id, aid }, body) => voteOnAmendment(app, actor, handle, id, aid, body),
  }),
  command({
    path: "/proposals/:id/implementation-delegates",
    summary:
      "Gone: no member records implementation delegates. The body elects them with a delegation proposal (role implementation-delegate, payload.implements naming the decision); always 403 with that advice",
    on: "proposal",
    params: byId,
    body: Type.Optional(Type.Unknown()),
    status: 201,
    response: ProposalOut,
    deprecated: true,
    run: async (_app, _actor, _handle, { id }) => ({ ok: false, error: implementationDelegatesAreElected(id) }),
  }),
  command({
    path: "/proposals/:id/implementation-complete",
    summary: "An implementation delegate reports the work done",
    on: "proposal",
    params: byId,
    body: Type.Optional(Type.Object({ report: Type.Optional(Type.String({ maxLength: MAX_PROPOSAL_TEXT_LENGTH })) }, { additionalProperties: false })),
    status: 200,
    response: ProposalOut,
    run: (app, actor, handle, { id }, body) => completeImplementation(app, actor, handle, id, body ?? {}),
  }),
];

/** Serves every row of DECISION_COMMANDS (same prefix as the rest of the native API). */
export function decisionCommandRoutes(app: AppContext, tokens: TokenIssuer) {
  const origin = app.config.publicOrigin;
  const auth = requireAccount(app, tokens);
  return async (f: FastifyInstance) => {
    for (const row of DECISION_COMMANDS) {
      const schema = {
        tags: ["decisions"],
        summary: row.summary,
        ...(row.deprecated ? { deprecated: true } : {}),
        security: bearer,
        params: row.params,
        ...(row.body ? { body: row.body } : {}),
        // A route kept only to say what replaced it answers nothing but its refusal.
        response: row.deprecated ? errors : { [row.status]: row.response, ...errors },
      };
      f.post(row.path, { preHandler: auth, schema }, async (req, res) => {
        const params = req.params as { handle?: string; id?: string };
        const actor = signedInUri(origin, req);
        let bodyHandle: string;
        if (row.on === "body") {
          bodyHandle = params.handle!;
        } else {
          const ref = await findProposal(app, params.id!);
          if (ref === null) return sendFailure(res, { code: "not-found", message: `no proposal ${params.id}` });
          bodyHandle = ref.bodyHandle;
        }
        return reply(res, await row.run(app, actor, bodyHandle, params, req.body), (v) => v, row.status);
      });
    }
  };
}
