import type { Transaction } from "kysely";
import type { Result } from "../shared/result.ts";
import type { AppContext } from "../context.ts";
import { faultPoint } from "../shared/faults.ts";
import { recordedForDelivery } from "./outbox.ts";
import type { Schema } from "../store/schema.ts";

// The one way an inbound activity changes state: its id is claimed in `inbox_log` in
// the same transaction as its effect (and as the answers it causes), so a crash before
// the commit leaves neither and the queue's redelivery applies both, and a redelivery
// after the commit finds the claim and does nothing. An activity that has an effect on
// several bodies (a referral reaching several member bodies) is claimed once per body.

type Db = Transaction<Schema>;

/** What identifies one taking-in of an activity. */
export interface InboundClaim {
  /** The activity's id. */
  readonly activity: string;
  /** Its (signature-verified) actor. */
  readonly actor: string;
  /** Its type, for the log (and the crash tests' fault point). */
  readonly type: string;
  /** The local body this claim is for, when the activity has an effect on several; "" otherwise. */
  readonly scope?: string;
}

/** Runs in the claiming transaction, after the effect, with its outcome: answers to the sender are queued here. */
export type AfterEffect = (trx: Db, outcome: Result<unknown>) => Promise<void>;

/**
 * An inbound activity on its way through a service. The service (through `runOnBody`, or
 * its own transaction) calls {@link InboundActivity.claimIn} first and
 * {@link InboundActivity.settle} last, both inside the transaction of its effect.
 */
export class InboundActivity {
  // Shared with the views `withEffect` makes, so the adapter sees what the service's claim did.
  #taken: { state: "pending" | "claimed" | "duplicate" };

  readonly claim: InboundClaim;
  readonly after: AfterEffect | undefined;

  constructor(claim: InboundClaim, after?: AfterEffect) {
    this.claim = claim;
    this.after = after;
    this.#taken = { state: "pending" };
  }

  /** pending: no transaction took it yet; claimed: taken in now; duplicate: taken in before. */
  get state(): "pending" | "claimed" | "duplicate" {
    return this.#taken.state;
  }

  /**
   * The same activity (one claim, one state) with `effect` run first in the claiming
   * transaction: a service's own writes, before the answers the adapter queues.
   */
  withEffect(effect: AfterEffect): InboundActivity {
    const after = this.after;
    const view = new InboundActivity(this.claim, async (trx, outcome) => {
      await effect(trx, outcome);
      await after?.(trx, outcome);
    });
    view.#taken = this.#taken;
    return view;
  }

  /**
   * The same activity (one claim, one state) whose answers see `map(outcome)` instead: a
   * service that runs another service turns its outcome into its own. `null` answers nothing
   * now (the service answers later itself, through `after`).
   */
  withOutcome(map: (outcome: Result<unknown>) => Result<unknown> | null): InboundActivity {
    const after = this.after;
    const view = new InboundActivity(this.claim, async (trx, outcome) => {
      const mapped = map(outcome);
      if (mapped !== null) await after?.(trx, mapped);
    });
    view.#taken = this.#taken;
    return view;
  }

  /** Claims the activity in `trx`; false when it was taken in before (then apply nothing). */
  async claimIn(trx: Db): Promise<boolean> {
    const row = await trx
      .insertInto("inbox_log")
      .values({ activity_uri: this.claim.activity, scope: this.claim.scope ?? "", actor_uri: this.claim.actor, type: this.claim.type })
      .onConflict((oc) => oc.columns(["activity_uri", "scope"]).doNothing())
      .returning("activity_uri")
      .executeTakeFirst();
    this.#taken.state = row === undefined ? "duplicate" : "claimed";
    return row !== undefined;
  }

  /** After the effect, in the same transaction: the answers, then (in crash tests only) a crash. */
  async settle(trx: Db, outcome: Result<unknown>): Promise<void> {
    await this.after?.(trx, outcome);
    faultPoint("inbound-before-commit", { type: this.claim.type, activity: this.claim.activity });
  }
}

/**
 * Applies `effect` for an inbound activity exactly once: claim and effect in one
 * transaction. Returns null for a duplicate.
 */
export async function takeInOnce<T>(app: AppContext, claim: InboundClaim, effect: (trx: Db) => Promise<T>): Promise<{ value: T } | null> {
  return takeInWith(app, new InboundActivity(claim), effect);
}

/** {@link takeInOnce} for an inbound activity that carries its own `after` step (run with the effect's value). */
export async function takeInWith<T>(app: AppContext, inbound: InboundActivity, effect: (trx: Db) => Promise<T>): Promise<{ value: T } | null> {
  const outcome = await claimAndSettle(app, inbound, async (trx) => ({ ok: true as const, value: await effect(trx) }));
  return outcome === null ? null : { value: (outcome as { value: T }).value };
}

/**
 * Takes in an activity whose effect a service applies (the service passes `inbound` to
 * `runOnBody`, which claims it in the command's transaction). When the service refuses
 * before opening a transaction (no such proposal, say), the claim commits here with the
 * `after` step alone, so the refusal is answered once. Returns null for a duplicate.
 */
export async function takeInThrough<T>(app: AppContext, inbound: InboundActivity, service: (inbound: InboundActivity) => Promise<Result<T>>): Promise<Result<T> | null> {
  const outcome = await service(inbound);
  if (inbound.state === "duplicate") return null;
  if (inbound.state === "claimed") return outcome;
  return claimAndSettle(app, inbound, async () => outcome);
}

/** The one transaction of a taking-in: claim, effect, answers; null for a duplicate. */
async function claimAndSettle<T>(app: AppContext, inbound: InboundActivity, effect: (trx: Db) => Promise<Result<T>>): Promise<Result<T> | null> {
  let handOff = false;
  const outcome = await app.db.transaction().execute(async (trx) => {
    if (!(await inbound.claimIn(trx))) return null;
    const result = await effect(trx);
    await inbound.settle(trx, result);
    handOff = recordedForDelivery(trx);
    return result;
  });
  if (outcome === null) app.log.debug({ activity: inbound.claim.activity, scope: inbound.claim.scope }, "duplicate activity ignored");
  else if (handOff) app.deliveries.kick();
  return outcome;
}

/**
 * Whether an activity was taken in before (any claim of it): a read outside any
 * transaction, to skip fetching what a duplicate would need. Only the claim in the
 * effect's transaction is authoritative.
 */
export async function takenInBefore(app: AppContext, activity: string): Promise<boolean> {
  return (await app.db.selectFrom("inbox_log").select("activity_uri").where("activity_uri", "=", activity).executeTakeFirst()) !== undefined;
}
