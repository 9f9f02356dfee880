import { Collection, Create, Mention, Note, PropertyValue, PUBLIC_COLLECTION, Question, Update, type Object as APObject } from "@fedify/vocab";
import type { Transaction } from "kysely";
import { escapeHtml } from "../shared/text.ts";
import type { AppContext } from "../context.ts";
import { STATUS_WORDS } from "../decisions/labels.ts";
import { castVoteAs, findProposal, readProposal, voteOptions, type ProposalDetail, type ProposalRef, type RoundSummary } from "../decisions/index.ts";
import { roundRuleOf, type Instant } from "../governance/index.ts";
import type { Schema } from "../store/schema.ts";
import { recordActivity, type DeliveryTarget } from "../community/outbox.ts";
import { deliveryTargetFor } from "../community/remote-actors.ts";
import { toInstant } from "../shared/time.ts";
import { InboundActivity, takeInThrough } from "../community/inbound.ts";
import { queueAnswer } from "./answers.ts";
import { activityUri, followersUri, isLocal, localActorId, noteUri } from "../shared/uris.ts";

// A proposal is a `Question`: a poll Mastodon shows and votes on, with a readable
// text. Each later round (a second temperature check, the final vote, each
// amendment, the contention re-vote) is a poll of its own, replying to the
// proposal, because Mastodon lets a person vote once per poll. The full state
// for other Folkmoot instances is in extension properties on the Question as
// served at its URL (docs/federation.md, "Proposals").

/** The vocabulary's namespace; the instance serves the JSON-LD context at {@link contextUrl}. */
export const FOLKMOOT_NS = "https://w3id.org/folkmoot#";
export const CONTEXT_PATH = "/ns/folkmoot";

export function contextUrl(origin: URL): URL {
  return new URL(CONTEXT_PATH, origin);
}

/** The JSON-LD context of Folkmoot's extension properties. */
export function contextDocument(): object {
  const json = (name: string) => ({ "@id": `fm:${name}`, "@type": "@json" });
  return {
    "@context": {
      fm: FOLKMOOT_NS,
      xsd: "http://www.w3.org/2001/XMLSchema#",
      proposalKind: "fm:proposalKind",
      stage: "fm:stage",
      round: "fm:round",
      decisionRule: json("decisionRule"),
      ruleDescription: "fm:ruleDescription",
      nextDeadline: { "@id": "fm:nextDeadline", "@type": "xsd:dateTime" },
      outcome: "fm:outcome",
      decidedAt: { "@id": "fm:decidedAt", "@type": "xsd:dateTime" },
      rounds: json("rounds"),
      proposalState: json("proposalState"),
      proposal: { "@id": "fm:proposal", "@type": "@id" },
      DecisionRecord: "fm:DecisionRecord",
      Mandate: "fm:Mandate",
      delegate: { "@id": "fm:delegate", "@type": "@id" },
      role: "fm:role",
      scope: "fm:scope",
      instructions: "fm:instructions",
      covers: "fm:covers",
      decidedBy: { "@id": "fm:decidedBy", "@type": "@id" },
      confederation: { "@id": "fm:confederation", "@type": "@id" },
      status: "fm:status",
      revokedAt: { "@id": "fm:revokedAt", "@type": "xsd:dateTime" },
      revokedBy: { "@id": "fm:revokedBy", "@type": "@id" },
      events: json("events"),
      // Confederation (docs/federation.md, "Confederation").
      Referral: "fm:Referral",
      Verdict: "fm:Verdict",
      kind: "fm:kind",
      topic: "fm:topic",
      proposer: { "@id": "fm:proposer", "@type": "@id" },
      mandate: json("mandate"),
      bodies: json("bodies"),
      rule: json("rule"),
      parent: json("parent"),
      admit: { "@id": "fm:admit", "@type": "@id" },
      decides: json("decides"),
      closed: { "@id": "fm:closed", "@type": "xsd:dateTime" },
      left: { "@id": "fm:left", "@type": "@id", "@container": "@set" },
      verdicts: json("verdicts"),
      tally: json("tally"),
      referral: { "@id": "fm:referral", "@type": "@id" },
      verdict: "fm:verdict",
    },
  };
}


