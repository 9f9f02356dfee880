import { findBody } from "../../community/actors.ts";
import type { InboundActivity } from "../../community/inbound.ts";
import type { AppContext } from "../../context.ts";
import {
  castVote,
  choicesFor,
  voteOnAmendment as coreVoteOnAmendment,
  type BodyState,
  type CommandResult,
  type Instant,
  type ProposalState,
  type Refusal,
  type RoundRule,
  type VoteChoice,
} from "../../governance/index.ts";
import { failWith, type Failure, type Result } from "../../shared/result.ts";
import { findProposal, proposalByUri } from "../read.ts";
import { refusalToFailure } from "../refusals.ts";
import { runOnBody, type Step } from "../run.ts";
import { tooLong } from "./limits.ts";
import { onProposal } from "./on-proposal.ts";

// Votes: a member's through the API (in the round open now or on an amendment), and a
// remote member's arriving from federation (a Mastodon poll answer, say).

/** A counted ballot. */
export interface VoteReceipt {
  proposalId: string;
  proposalUri: string;
  bodyId: string;
  round: string;
  choice: VoteChoice;
  reason: string | null;
  at: Instant;
  /** True when it replaced an earlier ballot of the same voter in this round. */
  changed: boolean;
}

/** A vote's step, whose success is the receipt (shared with castVoteAs). */
export function voteStep(p: ProposalState, bodyId: string, actor: string, command: CommandResult, explain?: (r: Refusal) => Failure): Step<VoteReceipt> {
  const event = command.ok ? command.events.find((e) => e.type === "vote-cast") : undefined;
  return {
    command,
    value: () => {
      if (event?.type !== "vote-cast") throw new Error("invariant: a vote records a vote-cast event");
      return {
        proposalId: p.id.slice(p.id.lastIndexOf("/") + 1),
        proposalUri: p.id,
        bodyId,
        round: event.round,
        choice: event.choice,
        reason: event.reason ?? null,
        at: event.at,
        changed: p.rounds.get(event.round)?.ballots.has(actor) ?? false,
      };
    },
    fields: { "invalid-input": "reason" },
    ...(explain !== undefined ? { explain } : {}),
  };
}

/**
 * A member on the roll votes (or changes their vote) in the round open now, or in
 * `round` (e.g. `amendment:<id>`), with an optional reason.
 */
export function vote(
  app: AppContext,
  actor: string,
  bodyHandle: string,
  proposalId: string,
  input: { choice: VoteChoice; reason?: string; round?: string },
): Promise<Result<VoteReceipt>> {
  return onProposal(
    app,
    bodyHandle,
    proposalId,
    (p, { now, ref }) =>
      voteStep(
        p,
        ref.id,
        actor,
        castVote(
          p,
          { actor, choice: input.choice, ...(input.reason !== undefined ? { reason: input.reason } : {}), ...(input.round !== undefined ? { round: input.round } : {}) },
          now,
        ),
      ),
    input,
  );
}

/** Graduated consensus: a member on the roll votes on a friendly amendment. */
export function voteOnAmendment(
  app: AppContext,
  actor: string,
  bodyHandle: string,
  proposalId: string,
  amendmentId: string,
  input: { choice: VoteChoice; reason?: string },
): Promise<Result<VoteReceipt>> {
  return onProposal(
    app,
    bodyHandle,
    proposalId,
    (p, { now, ref }) =>
      voteStep(
        p,
        ref.id,
        actor,
        coreVoteOnAmendment(p, { actor, amendment: amendmentId, choice: input.choice, ...(input.reason !== undefined ? { reason: input.reason } : {}) }, now),
        (reason) =>
          reason.code === "unknown-round" ? { code: "not-found", message: reason.message, refusal: reason.code } : refusalToFailure(reason, { "invalid-input": "reason" }),
      ),
    input,
  );
}

const NAMES: Record<VoteChoice, string> = { agree: "Agree", disagree: "Disagree", abstain: "Abstain", block: "Block" };

