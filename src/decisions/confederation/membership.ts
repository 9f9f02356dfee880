import type { ActorRow } from "../../community/actors.ts";
import type { InboundActivity } from "../../community/inbound.ts";
import type { AppContext } from "../../context.ts";
import { memberBodyLeaves, recordJoinRefused as joinRefused } from "../../governance/index.ts";
import type { Result } from "../../shared/result.ts";
import { runOnBody, type Step } from "../run.ts";

// A member body's comings and goings that another instance tells us about.

/** A member body leaves the local confederation `conf`: at once. */
export async function recordMemberBodyLeft(app: AppContext, conf: ActorRow, member: string, inbound: InboundActivity): Promise<Result<true>> {
  return runOnBody(
    app,
    conf,
    { inbound },
    ({ body: state, now }): Step<true> =>
      state === null || !state.members.has(member)
        ? { fail: { code: "not-found", message: `${member} is not a member body` } }
        : { command: memberBodyLeaves(state, { body: member }, now), value: () => true },
  );
}

/**
 * The confederation a local body's `Join` was sent to refused it: the body records the
 * refusal, so its record no longer counts it a member there.
 */
export async function recordJoinRefused(
  app: AppContext,
  body: ActorRow,
  refusal: { confederation: string; join: string; reason: string },
  inbound: InboundActivity,
): Promise<Result<true>> {
  return runOnBody(
    app,
    body,
    { inbound },
    ({ body: state, now }): Step<true> =>
      state === null || !state.confederations.has(refusal.confederation)
        ? { fail: { code: "not-found", message: `${body.handle} is not in ${refusal.confederation}` } }
        : { command: joinRefused(state, refusal, now), value: () => true },
  );
}
