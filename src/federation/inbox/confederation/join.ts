import type { InboxContext } from "@fedify/fedify";
import { Accept, isActor, Reject, type Join } from "@fedify/vocab";
import type { ActorRow } from "../../../community/actors.ts";
import { InboundActivity, takenInBefore } from "../../../community/inbound.ts";
import { rememberRemoteActor } from "../../../community/remote-actors.ts";
import type { AppContext } from "../../../context.ts";
import { answerJoinRequest, type JoinAnswer } from "../../../decisions/confederation/admission.ts";
import { activityUri, actorUri, newReferralUri } from "../../../shared/uris.ts";
import { sendTo } from "../../outbox/send.ts";
import { advertisedMembers, claimOf } from "./common.ts";

/**
 * A body asks to join a local confederation (called by the Join listener): the
 * confederation admits it, or refers its admission to the member bodies. Answered
 * `Accept` when admitted (or a member already), `Reject` with the reason when refused,
 * and later when the member bodies decide.
 */
export async function receiveJoinFromBody(ctx: InboxContext<AppContext>, join: Join, conf: ActorRow): Promise<void> {
  const app = ctx.data;
  const origin = app.config.publicOrigin;
  if (await takenInBefore(app, join.id!.href)) return;
  // Fetched even if remembered lately: its name and its member count (its weight) are read from it.
  const group = await join.getActor(ctx).catch(() => null);
  if (!group || !isActor(group) || group.constructor.name !== "Group" || group.id?.href !== join.actorId?.href) return;
  const member = group.id!.href;
  await rememberRemoteActor(app.db, group);
  const count = await advertisedMembers(group);
  const confUri = actorUri(origin, conf.id);
  const referral = newReferralUri(origin).href;
  const inbound = new InboundActivity(claimOf(join, "Join"), async (trx, outcome) => {
    if (!outcome.ok) {
      await sendTo(trx, app, conf.id, new Reject({ id: activityUri(origin), actor: confUri, object: join.id, to: new URL(member), summary: outcome.error.message }), [member]);
    } else if ((outcome.value as JoinAnswer) === "accept") {
      await sendTo(trx, app, conf.id, new Accept({ id: activityUri(origin), actor: confUri, object: join.id, to: new URL(member) }), [member]);
    }
  });
  const handled = await answerJoinRequest(app, conf, { member, name: group.name?.toString() ?? null, join: join.id!.href, members: count, referral }, inbound);
  if (inbound.state !== "claimed") return;
  if (handled.path === "open") app.log.info({ confederation: conf.handle, member, admitted: handled.result.ok }, "member body's Join answered (open admission)");
  else if (handled.path === "referred") app.log.info({ confederation: conf.handle, member, referral, ok: handled.result.ok }, "admission referred to the member bodies");
}
