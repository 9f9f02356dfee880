import type { InboundActivity } from "../../community/inbound.ts";
import type { AppContext } from "../../context.ts";
import { openVoting as coreOpenVoting, secondProposal as coreSecondProposal, tableProposal as coreTableProposal, withdraw as coreWithdraw } from "../../governance/index.ts";
import type { Result } from "../../shared/result.ts";
import { refusalToFailure } from "../refusals.ts";
import type { ProposalDetail } from "../views.ts";
import { onProposal, showing } from "./on-proposal.ts";

// A proposal's way from draft to vote: seconded, tabled, opened for voting, or withdrawn.

/** Another member seconds a draft (when the bylaws ask for seconds). */
export function secondProposal(app: AppContext, actor: string, bodyHandle: string, proposalId: string, inbound?: InboundActivity): Promise<Result<ProposalDetail>> {
  return onProposal(app, bodyHandle, proposalId, (p, { body, now, ref }) => showing(app, ref, p.id, coreSecondProposal(p, { actor, body }, now)), undefined, inbound);
}

/** The author tables a draft: its terms are frozen and deliberation starts. */
export function tableProposal(app: AppContext, actor: string, bodyHandle: string, proposalId: string): Promise<Result<ProposalDetail>> {
  return onProposal(app, bodyHandle, proposalId, (p, { body, now, ref }) =>
    showing(app, ref, p.id, coreTableProposal(p, { actor, body }, now), undefined, (reason) =>
      // The bylaws became stricter than the draft asked for: the draft is what conflicts.
      reason.code === "rule-too-weak" || reason.code === "invalid-input" ? { code: "conflict", message: reason.message, refusal: reason.code } : refusalToFailure(reason),
    ),
  );
}

/** A member opens voting once deliberation is over (the deadline opens it too), freezing the roll. */
export function openVoting(app: AppContext, actor: string, bodyHandle: string, proposalId: string): Promise<Result<ProposalDetail>> {
  return onProposal(app, bodyHandle, proposalId, (p, { body, now, ref }) => showing(app, ref, p.id, coreOpenVoting(p, { actor, body }, now)));
}

/** The author withdraws a proposal not yet decided. */
export function withdrawProposal(app: AppContext, actor: string, bodyHandle: string, proposalId: string, input: { reason?: string } = {}): Promise<Result<ProposalDetail>> {
  return onProposal(
    app,
    bodyHandle,
    proposalId,
    (p, { now, ref }) =>
      showing(app, ref, p.id, coreWithdraw(p, { actor, ...(input.reason !== undefined ? { reason: input.reason } : {}) }, now), {
        "invalid-input": "reason",
      }),
    input,
  );
}
