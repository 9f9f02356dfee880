import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { MessageQueue, MessageQueueDepth, MessageQueueEnqueueOptions, MessageQueueListenOptions } from "@fedify/fedify";
import { sql } from "kysely";
import type { Kysely } from "kysely";
import type { Database, StoreLogger } from "./database.ts";
import { durationToMilliseconds } from "./kv-store.ts";

/** Options of {@link KyselyMessageQueue}. */
export interface KyselyMessageQueueOptions {
  /** Claim loops per `listen()` call (default 2); each handles one message at a time. */
  workers?: number;
  /** How long a claim lasts without renewal (default 60); renewed every third of it while the handler runs. */
  leaseSeconds?: number;
  /** Fallback poll when no NOTIFY arrives (default 2000). */
  pollIntervalMs?: number;
  /** A handler running longer is abandoned and its message retried (default 60000; 0 = never). */
  handlerTimeoutMs?: number;
  /** On abort, how long in-flight handlers may still finish before their messages are released (default 10000). */
  drainMs?: number;
  /** NOTIFY channel (default `fedify_mq`). */
  channel?: string;
  logger?: StoreLogger;
}

/** Milliseconds until the next delayed message or expiring lease, or null (SQL, shared by the claim's two answers). */
const NEXT_DUE_MS = sql`(select extract(epoch from (min(greatest(deliver_at, coalesce(leased_until, deliver_at))) - now())) * 1000
  from fedify_mq where greatest(deliver_at, coalesce(leased_until, deliver_at)) > now())`;

/** How long a worker with nothing else to do waits for the next message before deleting the one it handled alone. */
const ACK_WAIT_MS = 250;

/** Second key of our advisory locks (two-key form: its own lock space). */
const ADVISORY_LOCK_SPACE = 0x466d71; // "Fmq"

/** Retry delay after a handler failure, by the number of claims so far. */
function failureBackoffMs(attempts: number): number {
  return Math.min(300_000, 1000 * 2 ** Math.max(0, Math.min(attempts - 1, 20)));
}

const silentLogger: StoreLogger = { debug() {}, warn() {}, error() {} };

interface Claimed {
  id: string;
  message: unknown;
  attempts: number;
  /** Whether another message was due and claimable when this one was claimed. */
  moreReady: boolean;
  /** Whether a message with the same ordering key waits behind this one. */
  successor: boolean;
  /** Whether a message with the acked message's ordering key waits behind it (claimable now). */
  ackedSuccessor: boolean;
}

/** Nothing was claimable: sleep this long at most. */
interface Idle {
  message: undefined;
  sleepMs: number;
  /** Whether a message with the acked message's ordering key waits behind it (claimable now). */
  ackedSuccessor: boolean;
}

interface InFlight {
  id: string;
  /** Set once the lease was given back; the handler may still be running. */
  released: boolean;
  /** Set once acked or released after the handler finished. */
  done: boolean;
  /** Set once the handler succeeded and its message was deleted. */
  acked?: boolean;
  /** Set when the handler succeeded and its worker deletes the message with its next claim. */
  ackWithNextClaim?: boolean;
  stopHeartbeat(): void;
  /** Resolves when the handler finished and the message was acked or released. */
  settled: Promise<void>;
}

/**
 * Fedify's message queue in the `fedify_mq` table, on PostgreSQL or PGlite.
 *
 * Delivery is at least once: a worker claims a row with a lease (`FOR UPDATE
 * SKIP LOCKED`, so concurrent workers in any number of processes never take
 * the same row), renews the lease while its handler runs and deletes the row
 * only after the handler succeeded. A crashed worker's lease expires and the
 * message is handed out again; a failed handler's message comes back after a
 * backoff. Messages with an ordering key are handed out one at a time per key,
 * oldest first. `nativeRetrial` is false: Fedify re-enqueues its own retries.
 *
 * Stopping: abort the signal given to `listen()`. Workers stop claiming,
 * in-flight handlers get `drainMs` to finish, the leases of those that do not
 * are released for another worker, and then `listen()` resolves. It never
 * rejects; errors are logged and the loops go on.
 *
 * Processes that only enqueue (web) need no `listen()`.
 */
