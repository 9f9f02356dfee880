import type { AppContext } from "../context.ts";
import { advanceReferrals } from "../governance/index.ts";
import { remindOfClosingVotes } from "./reminders.ts";
import { runOnBody, nothing } from "./run.ts";

/** A proposal moved on by its deadline. */
export interface Transition {
  proposalId: string;
  /** Types of the events appended, in order. */
  events: string[];
}

/**
 * Moves on every proposal whose next deadline is at or before `now`: opens voting after
 * deliberation, ends stages, counts votes, carries decisions (see the core's `advance`).
 * Each proposal is advanced under its body's lock, so when several workers run at once
 * the transition happens once and the others find nothing due. Deadlines live in the
 * record and the `proposals` projection, so a restart loses none.
 *
 * @returns the proposals this call moved on (not those another worker moved first).
 */
export async function runDueDeadlines(app: AppContext, now: Date = new Date(), opts: { limit?: number } = {}): Promise<Transition[]> {
  const due = await app.db
    .selectFrom("proposals")
    .innerJoin("actors", "actors.id", "proposals.body_id")
    .select(["proposals.id as proposalId", "proposals.uri", "actors.id", "actors.handle", "actors.kind", "actors.name", "actors.admission"])
    .where("proposals.next_deadline", "<=", now)
    .orderBy("proposals.next_deadline")
    .limit(opts.limit ?? 100)
    .execute();
  const moved: Transition[] = [];
  for (const row of due) {
    // The runner applies passed deadlines before any command, so there is nothing else to
    // do; if nothing was due after all (another worker was first), the row is refreshed.
    const result = await runOnBody(app, row, { proposal: row.uri, now, refresh: true }, () => nothing((_after, appended) => appended.map((e) => e.type)));
    if (result.ok && result.value.length > 0) moved.push({ proposalId: row.proposalId, events: result.value });
  }
  await closeDueReferrals(app, now, opts.limit ?? 100);
  return moved;
}

/**
 * Confederations: closes every referral whose deadline has passed and tallies it (bodies
 * that sent no verdict abstain); the hook then sends the nested verdict, admits a body
 * whose admission was ratified, and publishes the outcome.
 */
async function closeDueReferrals(app: AppContext, now: Date, limit: number): Promise<void> {
  const due = await app.db
    .selectFrom("referrals")
    .innerJoin("actors", "actors.id", "referrals.body_id")
    .select(["actors.id", "actors.handle", "actors.kind", "actors.name", "actors.admission"])
    .where("referrals.closed_at", "is", null)
    .where("referrals.deadline", "<", now)
    .distinct()
    .limit(limit)
    .execute();
  for (const row of due) {
    const closed = await runOnBody(app, row, { now }, ({ body, now: at }) =>
      body === null ? nothing(() => 0) : { command: advanceReferrals(body, at), value: (_after, appended) => appended.length },
    );
    if (closed.ok && closed.value > 0) await app.decisions?.afterReferralsClosed?.(app, row);
  }
}

/** How often the timer looks for votes closing soon (reminders.ts): they are a day ahead, a minute is soon enough. */
const REMINDERS_EVERY_MS = 60_000;

/**
 * Runs {@link runDueDeadlines} every `intervalMs` (one run at a time) until stopped, and
 * {@link remindOfClosingVotes} every minute; `stop` waits for a run in progress. The timer
 * does not keep the process alive.
 */
export function startDeadlineTimer(app: AppContext, intervalMs = 1000): { stop(): Promise<void> } {
  let running: Promise<void> | null = null;
  let stopped = false;
  let remindedAt = 0;
  const timer = setInterval(() => {
    if (running !== null || stopped) return;
    const remind = Date.now() - remindedAt >= REMINDERS_EVERY_MS;
    if (remind) remindedAt = Date.now();
    running = runDueDeadlines(app)
      .then(async (moved) => {
        if (remind) {
          const reminded = await remindOfClosingVotes(app);
          if (reminded > 0) app.log.info({ reminded }, "members reminded of votes closing soon");
        }
        return moved;
      })
      .then(
        (moved) => {
          if (moved.length > 0) app.log.debug({ moved }, "deadlines passed");
        },
        (err: unknown) => app.log.error({ err }, "running due deadlines failed"),
      )
      .finally(() => {
        running = null;
      });
  }, intervalMs);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
