import { withFullPublicAddress } from "./public-address.ts";
import { type Activity, Collection, Note, PropertyValue, PUBLIC_COLLECTION, Question } from "@fedify/vocab";
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
  return pollOf(pollParts(app, detail, round), true);
}

/** A poll's parts: its text (names and contents) apart from the rest, in the order the poll lists them. */
interface PollParts {
  readonly init: ConstructorParameters<typeof Question>[0];
  readonly name: string;
  readonly content: string;
  readonly options: readonly { readonly name: string; readonly count: number }[];
  readonly attachments: readonly { readonly name: string; readonly value: string }[];
}

function pollParts(app: AppContext, detail: ProposalDetail, round: RoundSummary | null): PollParts {
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
  return {
    init: {
      id,
      attribution: bodyUri,
      audience: bodyUri,
      to: PUBLIC_COLLECTION,
      cc: followersUri(origin, bodyId),
      url: new URL(detail.url),
      replyTarget: id.href === detail.uri ? null : new URL(detail.uri),
      published: detail.view.tabledAt ? toInstant(new Date(detail.view.tabledAt)) : null,
      updated: toInstant(new Date()),
      endTime: round ? toInstant(new Date(round.closesAt)) : detail.view.stageEndsAt ? toInstant(new Date(detail.view.stageEndsAt)) : null,
      closed: closed ? toInstant(new Date(closed)) : null,
      voters: round?.voters ?? 0,
    },
    name: id.href === detail.uri ? detail.view.title : roundTitle(detail, round!),
    content: questionContent(detail, round),
    options: options.map((o) => ({ name: o.name, count: counts ? counts[o.choice] : 0 })),
    attachments: [
      { name: "Kind", value: detail.view.kind },
      { name: "Rule", value: detail.ruleDescription ?? "" },
      { name: "Stage", value: detail.view.status },
    ],
  };
}

/** The poll, with its text or without (see {@link pollActivityJsonLd}). */
function pollOf(parts: PollParts, withText: boolean): Question {
  const named = (name: string) => (withText ? { name } : {});
  return new Question({
    ...parts.init,
    ...(withText ? { name: parts.name, content: parts.content } : {}),
    exclusiveOptions: parts.options.map((o) => new Note({ ...named(o.name), replies: new Collection({ totalItems: o.count }) })),
    attachments: parts.attachments.map((a) => new PropertyValue({ ...named(a.name), value: a.value })),
  });
}

/**
 * `Create` or `Update` of a round's poll, and the same activity as compact JSON-LD: what
 * `activity.toJsonLd()` gives (test/integration/poll-json.test.ts checks they are equal), a
 * few milliseconds cheaper. Fedify compacts an object by its fast path unless it has a name,
 * content or summary (which may be language maps), and then runs the whole JSON-LD
 * compaction; a poll's are plain strings, which the fast path would write as they are. So
 * the poll is compacted without them and they are written in after. Every step of every
 * proposal publishes one or more polls.
 */
export async function pollActivityJsonLd(
  app: AppContext,
  detail: ProposalDetail,
  round: RoundSummary | null,
  activity: (question: Question) => Activity,
): Promise<{ activity: Activity; payload: Record<string, unknown> }> {
  const parts = pollParts(app, detail, round);
  const bare = activity(pollOf(parts, false));
  // The bare activity is thrown away: its JSON is ours to complete.
  const payload = (await bare.toJsonLd()) as Record<string, unknown>;
  const poll = payload.object as Record<string, unknown>;
  if (poll === null || typeof poll !== "object" || "name" in poll || "content" in poll) throw new Error("invariant: a poll compacted without its text");
  poll.name = parts.name;
  poll.content = parts.content;
  nameEach(poll.oneOf, parts.options);
  nameEach(poll.attachment, parts.attachments);
  return { activity: activity(pollOf(parts, true)), payload };
}

/** Names the compacted items (one object, or an array of them) in order. */
function nameEach(compacted: unknown, items: readonly { readonly name: string }[]): void {
  const list = items.length === 0 ? [] : items.length === 1 ? [compacted] : compacted;
  if (!Array.isArray(list) || list.length !== items.length) throw new Error("invariant: a poll's items compacted one for one");
  list.forEach((item, i) => {
    (item as Record<string, unknown>).name = items[i]!.name;
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
