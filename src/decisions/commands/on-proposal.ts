import { findBody, type ActorRow } from "../../community/actors.ts";
import type { InboundActivity } from "../../community/inbound.ts";
import type { AppContext } from "../../context.ts";
import type { BodyState, CommandResult, ProposalState, Refusal } from "../../governance/index.ts";
import type { Failure, Result } from "../../shared/result.ts";
import { proposalUri } from "../../shared/uris.ts";
import { PROPOSAL_ID_PATTERN } from "../ids.ts";
import type { BodyRef } from "../projection.ts";
import type { FieldNames } from "../refusals.ts";
import { runOnBody, type Step, type StepContext } from "../run.ts";
import { proposalDetail, type ProposalDetail } from "../views.ts";
import { tooLong } from "./limits.ts";

// What every command about one proposal shares: finding the body and the proposal,
// checking the input's length, and answering with the proposal as it stands afterwards.

export const bodyRef = (row: ActorRow): BodyRef => row;

function notFoundProposal(id: string, handle: string): Failure {
  return { code: "not-found", message: `no proposal ${id} in ${handle}`, reason: { code: "no-such-proposal" } };
}

/**
 * Runs a command about one proposal of a body: finds them, applies the proposal's passed
 * deadlines, then decides with `decide` (see runOnBody). `input` is checked for length.
 */
export async function onProposal<T>(
  app: AppContext,
  bodyHandle: string,
  proposalId: string,
  decide: (p: ProposalState, ctx: StepContext & { body: BodyState; ref: BodyRef }) => Step<T>,
  input?: object,
  inbound?: InboundActivity,
): Promise<Result<T>> {
  const long = tooLong(input);
  if (long !== null) return { ok: false, error: long };
  const body = await findBody(app, bodyHandle);
  if (!body.ok) return body;
  if (!PROPOSAL_ID_PATTERN.test(proposalId)) return { ok: false, error: notFoundProposal(proposalId, body.value.handle) };
  const uri = proposalUri(app.config.publicOrigin, proposalId).href;
  return runOnBody(app, bodyRef(body.value), { proposal: uri, ...(inbound ? { inbound } : {}) }, (ctx) => {
    const p = ctx.body?.proposals.get(uri);
    if (ctx.body === null || p === undefined) return { fail: notFoundProposal(proposalId, body.value.handle) };
    return decide(p, { ...ctx, body: ctx.body, ref: bodyRef(body.value) });
  });
}

/** A step whose success is the proposal as it stands afterwards. */
export function showing(app: AppContext, body: BodyRef, uri: string, command: CommandResult, fields?: FieldNames, explain?: (r: Refusal) => Failure): Step<ProposalDetail> {
  return {
    command,
    value: (after) => {
      const p = after?.proposals.get(uri);
      if (after === null || p === undefined) throw new Error("invariant: the proposal is in the record");
      return proposalDetail(app, body, after, p);
    },
    ...(fields !== undefined ? { fields } : {}),
    ...(explain !== undefined ? { explain } : {}),
  };
}
