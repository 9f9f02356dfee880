import { Create, Note, PUBLIC_COLLECTION, Update } from "@fedify/vocab";
import type { Transaction } from "kysely";
import { escapeHtml } from "../../shared/text.ts";
import type { AppContext } from "../../context.ts";
import type { ProposalDetail, RoundSummary } from "../../decisions/index.ts";
import type { Schema } from "../../store/schema.ts";
import { recordActivity, type DeliveryTarget } from "../../community/outbox.ts";
import { deliveryTargetFor } from "../../community/remote-actors.ts";
import { announceOnCommit } from "../../community/stream-events.ts";
import { toInstant } from "../../shared/time.ts";
import { activityUri, followersUri, isLocal, localActorId, noteUri } from "../../shared/uris.ts";
import { loadPublished, pollActivityJsonLd } from "../vocab/question.ts";

// Publishing proposals as `Question` polls: created when tabled, updated with a durable
// debounce (publishDueUpdates), closed with an outcome post (docs/federation.md, "Proposals").

/** Followers, plus every remote member on the roll (they may not follow the body). */
async function audienceOf(app: AppContext, detail: ProposalDetail): Promise<DeliveryTarget[]> {
  const targets: DeliveryTarget[] = [];
  for (const member of detail.view.roll ?? []) {
    if (isLocal(app.config.publicOrigin, member)) continue;
    const t = await deliveryTargetFor(app.db, member);
    if (t) targets.push(t);
  }
  return targets;
}

async function recordQuestion(
  trx: Transaction<Schema>,
  app: AppContext,
  detail: ProposalDetail,
  round: RoundSummary | null,
  verb: "create" | "update",
  targets: DeliveryTarget[],
): Promise<void> {
  const origin = app.config.publicOrigin;
  const bodyId = localActorId(origin, detail.body.uri)!;
  const Verb = verb === "create" ? Create : Update;
  const id = activityUri(origin);
  const { activity, payload } = await pollActivityJsonLd(
    app,
    detail,
    round,
    (question) => new Verb({ id, actor: new URL(detail.body.uri), object: question, to: PUBLIC_COLLECTION, cc: followersUri(origin, bodyId) }),
  );
  await recordActivity(trx, { actorId: bodyId, activity, payload, recipients: { followers: true, actors: targets }, isPublic: true });
}

function outcomeNote(app: AppContext, detail: ProposalDetail): Note {
  const origin = app.config.publicOrigin;
  const bodyId = localActorId(origin, detail.body.uri)!;
  const last = detail.rounds.at(-1);
  const counts = last?.counts
    ? Object.entries(last.counts)
        .map(([k, n]) => `${k} ${n}`)
        .join(", ")
    : "";
  const text =
    `<p><strong>${escapeHtml(detail.view.title)}</strong>: ${escapeHtml(detail.outcome ?? "")}.</p>` +
    (counts ? `<p>${escapeHtml(last?.reason ?? "")} (${escapeHtml(counts)}; ${last?.voters ?? 0} of ${last?.rollSize ?? 0} on the roll voted).</p>` : "") +
    `<p>Rule: ${escapeHtml(detail.ruleDescription ?? "")}. <a href="${escapeHtml(detail.url)}">The record</a></p>`;
  const id = crypto.randomUUID();
  return new Note({
    id: noteUri(origin, id),
    attribution: new URL(detail.body.uri),
    to: PUBLIC_COLLECTION,
    cc: followersUri(origin, bodyId),
    replyTarget: new URL(detail.uri),
    content: text,
    url: new URL(detail.url),
    published: toInstant(new Date()),
  });
}

/** Ballots change counts (debounced updates); every other event changes what the poll says. */
function changesStage(events: unknown[]): boolean {
  const quiet = new Set(["vote-cast", "advocate-vote-cast", "grievance-agreement-recorded"]);
  return events.some((e) => !quiet.has(String((e as { type?: unknown }).type)));
}

/** The polls worth refreshing: the proposal's own, and every round opened so far. */
function roundsToUpdate(detail: ProposalDetail): (RoundSummary | null)[] {
  return detail.rounds.length ? [...detail.rounds] : [null];
}

/**
 * The decisions hook: after each committed change to a proposal, tell the
 * network. Tabling creates the Question; new rounds create their polls; an
 * outcome closes the polls and posts the result; anything else marks the
 * proposal for a debounced `Update(Question)` ({@link publishDueUpdates}).
 */