function when(i: Instant | null | undefined): string {
  return i ? new Date(i).toISOString().replace("T", " ").slice(0, 16) + " UTC" : "";
}

/** The first round is the proposal's own poll; later rounds have their own ids. */
function roundQuestionId(detail: ProposalDetail, round: RoundSummary | null): URL {
  const first = detail.rounds[0];
  if (round === null || first === undefined || round.id === first.id) return new URL(detail.uri);
  return new URL(`${detail.uri}/rounds/${encodeURIComponent(round.id)}`);
}

function roundTitle(detail: ProposalDetail, round: RoundSummary): string {
  const title = detail.view.title;
  if (round.amendment) {
    const amendment = detail.view.graduated?.amendments.find((a) => a.id === round.amendment);
    return `Amendment to “${title}”${amendment ? `: ${amendment.text}` : ""}`;
  }
  const labels: Record<string, string> = {
    "temperature-2": "Second temperature check",
    final: "Final vote",
    contention: "Contention: do you still support",
  };
  return `${labels[round.kind] ?? labels[round.id] ?? "Vote"} on “${title}”`;
}

/** The readable text every fediverse client shows. */
function questionContent(detail: ProposalDetail, round: RoundSummary | null): string {
  const v = detail.view;
  const lines = [
    round && roundQuestionId(detail, round).href !== detail.uri ? `<p><strong>${escapeHtml(roundTitle(detail, round))}</strong></p>` : `<p><strong>${escapeHtml(v.title)}</strong></p>`,
    v.text ? v.text.split(/\n{2,}/).map((p) => `<p>${escapeHtml(p).replace(/\n/g, "<br>")}</p>`).join("") : "",
    `<p>Decided by ${escapeHtml(detail.ruleDescription ?? "the body's rule")}. Stage: ${escapeHtml(STATUS_WORDS[v.status] ?? v.status)}.` +
      (v.status === "deliberation" && v.deliberationEndsAt ? ` Voting opens ${escapeHtml(when(v.deliberationEndsAt))}.` : "") +
      (round?.open ? ` Voting closes ${escapeHtml(when(round.closesAt))}.` : "") +
      (detail.outcome ? ` Outcome: ${escapeHtml(detail.outcome)}.` : "") +
      `</p>`,
    `<p>Only members on the roll when voting opened are counted. <a href="${escapeHtml(detail.url)}">The full proposal, objections, amendments and history</a></p>`,
  ];
  return lines.join("");
}

/** The poll for one round (or, before voting, the proposal's own poll with its options to come). */
export function buildQuestion(app: AppContext, detail: ProposalDetail, round: RoundSummary | null): Question {
  const origin = app.config.publicOrigin;
  const bodyUri = new URL(detail.body.uri);
  const rule = round?.rule ?? (detail.rule ? roundRuleOf(detail.rule) : null);
  const options = rule ? voteOptions(rule) : [];
  const counts = round?.counts ?? null;
  const id = roundQuestionId(detail, round);
  const closed = round ? round.closedAt ?? (detail.outcome && !round.open ? detail.decidedAt : null) : detail.outcome ? detail.decidedAt : null;
  const bodyId = localActorId(origin, bodyUri)!;
  return new Question({
    id,
    attribution: bodyUri,
    audience: bodyUri,
    to: PUBLIC_COLLECTION,
    cc: followersUri(origin, bodyId),
    name: id.href === detail.uri ? detail.view.title : roundTitle(detail, round!),
    content: questionContent(detail, round),
    url: new URL(detail.url),
    replyTarget: id.href === detail.uri ? null : new URL(detail.uri),
    published: detail.view.tabledAt ? toInstant(new Date(detail.view.tabledAt)) : null,
    updated: toInstant(new Date()),
    exclusiveOptions: options.map((o) => new Note({ name: o.name, replies: new Collection({ totalItems: counts ? counts[o.choice] : 0 }) })),
    endTime: round ? toInstant(new Date(round.closesAt)) : detail.view.stageEndsAt ? toInstant(new Date(detail.view.stageEndsAt)) : null,
    closed: closed ? toInstant(new Date(closed)) : null,
    voters: round?.voters ?? 0,
    attachments: [
      new PropertyValue({ name: "Kind", value: detail.view.kind }),
      new PropertyValue({ name: "Rule", value: detail.ruleDescription ?? "" }),
      new PropertyValue({ name: "Stage", value: detail.view.status }),
    ],
  });
}

