// The transactional outbox, the recording half: services (posts, follows, decisions
// federated by federation/) write the activities a change causes in the change's own
// transaction. It is plain SQL over a JSON-LD payload, so the application layer may
// call it; handing rows to Fedify's queue is federation's (federation/delivery.ts).
import type { Activity } from "@fedify/vocab";
import { type ExpressionBuilder, type RawBuilder, sql, type Transaction } from "kysely";
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
  /**
   * Deliver to `actors` on this instance too, over HTTP like any other (a confederation
   * and its member bodies may share an instance). Otherwise local actors are skipped.
   */
  includeLocal?: boolean;
}

/** One activity to record: who sends it, what, to whom, and whether the outbox shows it. */
export interface ActivityToRecord {
  actorId: string;
  activity: Activity;
  recipients: Recipients;
  isPublic: boolean;
  /** The activity as JSON-LD, when the caller wrote it already (else `activity.toJsonLd()`). */
  payload?: unknown;
}

/**
 * The activities this process recorded lately, by URI, as built: the hand-off delivers them
 * without parsing their stored JSON-LD again (about a millisecond each). Taken once; a row
 * recorded elsewhere, or before a restart, is parsed from `payload`. Bounded: a transaction
 * that rolled back leaves an entry that only ages out.
 */
const recentlyRecorded = new Map<string, Activity>();
const RECENTLY_RECORDED_MAX = 2_000;

/** The activity recorded as `uri` by this process, as built, if still kept (once). */
export function takeRecordedActivity(uri: string): Activity | undefined {
  const activity = recentlyRecorded.get(uri);
  recentlyRecorded.delete(uri);
  return activity;
}

/** Transactions that recorded an activity still to be handed off (see {@link recordedForDelivery}). */
const awaitingHandOff = new WeakSet<object>();

/**
 * Whether `trx` recorded an activity that a hand-off must deliver: kick the hand-off
 * once it committed, and only then (a kick that finds nothing still costs a statement).
 * Rows not kicked are not lost: the sweeper hands them off.
 */
export function recordedForDelivery(trx: object): boolean {
  return awaitingHandOff.has(trx);
}

/** For a caller that writes `activities` rows itself (to be delivered): marks `trx` as {@link recordActivity} does. */
export function markRecordedForDelivery(trx: object): void {
  awaitingHandOff.add(trx);
}

/**
 * Records an activity in the sender's outbox in the caller's transaction: the
 * state change and the activities it causes commit together, and delivery
 * happens afterwards from this table (federation/delivery.ts `deliverPending`). A crash between
 * commit and hand-off loses nothing: the sweeper picks the row up.
 */
export async function recordActivity(trx: Transaction<Schema>, input: ActivityToRecord): Promise<void> {
  await recordActivities(trx, [input]);
}

/** {@link recordActivity} for several activities, in one statement, in this order. */
export async function recordActivities(trx: Transaction<Schema>, inputs: readonly ActivityToRecord[]): Promise<void> {
  if (inputs.length === 0) return;
  const rows: { input: ActivityToRecord; payload: unknown }[] = [];
  for (const input of inputs) {
    if (!input.activity.id) throw new Error("an activity needs an id");
    // The default (fast) compaction; format: "compact" would run the full JSON-LD algorithm.
    rows.push({ input, payload: input.payload ?? (await input.activity.toJsonLd()) });
  }
  const recorded = await trx
    .insertInto("activities")
    .values((eb) =>
      rows.map(({ input, payload }) => {
        const { followers, actors } = input.recipients;
        const sender = input.activity.actorId?.href;
        return {
          uri: input.activity.id!.href,
          actor_id: input.actorId,
          type: activityType(payload),
          object_uri: input.activity.objectId?.href ?? null,
          payload: JSON.stringify(payload),
          recipients: JSON.stringify(input.recipients),
          public: input.isPublic,
          // Nothing to deliver (no one listed, and no follower yet, checked in this same
          // statement): marked handed off at once, so no hand-off runs for it.
          enqueued_at: actors.length > 0 || (followers && sender == null) ? null : !followers ? new Date() : unlessFollowed(eb, sender!),
        };
      }),
    )
    .returning("enqueued_at")
    .execute();
  if (recorded.some((r) => r.enqueued_at === null)) awaitingHandOff.add(trx);
  rows.forEach(({ input }, i) => {
    if (recorded[i]?.enqueued_at !== null) return; // nothing to deliver
    recentlyRecorded.set(input.activity.id!.href, input.activity);
    if (recentlyRecorded.size > RECENTLY_RECORDED_MAX) recentlyRecorded.delete(recentlyRecorded.keys().next().value!);
  });
}

/**
 * The rows {@link recordActivities} would insert, as one `select` (rows in this order) for
 * a caller's own statement that inserts them along with other rows: the same columns,
 * the same hand-off rule, decided in SQL. Columns: uri, actor_id, type, object_uri,
 * payload, recipients, public, enqueued_at.
 */
export async function activitiesToInsert(inputs: readonly ActivityToRecord[]): Promise<RawBuilder<unknown>> {
  const rows: RawBuilder<unknown>[] = [];
  for (const input of inputs) {
    if (!input.activity.id) throw new Error("an activity needs an id");
    const payload = input.payload ?? (await input.activity.toJsonLd());
    const { followers, actors } = input.recipients;
    const sender = input.activity.actorId?.href;
    const enqueuedAt =
      actors.length > 0 || (followers && sender == null)
        ? sql`null::timestamptz`
        : !followers
          ? sql`now()`
          : sql`case when exists (select 1 from follows where followee_uri = ${sender} and state = 'accepted') then null::timestamptz else now() end`;
    rows.push(
      sql`select ${input.activity.id.href}::text, ${input.actorId}::text, ${activityType(payload)}::text, ${input.activity.objectId?.href ?? null}::text,
        ${JSON.stringify(payload)}::text, ${JSON.stringify(input.recipients)}::text, ${input.isPublic}::boolean, ${enqueuedAt}`,
    );
  }
  return sql.join(rows, sql` union all `);
}

/** Now, unless `actor` has an accepted follower (then null: to be handed off). */
function unlessFollowed(eb: ExpressionBuilder<Schema, "activities">, actor: string) {
  return eb
    .case()
    .when(eb.exists(eb.selectFrom("follows").select("id").where("followee_uri", "=", actor).where("state", "=", "accepted")))
    .then(eb.cast<Date | null>(eb.val(null), "timestamptz"))
    .else(eb.cast<Date | null>(eb.val(new Date()), "timestamptz"))
    .end();
}

function activityType(payload: unknown): string {
  const t = (payload as { type?: unknown }).type;
  return typeof t === "string" ? t : "Activity";
}
