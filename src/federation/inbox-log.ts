import type { Activity } from "@fedify/vocab";
import type { AppContext } from "../context.ts";

// The durable record of activities already taken in (see `once` in inbox.ts),
// for handlers whose effect runs its own transaction (votes go through the
// decisions service): claim first, release if the effect failed.

/** Claims an activity id; false when it was taken in before (a duplicate). */
export async function claimActivity(app: AppContext, activity: Activity, type: string): Promise<boolean> {
  if (!activity.id || !activity.actorId) return false;
  const row = await app.db
    .insertInto("inbox_log")
    .values({ activity_uri: activity.id.href, actor_uri: activity.actorId.href, type })
    .onConflict((oc) => oc.column("activity_uri").doNothing())
    .returning("activity_uri")
    .executeTakeFirst();
  return row !== undefined;
}

/** Forgets a claim whose effect failed, so the retry Fedify makes can succeed. */
export async function releaseActivity(app: AppContext, activity: Activity): Promise<void> {
  if (!activity.id) return;
  await app.db.deleteFrom("inbox_log").where("activity_uri", "=", activity.id.href).execute();
}
