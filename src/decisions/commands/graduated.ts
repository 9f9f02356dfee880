import type { InboundActivity } from "../../community/inbound.ts";
import type { AppContext } from "../../context.ts";
import {
  completeImplementation as coreCompleteImplementation,
  electAdvocate as coreElectAdvocate,
  object as coreObject,
  proposeAmendment as coreProposeAmendment,
  recordGrievanceAgreement as coreRecordGrievanceAgreement,
} from "../../governance/index.ts";
import type { Failure, Result } from "../../shared/result.ts";
import { newAmendmentId } from "../ids.ts";
import type { ProposalDetail } from "../views.ts";
import { onProposal, showing } from "./on-proposal.ts";
import { resolvePeople } from "./people.ts";

// Graduated consensus after the first vote (objections, advocates, grievances, friendly
// amendments), and a carried decision's implementation (the work done; its delegates are
// elected by a delegation proposal, see draft.ts).

/** Graduated consensus: someone who voted against qualifies the objection. */
export function recordObjection(
  app: AppContext,
  actor: string,
  bodyHandle: string,
  proposalId: string,
  input: { category: string; dealBreaker: boolean; text?: string },
  inbound?: InboundActivity,
): Promise<Result<ProposalDetail>> {
  return onProposal(
    app,
    bodyHandle,
    proposalId,
    (p, { now, ref }) =>
      showing(app, ref, p.id, coreObject(p, { actor, dealBreaker: input.dealBreaker, category: input.category, ...(input.text !== undefined ? { text: input.text } : {}) }, now), {
        "invalid-input": "category",
      }),
    input,
    inbound,
  );
}

/** Graduated consensus: an objector votes for the advocate of their category (a handle or URI of someone on the roll). */
export async function electAdvocate(
  app: AppContext,
  actor: string,
  bodyHandle: string,
  proposalId: string,
  input: { category: string; candidate: string },
  inbound?: InboundActivity,
): Promise<Result<ProposalDetail>> {
  const candidate = await resolvePeople(app, [input.candidate], "candidate");
  if (!candidate.ok) return candidate;
  return onProposal(
    app,
    bodyHandle,
    proposalId,
    (p, { now, ref }) => showing(app, ref, p.id, coreElectAdvocate(p, { actor, category: input.category, candidate: candidate.value[0]! }, now)),
    input,
    inbound,
  );
}

/** Graduated consensus: a member on the roll says whether they share a grievance. */
export function recordGrievanceAgreement(
  app: AppContext,
  actor: string,
  bodyHandle: string,
  proposalId: string,
  input: { category: string; shares: boolean },
  inbound?: InboundActivity,
): Promise<Result<ProposalDetail>> {
  return onProposal(
    app,
    bodyHandle,
    proposalId,
    (p, { now, ref }) => showing(app, ref, p.id, coreRecordGrievanceAgreement(p, { actor, category: input.category, shares: input.shares }, now)),
    input,
    inbound,
  );
}

/** Graduated consensus: an objector offers a friendly amendment; the result names it. */
export function proposeAmendment(
  app: AppContext,
  actor: string,
  bodyHandle: string,
  proposalId: string,
  input: { text: string; category?: string; payload?: unknown },
  inbound?: InboundActivity,
): Promise<Result<{ amendment: string; proposal: ProposalDetail }>> {
  const amendment = newAmendmentId();
  return onProposal(
    app,
    bodyHandle,
    proposalId,
    (p, { now, ref }) => {
      const command = coreProposeAmendment(
        p,
        {
          actor,
          amendment,
          text: input.text,
          ...(input.category !== undefined ? { category: input.category } : {}),
          ...("payload" in input && input.payload !== undefined ? { payload: input.payload } : {}),
        },
        now,
      );
      const shown = showing(app, ref, p.id, command, { "invalid-input": "text" });
      if ("fail" in shown) return shown;
      return { ...shown, value: (after, appended) => ({ amendment, proposal: shown.value(after, appended) }) };
    },
    input,
    inbound,
  );
}

/**
 * Implementation delegates are no longer recorded by one member: the body elects them
 * with a `delegation` proposal (role `implementation-delegate`, `payload.implements`
 * naming the decision), and carrying it records them on the decision. This answers
 * anyone who still asks for the old path, saying what to do instead.
 */
export function implementationDelegatesAreElected(proposalId: string): Failure {
  return {
    code: "forbidden",
    message:
      "implementation delegates are elected by the body: table a delegation proposal with role implementation-delegate naming this decision " +
      `(POST /bodies/{handle}/proposals with { "kind": "delegation", "payload": { "role": "implementation-delegate", "implements": "${proposalId}", "delegates", "mandate", "start", "end" } })`,
  };
}

/** An implementation delegate reports the work done. */
export function completeImplementation(app: AppContext, actor: string, bodyHandle: string, proposalId: string, input: { report?: string } = {}): Promise<Result<ProposalDetail>> {
  return onProposal(
    app,
    bodyHandle,
    proposalId,
    (p, { body, now, ref }) => showing(app, ref, p.id, coreCompleteImplementation(p, { actor, body, ...(input.report !== undefined ? { report: input.report } : {}) }, now)),
    input,
  );
}