export class KyselyMessageQueue implements MessageQueue {
  readonly nativeRetrial = false;
  readonly #database: Database;
  readonly #db: Kysely<any>;
  readonly #workers: number;
  readonly #leaseMs: number;
  readonly #pollMs: number;
  readonly #handlerTimeoutMs: number;
  readonly #drainMs: number;
  readonly #channel: string;
  readonly #logger: StoreLogger;
  /** Lease owner name, for diagnostics and to release only our own leases. */
  readonly #owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  /** Tags this instance's notifications (see #payload). */
  readonly #tag = randomUUID().slice(0, 8);
  readonly #wakers = new Set<Waker>();
  readonly #inFlight = new Map<string, InFlight>();
  #subscription: Promise<(() => Promise<void>) | null> | null = null;
  /** Messages enqueued this turn of the event loop, inserted together by {@link #flush}. */
  #batch: { payload: string; orderingKey: string | null; delayMs: number; resolve(): void; reject(err: unknown): void }[] = [];

  constructor(database: Database, options: KyselyMessageQueueOptions = {}) {
    this.#database = database;
    this.#db = database.db as Kysely<any>;
    this.#workers = Math.max(1, Math.floor(options.workers ?? 2));
    this.#leaseMs = Math.max(100, (options.leaseSeconds ?? 60) * 1000);
    this.#pollMs = Math.max(10, options.pollIntervalMs ?? 2000);
    this.#handlerTimeoutMs = options.handlerTimeoutMs ?? 60_000;
    this.#drainMs = Math.max(0, options.drainMs ?? 10_000);
    this.#channel = options.channel ?? "fedify_mq";
    this.#logger = options.logger ?? silentLogger;
  }

