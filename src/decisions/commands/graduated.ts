import type { InboundActivity } from "../../community/inbound.ts";
import type { AppContext } from "../../context.ts";
import {
  completeImplementation as coreCompleteImplementation,
  electAdvocate as coreElectAdvocate,
  electImplementationDelegates as coreElectImplementationDelegates,
  object as coreObject,
  proposeAmendment as coreProposeAmendment,
  recordGrievanceAgreement as coreRecordGrievanceAgreement,
} from "../../governance/index.ts";
import type { Result } from "../../shared/result.ts";
import { newAmendmentId } from "../ids.ts";
import type { ProposalDetail } from "../views.ts";
import { onProposal, showing } from "./on-proposal.ts";
import { resolvePeople } from "./people.ts";

// Graduated consensus after the first vote (objections, advocates, grievances, friendly
// amendments), and a carried decision's implementation (its delegates, the work done).

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

/** Records the implementation delegates the body elected for a carried decision (handles or URIs of members). */
export async function electImplementationDelegates(
  app: AppContext,
  actor: string,
  bodyHandle: string,
  proposalId: string,
  input: { delegates: string[]; mandate: string },
): Promise<Result<ProposalDetail>> {
  const delegates = await resolvePeople(app, input.delegates, "delegates");
  if (!delegates.ok) return delegates;
  return onProposal(
    app,
    bodyHandle,
    proposalId,
    (p, { body, now, ref }) =>
      showing(app, ref, p.id, coreElectImplementationDelegates(p, { actor, delegates: delegates.value, mandate: input.mandate, body }, now), {
        "invalid-input": "delegates",
        "invalid-candidate": "delegates",
      }),
    input,
  );
}

/** An implementation delegate reports the work done. */
export function completeImplementation(app: AppContext, actor: string, bodyHandle: string, proposalId: string, input: { report?: string } = {}): Promise<Result<ProposalDetail>> {
  return onProposal(
    app,
    bodyHandle,
    proposalId,
    (p, { now, ref }) => showing(app, ref, p.id, coreCompleteImplementation(p, { actor, ...(input.report !== undefined ? { report: input.report } : {}) }, now)),
    input,
  );
}
