import type { InboundActivity } from "../../community/inbound.ts";
import { handleOf } from "../../community/remote-actors.ts";
import type { AppContext } from "../../context.ts";
import { failWith, type Result } from "../../shared/result.ts";
import { draftProposal } from "../commands/draft.ts";
import { electAdvocate, proposeAmendment, recordGrievanceAgreement, recordObjection } from "../commands/graduated.ts";
import { secondProposal, tableProposal } from "../commands/proposal.ts";
import { castVoteAs, type VoteReceipt } from "../commands/votes.ts";
import { findProposal, proposalByUri, readProposal, type ProposalRef } from "../read.ts";
import type { ProposalDetail } from "../views.ts";
import type { HashtagAct } from "./grammar.ts";

// Takes an act written as a post (see grammar.ts) for a member, whoever's server the post
// came from: the federation inbox calls it for a remote member's reply, the Mastodon client
// API for a local account's status. The outcome is a sentence for the member.

/** Where a post points: the proposal (and round, e.g. `amendment:<id>`) it replies to, or the body it mentions. */
export interface ActPlace {
  /** The proposal replied to, by short id or URI; null for a post that is not a reply to one. */
  proposal: string | null;
  round?: string | null;
  /** The body a `#propose` post mentions (its handle). */
  bodyHandle?: string | null;
}

/** An act taken: the sentence that confirms it (for the member, after their handle) and what it was on. */
export interface ActConfirmation {
  message: string;
  proposalId: string;
  proposalUri: string;
  title: string;
}

/**
 * Takes `act` for the member `actor` (an actor URI) at `place`. With `inbound` (the
 * federation inbox), the act is claimed once in its transaction and `inbound.after` sees
 * this function's outcome: the confirmation, or the refusal whose message says why. Call it
 * through `takeInThrough`, which answers the refusals found before any command ran.
 */
export async function takeHashtagAct(app: AppContext, actor: string, place: ActPlace, act: HashtagAct, inbound?: InboundActivity): Promise<Result<ActConfirmation>> {
  if (act.act === "propose") return propose(app, actor, place, act, inbound);
  if (place.proposal === null)
    return failWith("invalid", "act-needs-proposal", `reply to the proposal itself with #${act.act === "objection" ? "object" : act.act}`, {
      params: { word: act.act === "objection" ? "object" : act.act },
    });
  const ref = /^https?:\/\//.test(place.proposal) ? await proposalByUri(app, place.proposal) : await findProposal(app, place.proposal);
  if (ref === null) return failWith("not-found", "no-such-proposal", "there is no such proposal here");
  const on = `“${ref.title}”`;
  const confirm = (message: string): ActConfirmation => ({ message, proposalId: ref.id, proposalUri: ref.uri, title: ref.title });
  const mapped = <T>(message: (value: T) => string) => inbound?.withOutcome((o) => (o.ok ? { ok: true, value: confirm(message(o.value as T)) } : o));
  const run = async <T>(service: (inbound: InboundActivity | undefined) => Promise<Result<T>>, message: (value: T) => string): Promise<Result<ActConfirmation>> => {
    const result = await service(mapped(message));
    return result.ok ? { ok: true, value: confirm(message(result.value)) } : result;
  };
  switch (act.act) {
    case "vote": {
      let round = place.round ?? undefined;
      let what = on;
      if (act.amendment !== undefined) {
        const found = await amendmentRound(app, ref, act.amendment);
        if (!found.ok) return found;
        round = found.value;
        what = `amendment ${act.amendment} of ${on}`;
      } else if (round?.startsWith("amendment:")) what = `the amendment to ${on}`;
      const input = { proposalId: ref.id, voterUri: actor, choice: act.choice, ...(act.reason ? { reason: act.reason } : {}), ...(round ? { round } : {}) };
      return run(
        (inbound) => castVoteAs(app, input, inbound),
        (r: VoteReceipt) => `your vote (${r.choice}${r.reason ? ", with your reason" : ""}) is ${r.changed ? "changed" : "counted"} on ${what}`,
      );
    }
    case "objection":
      return run(
        (inbound) =>
          recordObjection(app, actor, ref.bodyHandle, ref.id, { category: act.category, dealBreaker: act.dealBreaker, ...(act.text ? { text: act.text } : {}) }, inbound),
        () => `your objection (${act.category}, ${act.dealBreaker ? "deal-breaker" : "not a deal-breaker"}) is recorded on ${on}`,
      );
    case "advocate-vote": {
      const candidateName = /^https?:\/\//.test(act.candidate) ? `@${await handleOf(app.db, act.candidate)}` : `@${act.candidate.replace(/^@/, "")}`;
      return run(
        (inbound) => electAdvocate(app, actor, ref.bodyHandle, ref.id, { category: act.category, candidate: act.candidate }, inbound),
        () => `your vote for ${candidateName} as advocate of “${act.category}” is recorded on ${on}`,
      );
    }
    case "grievance-agreement":
      return run(
        (inbound) => recordGrievanceAgreement(app, actor, ref.bodyHandle, ref.id, { category: act.category, shares: act.shares }, inbound),
        () => `it is recorded that you ${act.shares ? "share" : "do not share"} the grievance “${act.category}” on ${on}`,
      );
    case "amendment":
      return run(
        (inbound) => proposeAmendment(app, actor, ref.bodyHandle, ref.id, { text: act.text, ...(act.category ? { category: act.category } : {}) }, inbound),
        (r: { amendment: string; proposal: ProposalDetail }) => {
          const n = (r.proposal.view.graduated?.amendments.findIndex((a) => a.id === r.amendment) ?? -1) + 1;
          return `your amendment${n > 0 ? ` (number ${n})` : ""} to ${on} is recorded; everyone on the roll votes on it when amendment voting opens`;
        },
      );
    case "second":
      return run(
        (inbound) => secondProposal(app, actor, ref.bodyHandle, ref.id, inbound),
        () => `your second of ${on} is recorded`,
      );
  }
}

