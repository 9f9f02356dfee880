import { Type, type TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Result } from "../shared/result.ts";
import type { AppContext } from "../context.ts";
import {
  completeImplementation,
  decisionRegister,
  draftProposal,
  electAdvocate,
  electImplementationDelegates,
  findProposal,
  listProposals,
  MAX_PROPOSAL_TEXT_LENGTH,
  MAX_REASON_LENGTH,
  MAX_TITLE_LENGTH,
  openVoting,
  proposeAmendment,
  readBylaws,
  readHistory,
  readProposal,
  recordGrievanceAgreement,
  recordObjection,
  secondProposal,
  tableProposal,
  vote,
  voteOnAmendment,
  withdrawProposal,
} from "../decisions/index.ts";
import { actorUri } from "../shared/uris.ts";
import { requireAccount, type TokenIssuer } from "./auth.ts";
import { reply, sendFailure } from "./errors.ts";

const ErrorBody = Type.Object({ error: Type.String(), message: Type.String(), fields: Type.Optional(Type.Record(Type.String(), Type.String())) });
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const readErrors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };
const bearer = [{ bearer: [] as string[] }];
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

const Handle = Type.String({ pattern: "^@?[A-Za-z0-9_]{1,30}$", description: "a local handle: 1 to 30 of a-z, 0-9, _" });
const ProposalId = Type.String({ pattern: "^[a-z0-9]{1,40}$", description: "a proposal's short id" });
const AmendmentId = Type.String({ pattern: "^[a-z0-9]{1,40}$", description: "an amendment's id" });
const Fraction = Type.Object({ num: Type.Integer({ minimum: 0 }), den: Type.Integer({ minimum: 1 }) }, { additionalProperties: false });
const Rule = Type.Union(
  [
    Type.Object({ kind: Type.Literal("consensus") }, { additionalProperties: false }),
    Type.Object({ kind: Type.Literal("simple-majority") }, { additionalProperties: false }),
    Type.Object({ kind: Type.Literal("supermajority"), fraction: Fraction }, { additionalProperties: false }),
    Type.Object({ kind: Type.Literal("graduated-consensus") }, { additionalProperties: false }),
  ],
  { description: "a decision rule; never weaker than the bylaws require" },
);
const Duration = Type.String({ maxLength: 40, description: "an ISO 8601 duration in weeks, days, hours, minutes, seconds (P7D, PT48H)" });
const Choice = Type.Union([Type.Literal("agree"), Type.Literal("disagree"), Type.Literal("abstain"), Type.Literal("block")], {
  description: "abstain is 'stand aside' under consensus; block exists only under consensus",
});
const Reason = Type.String({ maxLength: MAX_REASON_LENGTH });
const Ref = Type.String({ minLength: 1, maxLength: 2048, description: "a local handle, a remote handle (@name@host) or an actor URI" });

