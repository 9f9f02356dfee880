import { findActorById } from "../community/actors.ts";
import type { AppContext } from "../context.ts";
import { localActorId } from "../shared/uris.ts";
import { accountEntity } from "./accounts.ts";
import { statusEntities } from "./timelines.ts";

// An in-app notification (src/community/notifications.ts) as Mastodon's Notification
// entity, for the streaming API: a reply is a `mention`; a vote opened in one of my
// bodies is a `status` (the body "posted" the proposal); an outcome is a `poll` (ended).

const TYPES: Record<string, string> = { reply: "mention", "vote-opened": "status", outcome: "poll" };

/** The entity of notification `id` for its recipient `viewerId`; null when apps could not show it (a remote author, a deleted status). */
export async function notificationEntity(app: AppContext, id: string, viewerId: string) {
  if (!/^\d{1,18}$/.test(id)) return null;
  const n = await app.db.selectFrom("notifications").selectAll().where("id", "=", id).where("recipient_id", "=", viewerId).executeTakeFirst();
  const type = n ? TYPES[n.kind] : undefined;
  if (!n || !type) return null;
  const statusUri = n.kind === "reply" ? n.object_uri : n.proposal_uri;
  if (!statusUri) return null;
  const row = await app.db
    .selectFrom("objects")
    .leftJoin("proposals", "proposals.uri", "objects.uri")
    .select(["objects.uri", "objects.local_id", "objects.type", "objects.attributed_to", "objects.content", "objects.url", "objects.published", "proposals.id as proposal_id"])
    .where("objects.uri", "=", statusUri)
    .where("objects.deleted_at", "is", null)
    .executeTakeFirst();
  const [status] = row ? await statusEntities(app, [row], viewerId) : [];
  if (!status) return null;
  // Who it is from: the reply's author, or the body the proposal belongs to.
  const fromId = n.kind === "reply" ? (n.actor_uri ? localActorId(app.config.publicOrigin, n.actor_uri) : null) : n.body_id;
  const from = fromId ? await findActorById(app, fromId) : null;
  const account = from && !from.deleted_at ? await accountEntity(app, from) : status.account;
  return { id: String(n.id), type, created_at: new Date(n.created_at).toISOString(), group_key: `ungrouped-${n.id}`, account, status };
}
