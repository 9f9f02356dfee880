import { withFullPublicAddress } from "./public-address.ts";
import { Collection, Note, PropertyValue, PUBLIC_COLLECTION, Question } from "@fedify/vocab";
import { escapeHtml } from "../../shared/text.ts";
import type { AppContext } from "../../context.ts";
import { STATUS_WORDS } from "../../decisions/labels.ts";
import { findProposal, readProposal, voteOptions, type ProposalDetail, type ProposalRef, type RoundSummary } from "../../decisions/index.ts";
import { roundRuleOf, type Instant } from "../../governance/index.ts";
import { toInstant } from "../../shared/time.ts";
import { followersUri, localActorId } from "../../shared/uris.ts";
import { contextUrl } from "./context.ts";

// A proposal is a `Question`: a poll Mastodon shows and votes on, with a readable
// text. Each later round (a second temperature check, the final vote, each
// amendment, the contention re-vote) is a poll of its own, replying to the
// proposal, because Mastodon lets a person vote once per poll. The full state
// for other Folkmoot instances is in extension properties on the Question as
// served at its URL (docs/federation.md, "Proposals").

function when(i: Instant | null | undefined): string {
  return i ? `${new Date(i).toISOString().replace("T", " ").slice(0, 16)} UTC` : "";
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
    round && roundQuestionId(detail, round).href !== detail.uri
      ? `<p><strong>${escapeHtml(roundTitle(detail, round))}</strong></p>`
      : `<p><strong>${escapeHtml(v.title)}</strong></p>`,
    v.text
      ? v.text
          .split(/\n{2,}/)
          .map((p) => `<p>${escapeHtml(p).replace(/\n/g, "<br>")}</p>`)
          .join("")
      : "",
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
  // Before its first round opens (deliberation) the poll is shown closed, from the moment it
  // was tabled: Mastodon and snac offer a vote on a poll until `closed` (or else `endTime`),
  // and each lets a person vote once per poll, so a vote cast now would be refused here and
  // the voter could not vote again once voting opens. The Update that opens voting drops it.
  const closed = round ? (round.closedAt ?? (detail.outcome && !round.open ? detail.decidedAt : null)) : detail.outcome ? detail.decidedAt : (detail.view.tabledAt ?? null);
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
export async function loadPublished(app: AppContext, proposalId: string): Promise<{ ref: ProposalRef; detail: ProposalDetail } | null> {
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
  const json = withFullPublicAddress((await buildQuestion(app, detail, round).toJsonLd()) as Record<string, unknown>);
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