const Counts = Type.Object({ agree: Type.Integer(), disagree: Type.Integer(), abstain: Type.Integer(), block: Type.Integer() });
const RoundOut = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  rule: Type.Unknown(),
  amendment: Nullable(Type.String()),
  open: Type.Boolean(),
  openedAt: Type.String(),
  closesAt: Type.String(),
  closedAt: Nullable(Type.String()),
  rollSize: Type.Integer(),
  voters: Type.Integer(),
  counts: Nullable(Counts),
  quorum: Nullable(Type.Object({ required: Type.Integer(), met: Type.Boolean() })),
  outcome: Nullable(Type.String()),
  reason: Nullable(Type.String()),
});
const Outcome = Nullable(Type.Union([Type.Literal("passed"), Type.Literal("rejected"), Type.Literal("tabled"), Type.Literal("withdrawn")]));
const ProposalOut = Type.Object({
  id: Type.String(),
  uri: Type.String(),
  url: Type.String(),
  body: Type.Object({ handle: Type.String(), uri: Type.String() }),
  rule: Type.Unknown(),
  ruleDescription: Nullable(Type.String()),
  nextDeadline: Nullable(Type.String()),
  outcome: Outcome,
  decidedAt: Nullable(Type.String()),
  rounds: Type.Array(RoundOut),
  view: Type.Unknown({ description: "the full public state: stages, terms, roll, ballots (unless secret), objections, amendments, decision" }),
});
const SummaryOut = Type.Object({
  id: Type.String(),
  uri: Type.String(),
  url: Type.String(),
  kind: Type.String(),
  title: Type.String(),
  status: Type.String(),
  rule: Type.Unknown(),
  nextDeadline: Nullable(Type.String()),
  outcome: Outcome,
  decidedAt: Nullable(Type.String()),
  draftedAt: Type.String(),
  updatedAt: Type.String(),
});
const VoteOut = Type.Object({
  proposalId: Type.String(),
  proposalUri: Type.String(),
  round: Type.String(),
  choice: Choice,
  reason: Nullable(Type.String()),
  at: Type.String(),
  changed: Type.Boolean(),
});
const HistoryOut = Type.Array(Type.Object({ position: Type.Integer(), type: Type.String(), at: Type.String(), event: Type.Unknown() }));
const RegisterOut = Type.Array(
  Type.Object({
    number: Type.Integer(),
    id: Type.String(),
    uri: Type.String(),
    url: Type.String(),
    kind: Type.String(),
    title: Type.String(),
    text: Type.String(),
    amendments: Type.Array(Type.String()),
    payload: Type.Unknown(),
    author: Type.String(),
    rule: Type.Unknown(),
    ruleDescription: Nullable(Type.String()),
    quorum: Type.Unknown(),
    ballot: Type.String(),
    outcome: Type.String(),
    status: Type.String(),
    decision: Type.Unknown(),
    draftedAt: Type.String(),
    tabledAt: Nullable(Type.String()),
    votingOpenedAt: Nullable(Type.String()),
    decidedAt: Type.String(),
    effectiveAt: Nullable(Type.String()),
    rounds: Type.Array(RoundOut),
    implementation: Type.Unknown(),
  }),
);

const byId = Type.Object({ id: ProposalId });
const same = <T>(v: T) => v;

/**
 * The decision endpoints of the native API (same prefix as api.ts): drafting, tabling
 * and deciding proposals, their state and history, and a body's decision register.
 */
