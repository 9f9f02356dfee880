import { Activity } from "@fedify/vocab";
import type { Transaction } from "kysely";
import type { AppContext } from "../context.ts";
import type { Schema } from "../store/schema.ts";

/** A remote actor as a delivery target. */
export interface DeliveryTarget {
  id: string;
  inbox: string;
  sharedInbox?: string | null;
}

export interface Recipients {
  /** Deliver to every accepted follower of the sender. */
  followers: boolean;
  /** And to these actors (deduplicated by Fedify within one send). */
  actors: DeliveryTarget[];
}

/**
 * Records an activity in the sender's outbox in the caller's transaction: the
 * state change and the activities it causes commit together, and delivery
 * happens afterwards from this table ({@link deliverPending}). A crash between
 * commit and hand-off loses nothing: the sweeper picks the row up.
 */
export async function recordActivity(
  trx: Transaction<Schema>,
  input: { actorId: string; activity: Activity; recipients: Recipients; isPublic: boolean },
): Promise<void> {
  if (!input.activity.id) throw new Error("an activity needs an id");
  const payload = await input.activity.toJsonLd({ format: "compact" });
  await trx
    .insertInto("activities")
    .values({
      uri: input.activity.id.href,
      actor_id: input.actorId,
      type: activityType(payload),
      object_uri: input.activity.objectId?.href ?? null,
      payload: JSON.stringify(payload),
      recipients: JSON.stringify(input.recipients),
      public: input.isPublic,
      // Nothing to deliver: mark it handed off at once.
      enqueued_at: !input.recipients.followers && input.recipients.actors.length === 0 ? new Date() : null,
    })
    .execute();
}

function activityType(payload: unknown): string {
  const t = (payload as { type?: unknown }).type;
  return typeof t === "string" ? t : "Activity";
}

/**
 * Hands undelivered activities to Fedify's queue, oldest first. Returns how many
 * were handed off. `minAgeMs` keeps the sweeper away from rows that the request
 * that wrote them is about to hand off itself.
 */
export async function deliverPending(app: AppContext, opts: { limit?: number; minAgeMs?: number } = {}): Promise<number> {
  const limit = opts.limit ?? 100;
  let query = app.db
    .selectFrom("activities")
    .select(["seq", "uri", "actor_id", "payload", "recipients"])
    .where("enqueued_at", "is", null)
    .orderBy("seq")
    .limit(limit);
  if (opts.minAgeMs) query = query.where("published", "<=", new Date(Date.now() - opts.minAgeMs));
  const rows = await query.execute();
  const ctx = app.federation.createContext(app.config.publicOrigin, app);
  const exclude = [new URL(app.config.publicOrigin.origin)];
  let handed = 0;
  for (const row of rows) {
    try {
      const activity = await Activity.fromJsonLd(JSON.parse(row.payload), { documentLoader: ctx.documentLoader, contextLoader: ctx.contextLoader });
      const recipients = JSON.parse(row.recipients) as Recipients;
      const orderingKey = activity.objectId?.href ?? activity.id?.href;
      const sender = { identifier: row.actor_id };
      if (recipients.followers) {
        await ctx.sendActivity(sender, "followers", activity, { preferSharedInbox: true, excludeBaseUris: exclude, orderingKey });
      }
      const targets = recipients.actors.filter((t) => new URL(t.id).origin !== app.config.publicOrigin.origin);
      if (targets.length > 0) {
        await ctx.sendActivity(
          sender,
          targets.map((t) => ({
            id: new URL(t.id),
            inboxId: new URL(t.inbox),
            endpoints: t.sharedInbox ? { sharedInbox: new URL(t.sharedInbox) } : null,
          })),
          activity,
          { preferSharedInbox: true, excludeBaseUris: exclude, orderingKey },
        );
      }
      await app.db.updateTable("activities").set({ enqueued_at: new Date() }).where("seq", "=", row.seq).execute();
      handed++;
    } catch (err) {
      app.log.error({ err, activity: row.uri }, "could not hand an activity to the delivery queue; will retry");
    }
  }
  return handed;
}

/** Coalesces hand-off requests: one run at a time, rerun if kicked meanwhile. */
export function createDeliveryKicker(getApp: () => AppContext): { kick(): void; idle(): Promise<void> } {
  let running: Promise<void> | null = null;
  let again = false;
  const run = async () => {
    do {
      again = false;
      try {
        while ((await deliverPending(getApp())) > 0) {
          /* drain */
        }
      } catch (err) {
        getApp().log.error({ err }, "delivery hand-off failed");
      }
    } while (again);
    running = null;
  };
  return {
    kick() {
      if (running) {
        again = true;
        return;
      }
      running = run();
    },
    async idle() {
      while (running) await running;
    },
  };
}
