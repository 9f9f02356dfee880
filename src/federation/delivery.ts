// The transactional outbox, the delivery half: hands the activities recorded in the
// `activities` table (community/outbox.ts) to Fedify's queue, and coalesces hand-off requests.
import { Activity } from "@fedify/vocab";
import { takeRecordedActivity, type Recipients } from "../community/outbox.ts";
import type { AppContext } from "../context.ts";
import { actorUri } from "../shared/uris.ts";

/** Short, so rows claimed by a process that died are retaken soon; a slow hand-off that outlives it only risks a duplicate, which receivers ignore. */
const HANDOFF_LEASE_MS = 10_000;

/** Rows handed off per call. */
const PENDING_BATCH = 100;

/**
 * Hands undelivered activities to Fedify's queue, oldest first. Returns how many
 * were handed off. `minAgeMs` keeps the sweeper away from rows that the request
 * that wrote them is about to hand off itself.
 */
export async function deliverPending(app: AppContext, opts: { limit?: number; minAgeMs?: number } = {}): Promise<number> {
  const limit = opts.limit ?? PENDING_BATCH;
  // Claim rows with a short lease: two processes (web kicks, the sweeper) never hand the
  // same row off twice, and a process that dies mid-way leaves rows the sweeper retakes.
  // One statement: the rows are locked (skip locked) and leased by the same update.
  const rows = await app.db
    .updateTable("activities")
    .set({ handoff_until: new Date(Date.now() + HANDOFF_LEASE_MS) })
    .where("seq", "in", (eb) =>
      eb
        .selectFrom("activities")
        .select("seq")
        .where("enqueued_at", "is", null)
        .where((w) => w.or([w("handoff_until", "is", null), w("handoff_until", "<", new Date())]))
        .$if(Boolean(opts.minAgeMs), (q) => q.where("published", "<=", new Date(Date.now() - opts.minAgeMs!)))
        .orderBy("seq")
        .limit(limit)
        .forUpdate()
        .skipLocked(),
    )
    .returning(["seq", "uri", "actor_id", "payload", "recipients"])
    .execute();
  if (rows.length === 0) return 0;
  rows.sort((a, b) => Number(a.seq) - Number(b.seq));
  const ctx = app.federation.createContext(app.config.publicOrigin, app);
  const exclude = [new URL(app.config.publicOrigin.origin)];
  const handed: string[] = [];
  for (const row of rows) {
    try {
      const recipients = JSON.parse(row.recipients) as Recipients;
      // (An activity for followers only, recorded while the sender had none, was marked handed off then.)
      // As built when this process recorded it, else parsed from what was stored.
      const activity =
        takeRecordedActivity(row.uri) ?? (await Activity.fromJsonLd(JSON.parse(row.payload), { documentLoader: ctx.documentLoader, contextLoader: ctx.contextLoader }));
      const orderingKey = activity.objectId?.href ?? activity.id?.href;
      const sender = { identifier: row.actor_id };
      if (recipients.followers) {
        await ctx.sendActivity(sender, "followers", activity, { preferSharedInbox: true, excludeBaseUris: exclude, orderingKey });
      }
      let targets = recipients.includeLocal ? recipients.actors : recipients.actors.filter((t) => new URL(t.id).origin !== app.config.publicOrigin.origin);
      if (recipients.followers && targets.length > 0) {
        // One activity reaches one inbox once: a listed actor whose (shared) inbox the followers' send already reached is left out.
        const reached = await followersInboxes(app, row.actor_id);
        targets = targets.filter((t) => !reached.has(t.id) && !reached.has(t.sharedInbox ?? t.inbox));
      }
      if (targets.length > 0) {
        await ctx.sendActivity(
          sender,
          targets.map((t) => ({
            id: new URL(t.id),
            inboxId: new URL(t.inbox),
            endpoints: t.sharedInbox ? { sharedInbox: new URL(t.sharedInbox) } : null,
          })),
          activity,
          { preferSharedInbox: true, ...(recipients.includeLocal ? {} : { excludeBaseUris: exclude }), orderingKey },
        );
      }
      handed.push(row.seq);
    } catch (err) {
      app.log.error({ err, activity: row.uri }, "could not hand an activity to the delivery queue; will retry");
      await app.db
        .updateTable("activities")
        .set({ handoff_until: null })
        .where("seq", "=", row.seq)
        .execute()
        .catch(() => {});
    }
  }
  // Marked in one statement; a crash before it only hands these rows off again (a duplicate, which receivers ignore).
  if (handed.length > 0) await app.db.updateTable("activities").set({ enqueued_at: new Date() }).where("seq", "in", handed).execute();
  return handed.length;
}

/** The followers of an actor and the inboxes a send to them reaches (shared inboxes preferred, as the send prefers them). */
async function followersInboxes(app: AppContext, actorId: string): Promise<Set<string>> {
  const rows = await app.db
    .selectFrom("follows")
    .innerJoin("remote_actors", "remote_actors.uri", "follows.follower_uri")
    .select(["remote_actors.uri", "remote_actors.inbox", "remote_actors.shared_inbox"])
    .where("follows.followee_uri", "=", actorUri(app.config.publicOrigin, actorId).href)
    .where("follows.state", "=", "accepted")
    .execute();
  return new Set(rows.flatMap((r) => [r.uri, r.shared_inbox ?? r.inbox]));
}

/** Coalesces hand-off requests: one run at a time, rerun if kicked meanwhile. */
export function createDeliveryKicker(getApp: () => AppContext): { kick(): void; idle(): Promise<void> } {
  let running: Promise<void> | null = null;
  let again = false;
  const run = async () => {
    do {
      again = false;
      try {
        // A full batch may have more behind it; a short one was the last.
        while ((await deliverPending(getApp())) >= PENDING_BATCH) {
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
