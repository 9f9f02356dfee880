import type { InboxContext } from "@fedify/fedify";
import type { Reject } from "@fedify/vocab";
import { findActorById, isBody } from "../../../community/actors.ts";
import { InboundActivity } from "../../../community/inbound.ts";
import type { AppContext } from "../../../context.ts";
import { recordJoinRefused } from "../../../decisions/confederation/membership.ts";
import { claimOf, refuseOnce } from "./common.ts";

/**
 * A confederation refused a local body's Join (called by the Reject listener). Only the
 * confederation the Join was sent to can refuse it; the body records the refusal, so its
 * record no longer counts it a member there. Returns false when the Reject is not about
 * one of our Joins.
 */
export async function receiveJoinRefusal(ctx: InboxContext<AppContext>, reject: Reject): Promise<boolean> {
  const app = ctx.data;
  if (!reject.objectId || !reject.actorId) return false;
  const sent = await app.db.selectFrom("activities").select(["actor_id", "object_uri"]).where("uri", "=", reject.objectId.href).where("type", "=", "Join").executeTakeFirst();
  if (!sent) return false;
  const confederation = reject.actorId.href;
  const body = await findActorById(app, sent.actor_id);
  if (!body || !isBody(body)) return true;
  const reason = (reject.summary?.toString() ?? "").slice(0, 2000) || "no reason given";
  if (!reject.id) return true;
  const claim = claimOf(reject, "Reject");
  if (sent.object_uri !== confederation) {
    await refuseOnce(app, claim, () => app.log.warn({ join: reject.objectId!.href, from: confederation }, "a Reject of a Join sent to someone else; ignored"));
    return true;
  }
  const inbound = new InboundActivity(claim);
  const recorded = await recordJoinRefused(app, body, { confederation, join: reject.objectId.href, reason }, inbound);
  if (inbound.state === "claimed") app.log.info({ body: body.handle, confederation, reason, recorded: recorded.ok }, "join refused by the confederation");
  return true;
}