  /**
   * Enqueues one message. Messages enqueued in the same turn of the event loop (Fedify
   * enqueues one per inbox when it fans an activity out with an ordering key) go in one
   * statement; each call resolves once its row is committed.
   */
  enqueue(message: any, options?: MessageQueueEnqueueOptions): Promise<void> {
    let row: { payload: string; orderingKey: string | null; delayMs: number };
    try {
      row = { payload: serialize(message), orderingKey: options?.orderingKey ?? null, delayMs: delayOf(options) };
    } catch (err) {
      return Promise.reject(err);
    }
    return new Promise<void>((resolve, reject) => {
      if (this.#batch.length === 0) queueMicrotask(() => void this.#flush());
      this.#batch.push({ ...row, resolve, reject });
    });
  }

  /** Inserts the messages enqueued this turn, 500 rows a statement; the NOTIFY is sent when they are committed. */
  async #flush(): Promise<void> {
    const batch = this.#batch;
    this.#batch = [];
    for (let i = 0; i < batch.length; i += 500) {
      const chunk = batch.slice(i, i + 500);
      const delayMs = Math.min(...chunk.map((r) => r.delayMs));
      const values = chunk.map((r) => sql`(${r.payload}::text::json, ${r.orderingKey}, now() + ${r.delayMs}::float8 * interval '1 millisecond')`);
      try {
        await sql`
          with inserted as (
            insert into fedify_mq (message, ordering_key, deliver_at) values ${sql.join(values)}
            returning id)
          select pg_notify(${this.#channel}, ${this.#payload(delayMs)}) where exists (select 1 from inserted)`.execute(this.#db);
        this.#wakeLocal(delayMs);
        for (const r of chunk) r.resolve();
      } catch (err) {
        for (const r of chunk) r.reject(err);
      }
    }
  }

  /** Enqueues all messages in one transaction: all or none. */
  async enqueueMany(messages: readonly any[], options?: MessageQueueEnqueueOptions): Promise<void> {
    if (messages.length === 0) return;
    const delayMs = delayOf(options);
    const key = options?.orderingKey ?? null;
    const payloads = messages.map(serialize);
    await this.#db.transaction().execute(async (trx) => {
      for (let i = 0; i < payloads.length; i += 500) {
        const rows = payloads.slice(i, i + 500).map((p) => sql`(${p}::text::json, ${key}, now() + ${delayMs}::float8 * interval '1 millisecond')`);
        await sql`insert into fedify_mq (message, ordering_key, deliver_at) values ${sql.join(rows)}`.execute(trx);
      }
      await sql`select pg_notify(${this.#channel}, ${this.#payload(delayMs)})`.execute(trx);
    });
    this.#wakeLocal(delayMs);
  }

  /** Messages not being handled right now: `ready` ones are due, `delayed` ones are not yet. */
  async getDepth(): Promise<MessageQueueDepth> {
    const { rows } = await sql<{ queued: number; ready: number; delayed: number }>`
      select count(*)::int as queued,
             (count(*) filter (where deliver_at <= now()))::int as ready,
             (count(*) filter (where deliver_at > now()))::int as delayed
      from fedify_mq where leased_until is null or leased_until <= now()`.execute(this.#db);
    const row = rows[0];
    return { queued: row?.queued ?? 0, ready: row?.ready ?? 0, delayed: row?.delayed ?? 0 };
  }

  /**
   * Runs `workers` claim loops until `options.signal` aborts, then drains (see
   * the class comment) and resolves. Never rejects.
   */
  async listen(handler: (message: any) => Promise<void> | void, options: MessageQueueListenOptions = {}): Promise<void> {
    const signal = options.signal ?? new AbortController().signal;
    if (signal.aborted) return;
    const waker = new Waker(this.#pollMs);
    const inFlight = new Map<string, InFlight>();
    this.#wakers.add(waker);
    try {
      await this.#subscribe();
      const workers = Array.from({ length: this.#workers }, () => this.#work(handler, signal, waker, inFlight));
      // allSettled: even a worker that died of a bug must not end listen() early.
      for (const result of await Promise.allSettled(workers)) {
        if (result.status === "rejected") this.#logger.error({ err: result.reason }, "queue worker crashed");
      }
      await this.#drain(inFlight);
    } catch (err) {
      this.#logger.error({ err }, "message queue listener failed");
    } finally {
      this.#wakers.delete(waker);
      waker.dispose();
      await this.#unsubscribeIfIdle().catch((err: unknown) => this.#logger.debug({ err }, "UNLISTEN failed"));
    }
  }

  /**
   * Gives back the leases of every message this instance is handling, so
   * other workers take them at once instead of after the lease expires.
   * `listen()` does this itself on abort after `drainMs`; call this only for an
   * emergency stop, since a handler that then still finishes has run twice.
   */
  async releaseAll(): Promise<number> {
    return await this.#releaseLeases([...this.#inFlight.values()]);
  }

  async #work(handler: (message: any) => Promise<void> | void, signal: AbortSignal, waker: Waker, inFlight: Map<string, InFlight>): Promise<void> {
    let failures = 0;
    const aborted = new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      else signal.addEventListener("abort", () => resolve(), { once: true });
    });
    // A handled message whose row is deleted by the next claim, in the same statement.
    let toAck: InFlight | null = null;
    while (!signal.aborted) {
      const seen = waker.generation;
      let claimed: Claimed | Idle;
      try {
        claimed = await this.#claim(toAck?.id ?? null);
        if (toAck) toAck.acked = true;
        toAck = null;
        failures = 0;
      } catch (err) {
        failures++;
        const backoff = Math.min(10_000, 100 * 2 ** Math.min(failures, 10));
        this.#logger.warn({ err, failures, retryInMs: backoff }, "claiming a queued message failed");
        await waker.wait(backoff, waker.generation, signal);
        continue;
      }
      if ("sleepMs" in claimed) {
        // The message just acked unblocked the next one with its ordering key: claim again.
        if (!claimed.ackedSuccessor) await waker.wait(claimed.sleepMs, seen, signal);
        continue;
      }
      // More are due (or the acked message unblocked its successor): another sleeping worker takes the next one.
      if (claimed.moreReady || claimed.ackedSuccessor) waker.wakeOne();
      if (signal.aborted) {
        // Claimed while stopping: give it straight back.
        await this.#releaseLeases([{ id: claimed.id, released: false, done: false, stopHeartbeat() {}, settled: Promise.resolve() }]);
        break;
      }
      const entry = this.#startHandling(handler, claimed, signal);
      inFlight.set(entry.id, entry);
      void entry.settled.then(() => inFlight.delete(entry.id));
      // On abort stop waiting; the handler goes on and is drained by listen().
      await Promise.race([entry.settled, aborted]);
      if (entry.ackWithNextClaim) {
        toAck = entry;
        // Nothing else was due and no message waits behind it by ordering key: wait for the
        // next message (an enqueue here, a NOTIFY) before deleting this one, so the delete
        // goes with that claim. A short while only (the row stays leased meanwhile, and
        // never past a third of the lease, which was renewed at least that recently).
        if (!claimed.moreReady && !claimed.successor) await waker.wait(Math.min(ACK_WAIT_MS, this.#pollMs, this.#leaseMs / 3), seen, signal);
      }
    }
    // Stopping with a handled message not deleted yet: delete it now.
    if (toAck) await this.#ack(toAck.id, toAck);
  }

  /**
   * Claims the oldest due message that is not leased and, if it has an
   * ordering key, has no older message with that key (queued, delayed or
   * leased). Row locks with SKIP LOCKED keep two workers off one row; the
   * advisory lock on the key, taken only for a key's head message, keeps two
   * statements from handing out the same key at the same moment.
   *
   * One statement either way: with the claimed message it tells whether another is
   * due now (so one more worker is woken, not all), and when none is claimable it
   * tells how long to sleep (until the next delayed message or expiring lease).
   *
   * `ackId`: the message this worker handled last, deleted in the same statement (see
   * {@link #ack}; the claim still sees it, so its successor by ordering key waits for the next claim).
   */
  async #claim(ackId: string | null): Promise<Claimed | Idle> {
    const { rows } = await sql<{
      id: string | null;
      message: string | null;
      attempts: number | null;
      more_ready: boolean | null;
      successor: boolean | null;
      sleep_ms: string | number | null;
      acked_successor: boolean | null;
    }>`
      with acked as (
        delete from fedify_mq where ${ackId}::bigint is not null and id = ${ackId}::bigint
        returning id, ordering_key),
      acked_next as (
        select exists (select 1 from fedify_mq o, acked where o.ordering_key = acked.ordering_key and o.id <> acked.id) as waiting),
      woken as (
        -- Other processes are woken only when a message with the same ordering key waits
        -- behind the acked one (this worker claims again at once itself).
        select pg_notify(${this.#channel}, ${this.#payload(0)}) as n from acked_next where waiting),
      claimed as (
        update fedify_mq
        set leased_until = now() + ${this.#leaseMs}::float8 * interval '1 millisecond',
            lease_owner = ${this.#owner},
            attempts = attempts + 1
        where id = (
          select m.id from fedify_mq m
          where m.deliver_at <= now()
            and (m.leased_until is null or m.leased_until <= now())
            and (m.ordering_key is null or case
                   when exists (select 1 from fedify_mq o where o.ordering_key = m.ordering_key and o.id < m.id)
                     then false
                   else pg_try_advisory_xact_lock(${ADVISORY_LOCK_SPACE}, hashtext(m.ordering_key))
                 end)
          order by m.deliver_at, m.id
          limit 1
          for update skip locked)
        returning id, message, attempts, ordering_key)
      select c.id::text as id, c.message::text as message, c.attempts,
             exists (
               select 1 from fedify_mq m
               where m.id <> c.id and m.deliver_at <= now()
                 and (m.leased_until is null or m.leased_until <= now())
                 and (m.ordering_key is null or not exists (
                   select 1 from fedify_mq o where o.ordering_key = m.ordering_key and o.id < m.id))) as more_ready,
             exists (select 1 from fedify_mq o where o.ordering_key = c.ordering_key and o.id > c.id) as successor,
             -- A worker that claimed does not sleep: the next due time (a scan of the queue) is asked only when nothing was claimable.
             null::numeric as sleep_ms,
             (select waiting from acked_next) and (select count(*) from woken) >= 0 as acked_successor
      from claimed c
      union all
      select null, null, null, null, null, ${NEXT_DUE_MS}, (select waiting from acked_next) and (select count(*) from woken) >= 0
      where not exists (select 1 from claimed)`.execute(this.#db);
    const row = rows[0];
    const ms = row?.sleep_ms == null ? Number.NaN : Number(row.sleep_ms);
    const sleepMs = Number.isFinite(ms) ? Math.min(this.#pollMs, Math.max(0, ms) + 5) : this.#pollMs;
    if (row == null || row.id == null || row.message == null) return { message: undefined, sleepMs, ackedSuccessor: row?.acked_successor === true };
    return {
      id: row.id,
      message: JSON.parse(row.message),
      attempts: row.attempts ?? 1,
      moreReady: row.more_ready === true,
      successor: row.successor === true,
      ackedSuccessor: row.acked_successor === true,
    };
  }

  /** Runs the handler; on success its worker deletes the message with its next claim, or (stopping) this does. */
  #startHandling(handler: (message: any) => Promise<void> | void, claimed: Claimed, signal: AbortSignal): InFlight {
    let renewing = false;
    const heartbeat = setInterval(() => {
      if (renewing) return;
      renewing = true;
      void this.#renew(claimed.id).then((held) => {
        renewing = false;
        if (!held) clearInterval(heartbeat); // lost for good: stop trying
      });
    }, this.#leaseMs / 3);
    const entry: InFlight = {
      id: claimed.id,
      released: false,
      done: false,
      stopHeartbeat: () => clearInterval(heartbeat),
      settled: Promise.resolve(),
    };
    this.#inFlight.set(entry.id, entry);
    entry.settled = (async () => {
      try {
        const outcome = await runWithTimeout(() => handler(claimed.message), this.#handlerTimeoutMs);
        entry.stopHeartbeat();
        if (outcome.ok) {
          // Acked even if the lease was given back meanwhile: it has been handled.
          if (signal.aborted) await this.#ack(claimed.id, entry);
          else entry.ackWithNextClaim = true;
        } else if (!entry.released) {
          const backoff = failureBackoffMs(claimed.attempts);
          this.#logger.error(
            { err: outcome.error, messageId: claimed.id, attempts: claimed.attempts, retryInMs: backoff },
            outcome.timedOut ? "message handler timed out; message will be retried" : "message handler failed; message will be retried",
          );
          await this.#retryLater(claimed.id, backoff);
        }
      } catch (err) {
        this.#logger.error({ err, messageId: claimed.id }, "message bookkeeping failed; the lease will expire");
      } finally {
        entry.done = true;
        entry.stopHeartbeat();
        if (this.#inFlight.get(entry.id) === entry) this.#inFlight.delete(entry.id);
        // No wake-up here: this worker claims again at once, the message an ack unblocks included.
      }
    })();
    return entry;
  }

  /** Extends a lease; false once it is no longer ours (expired and taken, or deleted). */
  async #renew(id: string): Promise<boolean> {
    try {
      const result = await sql`
        update fedify_mq set leased_until = now() + ${this.#leaseMs}::float8 * interval '1 millisecond'
        where id = ${id}::bigint and lease_owner = ${this.#owner}`.execute(this.#db);
      if ((result.numAffectedRows ?? 0n) > 0n) return true;
      this.#logger.warn({ messageId: id }, "lost the lease of a message being handled; it may be handled twice");
      return false;
    } catch (err) {
      this.#logger.warn({ err, messageId: id }, "renewing a message lease failed");
      return true; // transient: try again at the next beat
    }
  }

  /** Deletes a handled message, retrying briefly; if that fails the lease expires and it is redelivered. */
  async #ack(id: string, entry: InFlight): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        // One statement. Other processes are woken only when a message with the same
        // ordering key waits behind this one (this worker claims again at once itself).
        await sql`
          with acked as (delete from fedify_mq where id = ${id}::bigint returning ordering_key)
          select pg_notify(${this.#channel}, ${this.#payload(0)}) from acked
          where acked.ordering_key is not null
            and exists (select 1 from fedify_mq o where o.ordering_key = acked.ordering_key and o.id <> ${id}::bigint)`.execute(this.#db);
        entry.acked = true;
        return;
      } catch (err) {
        if (attempt >= 4 || entry.released) {
          this.#logger.error({ err, messageId: id }, "could not delete a handled message; it will be redelivered");
          return;
        }
        await sleep(200 * 2 ** attempt);
      }
    }
  }

  async #retryLater(id: string, backoffMs: number): Promise<void> {
    await sql`
      update fedify_mq
      set leased_until = null, lease_owner = null,
          deliver_at = greatest(deliver_at, now() + ${backoffMs}::float8 * interval '1 millisecond')
      where id = ${id}::bigint and lease_owner = ${this.#owner}`.execute(this.#db);
  }

  async #releaseLeases(entries: InFlight[]): Promise<number> {
    const pending = entries.filter((e) => !e.released);
    if (pending.length === 0) return 0;
    for (const entry of pending) {
      entry.released = true;
      entry.stopHeartbeat();
    }
    try {
      const ids = pending.map((e) => e.id);
      const result = await sql`
        update fedify_mq set leased_until = null, lease_owner = null
        where id = any(${ids}::bigint[]) and lease_owner = ${this.#owner}`.execute(this.#db);
      await this.#database.notify(this.#channel, "0").catch(() => {});
      return Number(result.numAffectedRows ?? 0n);
    } catch (err) {
      this.#logger.error({ err, messageIds: pending.map((e) => e.id) }, "could not release leases; they will expire");
      return 0;
    }
  }

  /** Waits up to `drainMs` for in-flight handlers, then releases the rest. */
  async #drain(inFlight: Map<string, InFlight>): Promise<void> {
    if (inFlight.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.#drainMs)));
    await Promise.race([Promise.all([...inFlight.values()].map((e) => e.settled)), timeout]);
    clearTimeout(timer);
    const leftover = [...inFlight.values()].filter((e) => !e.done);
    if (leftover.length === 0) return;
    this.#logger.warn({ messageIds: leftover.map((e) => e.id) }, "handlers still running at shutdown; releasing their messages for another worker");
    await this.#releaseLeases(leftover);
  }

  #wakeLocal(delayMs: number): void {
    for (const waker of this.#wakers) waker.wakeAt(Date.now() + delayMs);
  }

  /**
   * A notification's payload: the new message's delay in ms, and this instance's tag so
   * that it ignores its own (its workers were woken locally already). A plain number
   * (no tag) is accepted too and wakes every listener.
   */
  #payload(delayMs: number): string {
    return `${delayMs}:${this.#tag}`;
  }

  #onNotify = (payload: string): void => {
    const m = /^(\d{1,15})(?::([0-9a-f]{8}))?$/.exec(payload);
    const delayMs = m ? Number(m[1]) : Number.NaN;
    if (!Number.isSafeInteger(delayMs)) {
      this.#logger.debug({ payload: payload.slice(0, 100) }, "ignoring malformed queue notification");
      return;
    }
    if (m?.[2] === this.#tag) return; // our own: woken locally when it was sent
    this.#wakeLocal(delayMs);
  };

  async #subscribe(): Promise<void> {
    this.#subscription ??= this.#database.listen(this.#channel, this.#onNotify).catch((err: unknown) => {
      this.#logger.warn({ err }, "LISTEN failed; relying on polling");
      this.#subscription = null;
      return null;
    });
    await this.#subscription;
  }

  async #unsubscribeIfIdle(): Promise<void> {
    if (this.#wakers.size > 0 || this.#subscription == null) return;
    const subscription = this.#subscription;
    this.#subscription = null;
    const unsubscribe = await subscription;
    await unsubscribe?.();
  }
}

