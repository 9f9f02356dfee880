import { sql } from "kysely";
import type { Instance } from "../../src/instance.ts";

// Instead of sleeping a fixed time and then asserting that nothing happened, a test
// waits until every instance involved has nothing left to do: whatever would have
// happened has happened by then.

/** What an instance still has to do: recorded activities not yet queued, queued messages due or being handled. */
async function pendingWork(inst: Pick<Instance, "app" | "deliveriesIdle">): Promise<{ unqueued: number; queued: number }> {
  await inst.deliveriesIdle();
  // One statement, one snapshot. A message is deleted only once its handler is done
  // (src/store/message-queue.ts), so a leased row is one still in flight. Messages
  // delayed for a later retry (a peer that did not answer) are not waited for.
  const { rows } = await sql<{ unqueued: number; queued: number }>`
    select (select count(*)::int from activities where enqueued_at is null) as unqueued,
           (select count(*)::int from fedify_mq where deliver_at <= now() or leased_until > now()) as queued`.execute(inst.app.db);
  return rows[0] ?? { unqueued: 0, queued: 0 };
}

/**
 * Waits until the instances are idle: no activity waiting to be handed to the delivery
 * queue, no inbox or delivery message due or in flight, on every instance, for
 * `passes` checks in a row (an activity on its way from one instance to another is
 * always in someone's queue, but the checks of two instances are not one snapshot).
 * Fails after `timeoutMs`, saying what was still pending.
 */
export async function quiesce(
  instances: readonly Pick<Instance, "app" | "deliveriesIdle">[],
  opts: { timeoutMs?: number; passes?: number; intervalMs?: number } = {},
): Promise<void> {
  const { timeoutMs = 20_000, passes = 3, intervalMs = 50 } = opts;
  const deadline = Date.now() + timeoutMs;
  let idlePasses = 0;
  let last: { unqueued: number; queued: number }[] = [];
  for (;;) {
    last = await Promise.all(instances.map(pendingWork));
    idlePasses = last.every((w) => w.unqueued === 0 && w.queued === 0) ? idlePasses + 1 : 0;
    if (idlePasses >= passes) return;
    if (Date.now() > deadline) throw new Error(`not idle after ${timeoutMs} ms: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
