import type { InboxContext } from "@fedify/fedify";
import { type Activity, Undo } from "@fedify/vocab";
import { InboundActivity } from "../../community/inbound.ts";
import type { AppContext } from "../../context.ts";
import { leaveBody } from "../../decisions/index.ts";
import { claimOf, localBody } from "./confederation/common.ts";

/**
 * A person on another server leaves a local assembly, council or committee: `Leave{object:
 * body}`, or `Undo(Join)` of their own Join. Always allowed, effective at once: a
 * `member-left` on the body's record, claimed in the same transaction. Anything else
 * (not a member, a confederation) changes nothing.
 *
 * @returns false when `target` is not a local body of people (the caller tries its other readings).
 */
export async function receivePersonLeaving(ctx: InboxContext<AppContext>, activity: Activity, target: URL | null): Promise<boolean> {
  const app = ctx.data;
  const body = await localBody(app, target);
  if (body === null || body.kind === "confederation" || !activity.actorId || !activity.id) return false;
  const member = activity.actorId.href;
  const inbound = new InboundActivity(claimOf(activity, activity instanceof Undo ? "Undo" : "Leave", body.id));
  const left = await leaveBody(app, member, body.handle, inbound);
  if (inbound.state === "claimed") app.log.info({ body: body.handle, member, left: left.ok }, "a remote member left");
  return true;
}