/** The options of a round as a poll shows them: Agree, Disagree, Abstain (Stand aside under consensus), Block (consensus only). */
export function voteOptions(rule: RoundRule): { name: string; choice: VoteChoice }[] {
  return choicesFor(rule).map((choice) => ({ choice, name: rule.kind === "consensus" && choice === "abstain" ? "Stand aside" : NAMES[choice] }));
}

/** The choice a poll option names (case and spacing ignored; "Stand aside" is abstain), or null. */
export function choiceForOption(name: string): VoteChoice | null {
  const n = name.trim().replace(/\s+/g, " ").toLowerCase();
  if (n === "stand aside") return "abstain";
  for (const choice of Object.keys(NAMES) as VoteChoice[]) if (n === choice) return choice;
  return null;
}

/** What a remote voter is told when their vote does not count. */
function explainToVoter(reason: Refusal, p: ProposalState, body: BodyState, handle: string, voter: string): Failure {
  switch (reason.code) {
    case "not-on-roll":
      return {
        code: "forbidden",
        message: body.members.has(voter)
          ? `you joined @${handle} after voting opened, so you are not on the roll of this vote`
          : `you are not a member of @${handle}, so you are not on the roll of this vote`,
      };
    case "deadline-passed":
      return { code: "conflict", message: "voting on this has closed; your vote was not counted" };
    case "wrong-stage":
      return { code: "conflict", message: `this proposal is not open for voting (it is in ${p.status})` };
    case "already-voted":
      return { code: "conflict", message: "your vote was already counted" };
    case "invalid-choice":
      return { code: "invalid", message: "that is not an option in this vote", field: "choice" };
    case "not-a-voter":
      return { code: "forbidden", message: "only those who voted in the deciding vote may change their vote now" };
    case "unknown-round":
      return { code: "not-found", message: "there is no such vote on this proposal" };
    default:
      return refusalToFailure(reason);
  }
}

/** A vote arriving from federation: who, on what, and the option chosen. */
export interface RemoteVote {
  /** The proposal's short id or its URI. */
  proposalId: string;
  voterUri: string;
  /** The choice, or the option's name as a poll shows it (see {@link voteOptions}). */
  choice?: VoteChoice;
  optionName?: string;
  reason?: string;
  /** The round (e.g. `amendment:<id>`); defaults to the vote open now. */
  round?: string;
}

/**
 * Casts a vote for someone identified by their actor URI (a remote member voting from
 * Mastodon, say). Failures carry a message fit for a short direct reply to the voter,
 * e.g. "you are not a member of @riverside, so you are not on the roll of this vote".
 */
export async function castVoteAs(app: AppContext, input: RemoteVote, inbound?: InboundActivity): Promise<Result<VoteReceipt>> {
  const long = tooLong({ reason: input.reason });
  if (long !== null) return { ok: false, error: { ...long, message: `your reason is too long (${long.message})` } };
  const ref = /^https?:\/\//.test(input.proposalId) ? await proposalByUri(app, input.proposalId) : await findProposal(app, input.proposalId);
  if (ref === null) return failWith("not-found", "no-such-proposal", "there is no such proposal here");
  const choice = input.choice ?? (input.optionName !== undefined ? choiceForOption(input.optionName) : null);
  if (choice === null)
    return failWith("invalid", "not-an-option", `"${input.optionName ?? ""}" is not an option in this vote`, { field: "choice", params: { option: input.optionName ?? "" } });
  const body = await findBody(app, ref.bodyHandle);
  if (!body.ok) return failWith("not-found", "no-such-proposal", "there is no such proposal here");
  return runOnBody(app, body.value, { proposal: ref.uri, ...(inbound ? { inbound } : {}) }, ({ body: state, now }) => {
    const p = state?.proposals.get(ref.uri);
    if (state === null || p === undefined) return { fail: { code: "not-found", message: "there is no such proposal here", reason: { code: "no-such-proposal" } } };
    const command = castVote(
      p,
      {
        actor: input.voterUri,
        choice,
        ...(input.reason !== undefined ? { reason: input.reason } : {}),
        ...(input.round !== undefined ? { round: input.round } : {}),
      },
      now,
    );
    return voteStep(p, ref.bodyId, input.voterUri, command, (reason) => explainToVoter(reason, p, state, ref.bodyHandle, input.voterUri));
  });
}
