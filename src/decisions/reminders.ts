import type { AppContext, BodyRef } from "../context.ts";
import type { RecordNotice } from "../community/notifications.ts";
import { notifyNotices } from "../community/notifications.ts";
import { loadRecord, lockBody, replayRecord } from "./record.ts";

// A vote closes soon and some members on its roll have not voted: they are reminded once,
// a day before it closes (in the app, and remote members by a mention from the body), for
// votes of at least two days; a shorter vote's "vote opened" notice already says when it
// closes. The reminder is a notice, not an event: the record does not change.

/** How long before a vote closes its reminder goes out. */
export const REMINDER_LEAD_MS = 24 * 3600_000;
/** Votes shorter than this get no reminder. */
export const REMINDED_VOTE_MIN_MS = 2 * REMINDER_LEAD_MS;

/**
 * Reminds the members who have not voted of every vote closing within a day of `now`, once
 * per proposal and closing time (`vote_reminders`), under the body's lock.
 *
 * @returns how many members were reminded.
 */
export async function remindOfClosingVotes(app: AppContext, now: Date = new Date(), opts: { limit?: number } = {}): Promise<number> {
  const soon = new Date(now.getTime() + REMINDER_LEAD_MS);
  const due = await app.db
    .selectFrom("proposals")
    .select(["proposals.id", "proposals.uri", "proposals.body_id", "proposals.next_deadline"])
    .where("proposals.status", "=", "voting")
    .where("proposals.next_deadline", ">", now)
    .where("proposals.next_deadline", "<=", soon)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom("vote_reminders")
            .select("vote_reminders.proposal_id")
            .whereRef("vote_reminders.proposal_id", "=", "proposals.id")
            .whereRef("vote_reminders.closes_at", "=", "proposals.next_deadline"),
        ),
      ),
    )
    .orderBy("proposals.next_deadline")
    .limit(opts.limit ?? 100)
    .execute();
  let reminded = 0;
  for (const row of due) {
    if (row.next_deadline === null) continue;
    const closesAt = new Date(row.next_deadline);
    reminded += await app.db.transaction().execute(async (trx) => {
      if (!(await lockBody(trx, row.body_id))) return 0;
      const taken = await trx
        .insertInto("vote_reminders")
        .values({ proposal_id: row.id, closes_at: closesAt })
        .onConflict((oc) => oc.doNothing())
        .returning("proposal_id")
        .executeTakeFirst();
      if (taken === undefined) return 0;
      const state = replayRecord(await loadRecord(app.db, trx, row.body_id));
      const p = state?.proposals.get(row.uri);
      if (!state || !p || p.status !== "voting" || !p.roll || !p.votingOpenedAt || !p.stageEndsAt) return 0;
      if (Date.parse(p.stageEndsAt) - Date.parse(p.votingOpenedAt) < REMINDED_VOTE_MIN_MS) return 0;
      const voted = new Set<string>();
      for (const id of p.openRounds) for (const voter of p.rounds.get(id)?.ballots.keys() ?? []) voted.add(voter);
      const notices: RecordNotice[] = [...p.roll]
        .filter((m) => !voted.has(m))
        .map((recipient) => ({ recipient, kind: "deadline-near", proposalUri: row.uri, title: p.title, detail: p.stageEndsAt! }));
      if (notices.length === 0) return 0;
      const body = (await trx.selectFrom("actors").select(["id", "handle", "kind", "name", "admission"]).where("id", "=", row.body_id).executeTakeFirst()) as BodyRef | undefined;
      if (!body) return 0;
      await notifyNotices(trx, app, body, notices);
      await app.decisions?.remind?.(trx, app, body, notices);
      return notices.length;
    });
  }
  return reminded;
}
