import type { AppContext } from "../context.ts";
import { notificationEntities } from "./notifications.ts";

// One in-app notification (src/community/notifications.ts) as Mastodon's Notification
// entity, for the streaming API: the same entity `GET /api/v1/notifications` lists.

/** The entity of notification `id` for its recipient `viewerId`; null when apps could not show it. */
export async function notificationEntity(app: AppContext, id: string, viewerId: string) {
  if (!/^\d{1,18}$/.test(id)) return null;
  const row = await app.db.selectFrom("notifications").selectAll().where("id", "=", id).where("recipient_id", "=", viewerId).executeTakeFirst();
  if (!row) return null;
  const [entity] = await notificationEntities(app, [row], viewerId);
  return entity ?? null;
}