/** A published proposal (tabled or later) as the public sees it; null for a draft or an unknown id. */
async function loadPublished(app: AppContext, proposalId: string): Promise<{ ref: ProposalRef; detail: ProposalDetail } | null> {
  const ref = await findProposal(app, proposalId);
  if (!ref) return null;
  const read = await readProposal(app, null, ref.bodyHandle, ref.id);
  if (!read.ok || read.value.view.status === "draft") return null;
  return { ref, detail: read.value };
}

/** The Question as served at its URL: Mastodon's shape plus Folkmoot's full state. */
export async function questionDocument(app: AppContext, proposalId: string, roundId: string | null): Promise<object | null> {
  const published = await loadPublished(app, proposalId);
  if (!published) return null;
  const { detail } = published;
  const round = roundId === null ? (detail.rounds[0] ?? null) : (detail.rounds.find((r) => r.id === roundId) ?? null);
  if (roundId !== null && (round === null || round.id === detail.rounds[0]?.id)) return null;
  const json = (await buildQuestion(app, detail, round).toJsonLd()) as Record<string, unknown>;
  const context = Array.isArray(json["@context"]) ? json["@context"] : [json["@context"]];
  return {
    ...json,
    "@context": [...context, contextUrl(app.config.publicOrigin).href],
    proposalKind: detail.view.kind,
    stage: detail.view.status,
    ...(round ? { round: round.id } : {}),
    ...(roundId !== null ? { proposal: detail.uri } : {}),
    decisionRule: detail.rule,
    ruleDescription: detail.ruleDescription,
    nextDeadline: detail.nextDeadline,
    outcome: detail.outcome,
    decidedAt: detail.decidedAt,
    rounds: detail.rounds,
    proposalState: detail.view,
  };
}

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

