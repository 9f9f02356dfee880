import type { InboxContext } from "@fedify/fedify";
import type { Leave } from "@fedify/vocab";
import { InboundActivity } from "../../../community/inbound.ts";
import type { AppContext } from "../../../context.ts";
import { recordMemberBodyLeft } from "../../../decisions/confederation/membership.ts";
import { receivePersonLeaving } from "../leave.ts";
import { claimOf, localBody } from "./common.ts";

/** A member body leaves a local confederation, or a person a local body of people: at once. */
export async function receiveLeave(ctx: InboxContext<AppContext>, leave: Leave): Promise<void> {
  const app = ctx.data;
  if (await receivePersonLeaving(ctx, leave, leave.objectId)) return;
  const conf = await localBody(app, leave.objectId);
  if (conf?.kind !== "confederation" || !leave.actorId || !leave.id) return;
  const member = leave.actorId.href;
  const inbound = new InboundActivity(claimOf(leave, "Leave"));
  const left = await recordMemberBodyLeft(app, conf, member, inbound);
  if (inbound.state === "claimed") app.log.info({ confederation: conf.handle, member, ok: left.ok }, "member body left");
}
