import { type Create, Note, type Object as APObject } from "@fedify/vocab";
import type { AppContext } from "../../context.ts";
import { castVoteAs, choiceForOption, findProposal } from "../../decisions/index.ts";
import { InboundActivity, takeInThrough } from "../../community/inbound.ts";
import { queueAnswer } from "../answers.ts";

// Mastodon's poll votes: a `Note` with a `name`, replying to a local proposal's poll.

/**
 * A poll vote as Mastodon recognises one: a `Note` replying to the poll whose `name` is one
 * of the poll's options, whatever its content (snac sends `content: "<br>"`). A named reply
 * with no content is a vote too, so a name that is no option is answered with why.
 */
export function isVote(note: APObject): boolean {
  if (!(note instanceof Note) || note.name === null || note.replyTargetId === null) return false;
  return !(note.content?.toString() ?? "").trim() || choiceForOption(note.name.toString()) !== null;
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
    if (!outcome.ok && ref) await queueAnswer(trx, app, ref.bodyId, voter, note.id, `Your vote on “${ref.title}” was not counted: ${outcome.error.message}.`, ref.id);
  });
  const result = await takeInThrough(app, inbound, (inbound) =>
    castVoteAs(app, { proposalId: target.proposalId, voterUri: voter, optionName: note.name!.toString(), ...(target.roundId ? { round: target.roundId } : {}) }, inbound),
  );
  if (result === null) return;
  if (result.ok) app.log.info({ proposal: target.proposalId, voter }, "remote vote counted");
  else app.log.info({ proposal: target.proposalId, voter, reason: result.error.message }, "remote vote not counted");
}