async function recordQuestion(trx: Transaction<Schema>, app: AppContext, detail: ProposalDetail, question: Question, verb: "create" | "update", targets: DeliveryTarget[]): Promise<void> {
  const origin = app.config.publicOrigin;
  const bodyId = localActorId(origin, detail.body.uri)!;
  const Verb = verb === "create" ? Create : Update;
  await recordActivity(trx, {
    actorId: bodyId,
    activity: new Verb({ id: activityUri(origin), actor: new URL(detail.body.uri), object: question, to: PUBLIC_COLLECTION, cc: followersUri(origin, bodyId) }),
    recipients: { followers: true, actors: targets },
    isPublic: true,
  });
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
    if (created) await recordQuestion(trx, app, detail, buildQuestion(app, detail, detail.rounds[0] ?? null), "create", targets);
    for (const round of detail.rounds.slice(1)) {
      const fresh = await trx
        .insertInto("round_publications")
        .values({ proposal_id: ref.id, round_id: round.id, created_at: now })
        .onConflict((oc) => oc.columns(["proposal_id", "round_id"]).doNothing())
        .returning("round_id")
        .executeTakeFirst();
      if (fresh) await recordQuestion(trx, app, detail, buildQuestion(app, detail, round), "create", targets);
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
        for (const round of detail.rounds) await recordQuestion(trx, app, detail, buildQuestion(app, detail, round), "update", targets);
        if (detail.rounds.length === 0) await recordQuestion(trx, app, detail, buildQuestion(app, detail, null), "update", targets);
        const note = outcomeNote(app, detail);
        await recordActivity(trx, {
          actorId: ref.bodyId,
          activity: new Create({ id: activityUri(app.config.publicOrigin), actor: new URL(detail.body.uri), object: note, to: PUBLIC_COLLECTION, ccs: note.ccIds }),
          recipients: { followers: true, actors: targets },
          isPublic: true,
        });
        await trx
          .insertInto("objects")
          .values({ uri: note.id!.href, local_id: note.id!.pathname.split("/").at(-1)!, type: "Note", attributed_to: detail.body.uri, audience: detail.body.uri, in_reply_to: detail.uri, content: note.content?.toString() ?? "", url: detail.url, published: now })
          .execute();
        return;
      }
    }
    if (!created && changesStage(change.events)) {
      // A new stage (voting opens, objections begin, ...) is news now, not in a minute.
      await trx.updateTable("proposal_publications").set({ dirty_since: null, updated_at: now }).where("proposal_id", "=", ref.id).execute();
      for (const round of roundsToUpdate(detail)) await recordQuestion(trx, app, detail, buildQuestion(app, detail, round), "update", targets);
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
      for (const round of roundsToUpdate(detail)) await recordQuestion(trx, app, detail, buildQuestion(app, detail, round), "update", targets);
    });
  }
  if (due.length) app.deliveries.kick();
  return due.length;
}

/** Mastodon's vote: a `Note` with a `name` (the option), replying to the poll, with no content. */
export function isVote(note: APObject): boolean {
  return note instanceof Note && note.name !== null && note.replyTargetId !== null && !(note.content?.toString() ?? "").trim();
}

/** Which local proposal (and round) a poll URI names, if any. */
export function pollTarget(origin: URL, uri: URL): { proposalId: string; roundId: string | null } | null {
  if (uri.origin !== origin.origin) return null;
  const m = /^\/ap\/proposals\/([^/]+)(?:\/rounds\/([^/]+))?$/.exec(uri.pathname);
  if (!m?.[1]) return null;
  return { proposalId: decodeURIComponent(m[1]), roundId: m[2] ? decodeURIComponent(m[2]) : null };
}

/**
 * Counts a vote that arrived from another server if the voter is on the roll;
 * otherwise answers the voter with a short direct note saying why. A vote
 * delivered twice is taken in once.
 */
export async function receiveVote(app: AppContext, voteActivity: Create, note: Note): Promise<void> {
  const origin = app.config.publicOrigin;
  const target = pollTarget(origin, note.replyTargetId!);
  if (!target || !voteActivity.actorId || !voteActivity.id) return;
  const voter = voteActivity.actorId.href;
  const ref = await findProposal(app, target.proposalId);
  // A vote not counted is answered with why, in the transaction that took it in.
  const inbound = new InboundActivity({ activity: voteActivity.id.href, actor: voter, type: "Vote" }, async (trx, outcome) => {
    if (!outcome.ok && ref) await queueAnswer(trx, app, ref.bodyId, voter, note.id, `Your vote on “${ref.title}” was not counted: ${outcome.error.message}.`);
  });
  const result = await takeInThrough(app, inbound, (inbound) =>
    castVoteAs(app, { proposalId: target.proposalId, voterUri: voter, optionName: note.name!.toString(), ...(target.roundId ? { round: target.roundId } : {}) }, inbound),
  );
  if (result === null) return;
  if (result.ok) app.log.info({ proposal: target.proposalId, voter }, "remote vote counted");
  else app.log.info({ proposal: target.proposalId, voter, reason: result.error.message }, "remote vote not counted");
}