/**
 * Wakes the sleeping workers of one `listen()` call: on NOTIFY, on a local
 * enqueue or ack, at a scheduled time, or on abort. `generation` counts wake-ups
 * so a wake-up that arrives between a claim and the sleep is not missed.
 */
class Waker {
  generation = 0;
  readonly #maxScheduleMs: number;
  readonly #waiters = new Set<() => void>();
  #timer: NodeJS.Timeout | null = null;
  #timerAt = Number.POSITIVE_INFINITY;
  #disposed = false;

  constructor(maxScheduleMs: number) {
    this.#maxScheduleMs = maxScheduleMs;
  }

  /** Wakes every sleeping worker (stopping). */
  wake(): void {
    this.generation++;
    for (const waiter of [...this.#waiters]) waiter();
  }

  /**
   * Wakes one sleeping worker: one new message needs one claim. A worker that claims
   * and sees more due wakes the next ({@link Claimed.moreReady}); a worker between a
   * claim and its sleep sees the new generation and claims again.
   */
  wakeOne(): void {
    this.generation++;
    const first = this.#waiters.values().next();
    if (!first.done) first.value();
  }

  /** Wakes at `at` (epoch ms). Later than a poll interval away is left to the poll. */
  wakeAt(at: number): void {
    const inMs = at - Date.now();
    if (inMs <= 0) {
      this.wakeOne();
      return;
    }
    if (this.#disposed || inMs > this.#maxScheduleMs || at >= this.#timerAt) return;
    if (this.#timer != null) clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#timerAt = Number.POSITIVE_INFINITY;
      this.wakeOne();
    }, inMs + 5);
  }

  /** Sleeps `ms`, or less if woken after generation `seen` or aborted. */
  wait(ms: number, seen: number, signal: AbortSignal): Promise<void> {
    if (this.generation !== seen || signal.aborted || this.#disposed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#waiters.delete(done);
        signal.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#waiters.add(done);
      signal.addEventListener("abort", done, { once: true });
    });
  }

  dispose(): void {
    this.#disposed = true;
    if (this.#timer != null) clearTimeout(this.#timer);
    this.#timer = null;
    this.wake();
  }
}

type Outcome = { ok: true } | { ok: false; error: unknown; timedOut: boolean };

async function runWithTimeout(fn: () => Promise<void> | void, timeoutMs: number): Promise<Outcome> {
  const run = Promise.resolve()
    .then(fn)
    .then(
      (): Outcome => ({ ok: true }),
      (error: unknown): Outcome => ({ ok: false, error, timedOut: false }),
    );
  if (!(timeoutMs > 0) || !Number.isFinite(timeoutMs)) return await run;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Outcome>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, error: new Error(`handler did not finish within ${timeoutMs} ms`), timedOut: true }), timeoutMs);
  });
  try {
    return await Promise.race([run, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function delayOf(options?: MessageQueueEnqueueOptions): number {
  if (options?.delay == null) return 0;
  return Math.max(0, Math.round(durationToMilliseconds(options.delay)));
}

function serialize(message: unknown): string {
  const json = JSON.stringify(message);
  if (json === undefined) throw new TypeError("A queued message must be JSON-serialisable (got undefined)");
  return json;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
