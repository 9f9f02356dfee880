import { Type } from "@fastify/type-provider-typebox";
import { MAX_REASON_LENGTH } from "../../decisions/index.ts";
import { Nullable } from "./common.ts";

export const ProposalId = Type.String({ pattern: "^[a-z0-9]{1,40}$", description: "a proposal's short id" });
export const AmendmentId = Type.String({ pattern: "^[a-z0-9]{1,40}$", description: "an amendment's id" });
export const Fraction = Type.Object({ num: Type.Integer({ minimum: 0 }), den: Type.Integer({ minimum: 1 }) }, { additionalProperties: false });
export const Rule = Type.Union(
  [
    Type.Object({ kind: Type.Literal("consensus") }, { additionalProperties: false }),
    Type.Object({ kind: Type.Literal("simple-majority") }, { additionalProperties: false }),
    Type.Object({ kind: Type.Literal("supermajority"), fraction: Fraction }, { additionalProperties: false }),
    Type.Object({ kind: Type.Literal("graduated-consensus") }, { additionalProperties: false }),
  ],
  { description: "a decision rule; never weaker than the bylaws require" },
);
export const Duration = Type.String({ maxLength: 40, description: "an ISO 8601 duration in weeks, days, hours, minutes, seconds (P7D, PT48H)" });
export const Choice = Type.Union([Type.Literal("agree"), Type.Literal("disagree"), Type.Literal("abstain"), Type.Literal("block")], {
  description: "abstain is 'stand aside' under consensus; block exists only under consensus",
});
export const Reason = Type.String({ maxLength: MAX_REASON_LENGTH });
export const Ref = Type.String({ minLength: 1, maxLength: 2048, description: "a local handle, a remote handle (@name@host) or an actor URI" });

export const Counts = Type.Object({ agree: Type.Integer(), disagree: Type.Integer(), abstain: Type.Integer(), block: Type.Integer() });
export const RoundOut = Type.Object({
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
export const Outcome = Nullable(Type.Union([Type.Literal("passed"), Type.Literal("rejected"), Type.Literal("tabled"), Type.Literal("withdrawn")]));
export const ProposalOut = Type.Object({
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
export const SummaryOut = Type.Object({
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
export const VoteOut = Type.Object({
  proposalId: Type.String(),
  proposalUri: Type.String(),
  round: Type.String(),
  choice: Choice,
  reason: Nullable(Type.String()),
  at: Type.String(),
  changed: Type.Boolean(),
});
export const HistoryOut = Type.Array(Type.Object({ position: Type.Integer(), type: Type.String(), at: Type.String(), event: Type.Unknown() }));
export const RegisterOut = Type.Array(
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

export const byId = Type.Object({ id: ProposalId });