export async function publishProposalChange(app: AppContext, change: { bodyId: string; proposalId: string; events: unknown[] }): Promise<void> {
  const now = new Date();
  if (!changesStage(change.events)) {
    // Ballots only: mark the poll for the debounced update, without rebuilding it now.
    const marked = await app.db
      .updateTable("proposal_publications")
      .set((eb) => ({ dirty_since: eb.fn.coalesce("dirty_since", eb.val(now)) }))
      .where("proposal_id", "=", change.proposalId)
      .where("outcome_posted_at", "is", null)
      .returning("proposal_id")
      .executeTakeFirst();
    if (marked) return;
  }
  const published = await loadPublished(app, change.proposalId);
  if (!published) return;
  const { ref, detail } = published;
  const targets = await audienceOf(app, detail);
  await app.db.transaction().execute(async (trx) => {
    const created = await trx
      .insertInto("proposal_publications")
      .values({ proposal_id: ref.id, created_at: now })
      .onConflict((oc) => oc.column("proposal_id").doNothing())
      .returning("proposal_id")
      .executeTakeFirst();
    if (created) await recordQuestion(trx, app, detail, detail.rounds[0] ?? null, "create", targets);
    for (const round of detail.rounds.slice(1)) {
      const fresh = await trx
        .insertInto("round_publications")
        .values({ proposal_id: ref.id, round_id: round.id, created_at: now })
        .onConflict((oc) => oc.columns(["proposal_id", "round_id"]).doNothing())
        .returning("round_id")
        .executeTakeFirst();
      if (fresh) await recordQuestion(trx, app, detail, round, "create", targets);
    }
    if (detail.outcome) {
      const closing = await trx
        .updateTable("proposal_publications")
        .set({ outcome_posted_at: now, dirty_since: null, updated_at: now })
        .where("proposal_id", "=", ref.id)
        .where("outcome_posted_at", "is", null)
        .returning("proposal_id")
        .executeTakeFirst();
      if (closing) {
        for (const round of detail.rounds) await recordQuestion(trx, app, detail, round, "update", targets);
        if (detail.rounds.length === 0) await recordQuestion(trx, app, detail, null, "update", targets);
        const note = outcomeNote(app, detail);
        await recordActivity(trx, {
          actorId: ref.bodyId,
          activity: new Create({ id: activityUri(app.config.publicOrigin), actor: new URL(detail.body.uri), object: note, to: PUBLIC_COLLECTION, ccs: note.ccIds }),
          recipients: { followers: true, actors: targets },
          isPublic: true,
        });
        await trx
          .insertInto("objects")
          .values({
            uri: note.id!.href,
            local_id: note.id!.pathname.split("/").at(-1)!,
            type: "Note",
            attributed_to: detail.body.uri,
            audience: detail.body.uri,
            in_reply_to: detail.uri,
            content: note.content?.toString() ?? "",
            url: detail.url,
            published: now,
          })
          .execute();
        await announceOnCommit(trx, { type: "status", uri: note.id!.href });
        return;
      }
    }
    if (!created && changesStage(change.events)) {
      // A new stage (voting opens, objections begin, ...) is news now, not in a minute.
      await trx.updateTable("proposal_publications").set({ dirty_since: null, updated_at: now }).where("proposal_id", "=", ref.id).execute();
      for (const round of roundsToUpdate(detail)) await recordQuestion(trx, app, detail, round, "update", targets);
    } else if (!created) {
      await trx
        .updateTable("proposal_publications")
        .set((eb) => ({ dirty_since: eb.fn.coalesce("dirty_since", eb.val(now)) }))
        .where("proposal_id", "=", ref.id)
        .where("outcome_posted_at", "is", null)
        .execute();
    }
  });
  app.deliveries.kick();
}

/**
 * Sends the `Update(Question)` of every proposal whose counts changed at least
 * `debounceMs` ago, once, even with several workers (Mastodon does the same,
 * three minutes after a vote).
 */
export async function publishDueUpdates(app: AppContext, debounceMs: number, now = new Date()): Promise<number> {
  const due = await app.db
    .updateTable("proposal_publications")
    .set({ dirty_since: null, updated_at: now })
    .where("dirty_since", "<=", new Date(now.getTime() - debounceMs))
    .returning("proposal_id")
    .execute();
  for (const { proposal_id } of due) {
    const published = await loadPublished(app, proposal_id);
    if (!published) continue;
    const { detail } = published;
    const targets = await audienceOf(app, detail);
    await app.db.transaction().execute(async (trx) => {
      for (const round of roundsToUpdate(detail)) await recordQuestion(trx, app, detail, round, "update", targets);
    });
  }
  if (due.length) app.deliveries.kick();
  return due.length;
}
