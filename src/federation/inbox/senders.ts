import type { InboxContext } from "@fedify/fedify";
import { type Activity, isActor } from "@fedify/vocab";
import type { DeliveryTarget } from "../../community/outbox.ts";
import { rememberedLately, rememberedTarget, rememberRemoteActor } from "../../community/remote-actors.ts";
import type { AppContext } from "../../context.ts";

// An activity's sender kept in remote_actors (handle, inbox), for showing it and answering
// it. Fetching and reading an actor costs more than most of an activity's taking-in, so a
// sender this process remembered in the last 10 minutes is not fetched again: the
// activity's signature already says who sent it, and an `Update` of the actor is taken in
// at once.

type Ctx = InboxContext<AppContext>;

/** Keeps the sender of `activity`, unless it was remembered lately. */
export async function rememberSender(ctx: Ctx, activity: Activity): Promise<void> {
  if (activity.actorId && !rememberedLately(ctx.data.db, activity.actorId.href)) await fetchSender(ctx, activity);
}

/** The sender's delivery target, fetched and kept unless it was remembered lately; null if it cannot be. */
export async function senderTarget(ctx: Ctx, activity: Activity): Promise<DeliveryTarget | null> {
  if (!activity.actorId) return null;
  return (await rememberedTarget(ctx.data.db, activity.actorId.href)) ?? (await fetchSender(ctx, activity));
}

/** The sender fetched and kept; null unless it is an actor whose document has the id it was fetched by. */
async function fetchSender(ctx: Ctx, activity: Activity): Promise<DeliveryTarget | null> {
  const sender = await activity.getActor(ctx).catch(() => null);
  if (!sender || !isActor(sender) || sender.id?.href !== activity.actorId?.href) return null;
  return rememberRemoteActor(ctx.data.db, sender);
}