/** The round of the proposal's `n`-th amendment (1-based, in the order offered), if it is voted on. */
async function amendmentRound(app: AppContext, ref: ProposalRef, n: number): Promise<Result<string>> {
  const read = await readProposal(app, null, ref.bodyHandle, ref.id);
  if (!read.ok) return read;
  const amendments = read.value.view.graduated?.amendments ?? [];
  const a = amendments[n - 1];
  if (a === undefined)
    return amendments.length === 0
      ? failWith("not-found", "no-amendments", "this proposal has no amendments")
      : failWith("not-found", "no-such-amendment", `there is no amendment ${n} (there are ${amendments.length})`, { params: { n, count: amendments.length } });
  if (a.round === null) return failWith("conflict", "amendment-not-in-vote", `amendment ${n} is not being voted on now`, { params: { n } });
  return { ok: true, value: a.round };
}

/** `#propose`: drafts a policy proposal in the body the post mentions, and tables it. */
async function propose(app: AppContext, actor: string, place: ActPlace, act: HashtagAct & { act: "propose" }, inbound?: InboundActivity): Promise<Result<ActConfirmation>> {
  if (!place.bodyHandle) return failWith("invalid", "propose-needs-body", "mention the body you propose to, e.g. “@riverside #propose Title”");
  // The draft is claimed with the post; its confirmation waits for the tabling below.
  const drafted = await draftProposal(
    app,
    actor,
    place.bodyHandle,
    { kind: "policy", title: act.title, text: act.text },
    inbound?.withOutcome((o) => (o.ok ? null : o)),
  );
  if (!drafted.ok) return drafted;
  const p = drafted.value;
  const tabled = await tableProposal(app, actor, place.bodyHandle, p.id);
  const message = tabled.ok
    ? `your proposal “${p.view.title}” is tabled in @${place.bodyHandle}: ${p.url}`
    : `your proposal “${p.view.title}” is drafted in @${place.bodyHandle} but not tabled yet: ${tabled.error.message}. ${p.url}`;
  const confirmation: ActConfirmation = { message, proposalId: p.id, proposalUri: p.uri, title: p.view.title };
  if (inbound?.after !== undefined && inbound.state === "claimed") {
    const after = inbound.after;
    await app.db.transaction().execute((trx) => after(trx, { ok: true, value: confirmation }));
    app.deliveries.kick();
  }
  return { ok: true, value: confirmation };
}