export function decisionApiRoutes(app: AppContext, tokens: TokenIssuer) {
  const origin = app.config.publicOrigin;
  const auth = requireAccount(app, tokens);
  const me = (req: FastifyRequest) => actorUri(origin, req.actorId!).href;

  /** The signed-in person's URI if a valid token came with the request; reading needs none. */
  const viewer = async (req: FastifyRequest): Promise<string | null> => {
    const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "");
    const id = m?.[1] ? await tokens.verify(m[1]) : null;
    return id === null ? null : actorUri(origin, id).href;
  };

  /** Runs `fn` with the handle of the body that owns proposal `id`, or answers 404. */
  const onProposal = async <T>(res: FastifyReply, id: string, fn: (handle: string) => Promise<Result<T>>, present: (v: T) => unknown, status = 200) => {
    const ref = await findProposal(app, id);
    if (ref === null) return sendFailure(res, { code: "not-found", message: `no proposal ${id}` });
    return reply(res, await fn(ref.bodyHandle), present, status);
  };

  return async (f: FastifyInstance) => {
    const r = f.withTypeProvider<TypeBoxTypeProvider>();
    const tags = ["decisions"];

    r.get(
      "/bodies/:handle/proposals",
      {
        schema: {
          tags,
          summary: "A body's proposals, newest first",
          params: Type.Object({ handle: Handle }),
          querystring: Type.Object({ status: Type.Optional(Type.String({ maxLength: 40 })), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })) }),
          response: { 200: Type.Array(SummaryOut), ...readErrors },
        },
      },
      async (req, res) => reply(res, await listProposals(app, await viewer(req), req.params.handle, req.query), same),
    );

    r.post(
      "/bodies/:handle/proposals",
      {
        preHandler: auth,
        schema: {
          tags,
          summary: "Draft a proposal (members only); table it to put it before the body",
          security: bearer,
          params: Type.Object({ handle: Handle }),
          body: Type.Object(
            {
              kind: Type.Union([Type.Literal("policy"), Type.Literal("bylaws"), Type.Literal("membership"), Type.Literal("delegation"), Type.Literal("recall"), Type.Literal("join"), Type.Literal("leave"), Type.Literal("adopt"), Type.Literal("confederal")]),
              title: Type.String({ minLength: 1, maxLength: MAX_TITLE_LENGTH }),
              text: Type.String({ maxLength: MAX_PROPOSAL_TEXT_LENGTH }),
              payload: Type.Optional(
                Type.Unknown({ description: "policy: { implementation?: boolean }; bylaws: { bylaws } (complete new bylaws); membership: { member } (handle or URI); adopt: { source } (the URL of another body's decision that passed)" }),
              ),
              rule: Type.Optional(Rule),
              deliberationPeriod: Type.Optional(Duration),
              votingPeriod: Type.Optional(Duration),
            },
            { additionalProperties: false },
          ),
          response: { 201: ProposalOut, ...errors },
        },
      },
      async (req, res) => reply(res, await draftProposal(app, me(req), req.params.handle, req.body), same, 201),
    );

    r.get(
      "/bodies/:handle/decisions",
      {
        schema: {
          tags,
          summary: "The decision register: every decided proposal with its text, rule, counts, dates and outcome, newest first",
          params: Type.Object({ handle: Handle }),
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
          params: Type.Object({ handle: Handle }),
          response: { 200: Type.Unknown(), ...readErrors },
        },
      },
      async (req, res) => reply(res, await readBylaws(app, await viewer(req), req.params.handle), same),
    );

    r.get(
      "/proposals/:id",
      { schema: { tags, summary: "A proposal's state: stage, deadlines, counts per round, objections, amendments, decision", params: byId, response: { 200: ProposalOut, ...readErrors } } },
      async (req, res) => {
        const who = await viewer(req);
        return onProposal(res, req.params.id, (handle) => readProposal(app, who, handle, req.params.id), same);
      },
    );

    r.get(
      "/proposals/:id/history",
      { schema: { tags, summary: "A proposal's full history: every event of its record, in order", params: byId, response: { 200: HistoryOut, ...readErrors } } },
      async (req, res) => {
        const who = await viewer(req);
        return onProposal(res, req.params.id, (handle) => readHistory(app, who, handle, req.params.id), same);
      },
    );

    const simple = (path: string, summary: string, run: typeof tableProposal) =>
      r.post(path, { preHandler: auth, schema: { tags, summary, security: bearer, params: byId, response: { 200: ProposalOut, ...errors } } }, async (req, res) =>
        onProposal(res, (req.params as { id: string }).id, (handle) => run(app, me(req), handle, (req.params as { id: string }).id), same),
      );
    simple("/proposals/:id/table", "Table a draft (its author): the terms are frozen and deliberation starts", tableProposal);
    simple("/proposals/:id/open-voting", "Open voting once deliberation is over (any member; the deadline opens it too)", openVoting);
    simple("/proposals/:id/seconds", "Second a draft (when the bylaws ask for seconds)", secondProposal);

    r.post(
      "/proposals/:id/withdraw",
      {
        preHandler: auth,
        schema: {
          tags,
          summary: "Withdraw a proposal not yet decided (its author)",
          security: bearer,
          params: byId,
          body: Type.Optional(Type.Object({ reason: Type.Optional(Reason) }, { additionalProperties: false })),
          response: { 200: ProposalOut, ...errors },
        },
      },
      async (req, res) => onProposal(res, req.params.id, (handle) => withdrawProposal(app, me(req), handle, req.params.id, req.body ?? {}), same),
    );

    r.post(
      "/proposals/:id/votes",
      {
        preHandler: auth,
        schema: {
          tags,
          summary: "Vote, or change one's vote, in the round open now (or `round`), with an optional reason",
          security: bearer,
          params: byId,
          body: Type.Object({ choice: Choice, reason: Type.Optional(Reason), round: Type.Optional(Type.String({ minLength: 1, maxLength: 80 })) }, { additionalProperties: false }),
          response: { 201: VoteOut, ...errors },
        },
      },
      async (req, res) => onProposal(res, req.params.id, (handle) => vote(app, me(req), handle, req.params.id, req.body), same, 201),
    );

    r.post(
      "/proposals/:id/objections",
      {
        preHandler: auth,
        schema: {
          tags,
          summary: "Graduated consensus: qualify one's objection (deal-breaker or not, a category, a text)",
          security: bearer,
          params: byId,
          body: Type.Object(
            { category: Type.String({ minLength: 1, maxLength: 100 }), dealBreaker: Type.Boolean(), text: Type.Optional(Type.String({ maxLength: MAX_REASON_LENGTH })) },
            { additionalProperties: false },
          ),
          response: { 201: ProposalOut, ...errors },
        },
      },
      async (req, res) => onProposal(res, req.params.id, (handle) => recordObjection(app, me(req), handle, req.params.id, req.body), same, 201),
    );

    r.post(
      "/proposals/:id/advocates",
      {
        preHandler: auth,
        schema: {
          tags,
          summary: "Graduated consensus: an objector votes for the advocate of their category",
          security: bearer,
          params: byId,
          body: Type.Object({ category: Type.String({ minLength: 1, maxLength: 100 }), candidate: Ref }, { additionalProperties: false }),
          response: { 201: ProposalOut, ...errors },
        },
      },
      async (req, res) => onProposal(res, req.params.id, (handle) => electAdvocate(app, me(req), handle, req.params.id, req.body), same, 201),
    );

    r.post(
      "/proposals/:id/grievances",
      {
        preHandler: auth,
        schema: {
          tags,
          summary: "Graduated consensus: say whether one shares a grievance",
          security: bearer,
          params: byId,
          body: Type.Object({ category: Type.String({ minLength: 1, maxLength: 100 }), shares: Type.Boolean() }, { additionalProperties: false }),
          response: { 201: ProposalOut, ...errors },
        },
      },
      async (req, res) => onProposal(res, req.params.id, (handle) => recordGrievanceAgreement(app, me(req), handle, req.params.id, req.body), same, 201),
    );

    r.post(
      "/proposals/:id/amendments",
      {
        preHandler: auth,
        schema: {
          tags,
          summary: "Graduated consensus: an objector offers a friendly amendment",
          security: bearer,
          params: byId,
          body: Type.Object(
            {
              text: Type.String({ minLength: 1, maxLength: MAX_PROPOSAL_TEXT_LENGTH }),
              category: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
              payload: Type.Optional(Type.Unknown({ description: "for structured kinds (bylaws): the payload the proposal takes if accepted" })),
            },
            { additionalProperties: false },
          ),
          response: { 201: Type.Object({ amendment: Type.String(), proposal: ProposalOut }), ...errors },
        },
      },
      async (req, res) => onProposal(res, req.params.id, (handle) => proposeAmendment(app, me(req), handle, req.params.id, req.body), same, 201),
    );

    r.post(
      "/proposals/:id/amendments/:aid/votes",
      {
        preHandler: auth,
        schema: {
          tags,
          summary: "Graduated consensus: vote on a friendly amendment",
          security: bearer,
          params: Type.Object({ id: ProposalId, aid: AmendmentId }),
          body: Type.Object({ choice: Choice, reason: Type.Optional(Reason) }, { additionalProperties: false }),
          response: { 201: VoteOut, ...errors },
        },
      },
      async (req, res) => onProposal(res, req.params.id, (handle) => voteOnAmendment(app, me(req), handle, req.params.id, req.params.aid, req.body), same, 201),
    );

    r.post(
      "/proposals/:id/implementation-delegates",
      {
        preHandler: auth,
        schema: {
          tags,
          summary: "Record the members the body elected to implement a carried decision, with their mandate",
          security: bearer,
          params: byId,
          body: Type.Object(
            { delegates: Type.Array(Ref, { minItems: 1, maxItems: 50 }), mandate: Type.String({ minLength: 1, maxLength: MAX_PROPOSAL_TEXT_LENGTH }) },
            { additionalProperties: false },
          ),
          response: { 201: ProposalOut, ...errors },
        },
      },
      async (req, res) => onProposal(res, req.params.id, (handle) => electImplementationDelegates(app, me(req), handle, req.params.id, req.body), same, 201),
    );

    r.post(
      "/proposals/:id/implementation-complete",
      {
        preHandler: auth,
        schema: {
          tags,
          summary: "An implementation delegate reports the work done",
          security: bearer,
          params: byId,
          body: Type.Optional(Type.Object({ report: Type.Optional(Type.String({ maxLength: MAX_PROPOSAL_TEXT_LENGTH })) }, { additionalProperties: false })),
          response: { 200: ProposalOut, ...errors },
        },
      },
      async (req, res) => onProposal(res, req.params.id, (handle) => completeImplementation(app, me(req), handle, req.params.id, req.body ?? {}), same),
    );
  };
}
