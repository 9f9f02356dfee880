import { findBody, type ActorRow } from "../community/actors.ts";
import { resolveMemberRef } from "../community/memberships.ts";
import { fail, ok, type Failure, type Result } from "../shared/result.ts";
import type { AppContext } from "../context.ts";
import { proposalUri } from "../shared/uris.ts";
import {
  castVote,
  completeImplementation as coreCompleteImplementation,
  draftProposal as coreDraftProposal,
  durationMs,
  electAdvocate as coreElectAdvocate,
  electImplementationDelegates as coreElectImplementationDelegates,
  isDecisionRule,
  object as coreObject,
  openVoting as coreOpenVoting,
  proposeAmendment as coreProposeAmendment,
  recordGrievanceAgreement as coreRecordGrievanceAgreement,
  secondProposal as coreSecondProposal,
  tableProposal as coreTableProposal,
  voteOnAmendment as coreVoteOnAmendment,
  withdraw as coreWithdraw,
  type BodyState,
  type CommandResult,
  type DecisionRule,
  type Instant,
  type ProposalState,
  type Refusal,
  type VoteChoice,
} from "../governance/index.ts";
import { resolveAdoption } from "./adopt.ts";
import { newAmendmentId, newProposalId, PROPOSAL_ID_PATTERN } from "./ids.ts";
import type { BodyRef } from "./projection.ts";
import { refusalToFailure, type FieldNames } from "./refusals.ts";
import type { InboundActivity } from "../community/inbound.ts";
import { runOnBody, type Step, type StepContext } from "./run.ts";
import { proposalDetail, type ProposalDetail } from "./views.ts";

/**
 * Kinds a member may draft through the API. (`ratification` is drafted by the body itself
 * when its confederation refers a proposal to it.)
 */
export const DRAFTABLE_KINDS = ["policy", "bylaws", "membership", "delegation", "recall", "join", "leave", "adopt", "confederal"] as const;
export type DraftableKind = (typeof DRAFTABLE_KINDS)[number];

export const MAX_TITLE_LENGTH = 200;
export const MAX_PROPOSAL_TEXT_LENGTH = 20_000;
export const MAX_REASON_LENGTH = 5_000;

/** What a member writes to draft a proposal. */
export interface DraftRequest {
  kind: DraftableKind;
  title: string;
  text: string;
  /** policy: `{ implementation?: boolean }`; bylaws: `{ bylaws }` (complete); membership: `{ member }` (a handle or URI). */
  payload?: unknown;
  /** A stronger rule than the bylaws require. */
  rule?: DecisionRule;
  /** Longer periods than the bylaws' (ISO 8601 durations). */
  deliberationPeriod?: string;
  votingPeriod?: string;
}

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

const bodyRef = (row: ActorRow): BodyRef => row;

function notFoundProposal(id: string, handle: string): Failure {
  return { code: "not-found", message: `no proposal ${id} in ${handle}` };
}

/** Resolves people named by handle (local or remote) to actor URIs; URIs are taken as given. */
async function resolvePeople(app: AppContext, refs: readonly string[], field: string): Promise<Result<string[]>> {
  const out: string[] = [];
  for (const ref of refs) {
    const trimmed = ref.trim();
    if (/^https?:\/\//.test(trimmed)) {
      out.push(trimmed);
      continue;
    }
    const who = await resolveMemberRef(app, trimmed);
    if (!who.ok) return fail(who.error.code, who.error.message, field);
    out.push(who.value.uri);
  }
  return ok(out);
}

/** Longest text accepted per input field (votes and objections may come from anywhere). */
export const MAX_LENGTH: Record<string, number> = {
  reason: MAX_REASON_LENGTH,
  category: 100,
  text: MAX_PROPOSAL_TEXT_LENGTH,
  mandate: MAX_PROPOSAL_TEXT_LENGTH,
  report: MAX_PROPOSAL_TEXT_LENGTH,
};

/** The first field of `input` longer than it may be, as a failure. */
export function tooLong(input: object | undefined): Failure | null {
  for (const [field, value] of Object.entries(input ?? {})) {
    const max = MAX_LENGTH[field];
    if (max !== undefined && typeof value === "string" && value.length > max) {
      return { code: "invalid", message: `${field} has at most ${max} characters`, field };
    }
  }
  return null;
}

/**
 * Runs a command about one proposal of a body: finds them, applies the proposal's passed
 * deadlines, then decides with `decide` (see runOnBody). `input` is checked for length.
 */
async function onProposal<T>(
  app: AppContext,
  bodyHandle: string,
  proposalId: string,
  decide: (p: ProposalState, ctx: StepContext & { body: BodyState; ref: BodyRef }) => Step<T>,
  input?: object,
  inbound?: InboundActivity,
): Promise<Result<T>> {
  const long = tooLong(input);
  if (long !== null) return { ok: false, error: long };
  const body = await findBody(app, bodyHandle);
  if (!body.ok) return body;
  if (!PROPOSAL_ID_PATTERN.test(proposalId)) return { ok: false, error: notFoundProposal(proposalId, body.value.handle) };
  const uri = proposalUri(app.config.publicOrigin, proposalId).href;
  return runOnBody(app, bodyRef(body.value), { proposal: uri, ...(inbound ? { inbound } : {}) }, (ctx) => {
    const p = ctx.body?.proposals.get(uri);
    if (ctx.body === null || p === undefined) return { fail: notFoundProposal(proposalId, body.value.handle) };
    return decide(p, { ...ctx, body: ctx.body, ref: bodyRef(body.value) });
  });
}

/** A step whose success is the proposal as it stands afterwards. */
function showing(app: AppContext, body: BodyRef, uri: string, command: CommandResult, fields?: FieldNames, explain?: (r: Refusal) => Failure): Step<ProposalDetail> {
  return {
    command,
    value: (after) => {
      const p = after?.proposals.get(uri);
      if (after === null || p === undefined) throw new Error("invariant: the proposal is in the record");
      return proposalDetail(app, body, after, p);
    },
    ...(fields !== undefined ? { fields } : {}),
    ...(explain !== undefined ? { explain } : {}),
  };
}

/** Checks a draft's input before the core sees it, naming the field at fault. */
function checkDraft(input: DraftRequest): Failure | null {
  const field = (f: string, message: string): Failure => ({ code: "invalid", message, field: f });
  if (!(DRAFTABLE_KINDS as readonly string[]).includes(input.kind)) return field("kind", `kind is one of ${DRAFTABLE_KINDS.join(", ")}`);
  if (typeof input.title !== "string" || input.title.trim() === "") return field("title", "a proposal needs a title");
  if (input.title.length > MAX_TITLE_LENGTH) return field("title", `a title has at most ${MAX_TITLE_LENGTH} characters`);
  if (typeof input.text !== "string") return field("text", "a proposal needs a text");
  if (input.text.length > MAX_PROPOSAL_TEXT_LENGTH) return field("text", `a text has at most ${MAX_PROPOSAL_TEXT_LENGTH} characters`);
  if (input.rule !== undefined && !isDecisionRule(input.rule)) return field("rule", "not a valid decision rule");
  for (const name of ["deliberationPeriod", "votingPeriod"] as const) {
    const period = input[name];
    if (period !== undefined && durationMs(period) === null) {
      return field(name, "must be a positive ISO 8601 duration in weeks, days, hours, minutes, seconds (e.g. P7D, PT48H)");
    }
  }
  return null;
}

/**
 * A member drafts a proposal in a body. For a `membership` proposal, `payload.member`
 * may be a local handle, a remote handle or an actor URI; it is recorded as the URI.
 */
export async function draftProposal(app: AppContext, actorUri: string, bodyHandle: string, input: DraftRequest): Promise<Result<ProposalDetail>> {
  const found = await findBody(app, bodyHandle);
  if (!found.ok) return found;
  const body = bodyRef(found.value);
  const problem = checkDraft(input);
  if (problem !== null) return { ok: false, error: problem };
  let payload = input.payload;
  if (input.kind === "membership") {
    const ref = (payload as { member?: unknown } | null | undefined)?.member;
    if (typeof ref !== "string" || ref.trim() === "") return fail("invalid", "a membership proposal names the person to admit: { member }", "payload.member");
    const who = await resolveMemberRef(app, ref);
    if (!who.ok) return fail(who.error.code, who.error.message, "payload.member");
    if ((body.kind === "confederation") !== who.value.isGroup) {
      return fail("invalid", body.kind === "confederation" ? "the members of a confederation are bodies" : `the members of ${body.handle} are people`, "payload.member");
    }
    payload = { ...(payload as object), member: who.value.uri };
  }
  // Delegates and recalled delegates may be named by handle; the record holds their URIs.
  if (input.kind === "delegation") {
    const refs = (payload as { delegates?: unknown } | null | undefined)?.delegates;
    if (!Array.isArray(refs) || !refs.every((r) => typeof r === "string")) return fail("invalid", "a delegation names its delegates: { delegates: [...] }", "payload.delegates");
    const people = await resolvePeople(app, refs as string[], "payload.delegates");
    if (!people.ok) return people;
    payload = { ...(payload as object), delegates: people.value };
  }
  // A confederation (to join or leave, or where a confederal delegate acts) may be named by handle.
  if (input.kind === "join" || input.kind === "leave" || input.kind === "confederal" || (input.kind === "delegation" && (payload as { confederation?: unknown } | null)?.confederation !== undefined)) {
    const ref = (payload as { confederation?: unknown } | null | undefined)?.confederation;
    if (typeof ref !== "string" || ref.trim() === "") return fail("invalid", "name the confederation: { confederation }", "payload.confederation");
    const conf = await resolveMemberRef(app, ref);
    if (!conf.ok) return fail(conf.error.code, conf.error.message, "payload.confederation");
    if (!conf.value.isGroup) return fail("invalid", "a confederation is a body", "payload.confederation");
    payload = { ...(payload as object), confederation: conf.value.uri };
  }
  if (input.kind === "recall") {
    const ref = (payload as { delegate?: unknown } | null | undefined)?.delegate;
    if (typeof ref === "string" && ref.trim() !== "") {
      const people = await resolvePeople(app, [ref], "payload.delegate");
      if (!people.ok) return people;
      payload = { ...(payload as object), delegate: people.value[0] };
    }
  }
  // Adopt: the decision adopted is named by its URL; the record holds its body, proposal, title and text (adopt.ts).
  if (input.kind === "adopt") {
    const adopted = await resolveAdoption(app, actorUri, body, payload);
    if (!adopted.ok) return adopted;
    payload = adopted.value;
  }
  const id = newProposalId();
  const uri = proposalUri(app.config.publicOrigin, id).href;
  return runOnBody(app, body, { found: true }, ({ body: state, now }) => {
    if (state === null) return { fail: { code: "forbidden", message: `${actorUri} is not a member of ${body.handle}` } };
    const command = coreDraftProposal(
      state,
      {
        proposal: uri,
        actor: actorUri,
        kind: input.kind,
        title: input.title.trim(),
        text: input.text,
        ...(payload !== undefined ? { payload } : {}),
        ...(input.rule !== undefined ? { rule: input.rule } : {}),
        ...(input.deliberationPeriod !== undefined ? { deliberationPeriod: input.deliberationPeriod } : {}),
        ...(input.votingPeriod !== undefined ? { votingPeriod: input.votingPeriod } : {}),
      },
      now,
    );
    return showing(app, body, uri, command, { "already-member": "payload.member" }, (reason) =>
      reason.code === "already-member" ? { code: "conflict", message: reason.message, field: "payload.member" } : refusalToFailure(reason),
    );
  });
}

/** Another member seconds a draft (when the bylaws ask for seconds). */
export function secondProposal(app: AppContext, actor: string, bodyHandle: string, proposalId: string): Promise<Result<ProposalDetail>> {
  return onProposal(app, bodyHandle, proposalId, (p, { body, now, ref }) =>
    showing(app, ref, p.id, coreSecondProposal(p, { actor, body }, now)),
  );
}

/** The author tables a draft: its terms are frozen and deliberation starts. */
export function tableProposal(app: AppContext, actor: string, bodyHandle: string, proposalId: string): Promise<Result<ProposalDetail>> {
  return onProposal(app, bodyHandle, proposalId, (p, { body, now, ref }) =>
    showing(app, ref, p.id, coreTableProposal(p, { actor, body }, now), undefined, (reason) =>
      // The bylaws became stricter than the draft asked for: the draft is what conflicts.
      reason.code === "rule-too-weak" || reason.code === "invalid-input" ? { code: "conflict", message: reason.message } : refusalToFailure(reason),
    ),
  );
}

/** A member opens voting once deliberation is over (the deadline opens it too), freezing the roll. */
export function openVoting(app: AppContext, actor: string, bodyHandle: string, proposalId: string): Promise<Result<ProposalDetail>> {
  return onProposal(app, bodyHandle, proposalId, (p, { body, now, ref }) =>
    showing(app, ref, p.id, coreOpenVoting(p, { actor, body }, now)),
  );
}

/** The author withdraws a proposal not yet decided. */
export function withdrawProposal(app: AppContext, actor: string, bodyHandle: string, proposalId: string, input: { reason?: string } = {}): Promise<Result<ProposalDetail>> {
  return onProposal(app, bodyHandle, proposalId, (p, { now, ref }) =>
    showing(app, ref, p.id, coreWithdraw(p, { actor, ...(input.reason !== undefined ? { reason: input.reason } : {}) }, now), {
      "invalid-input": "reason",
    }),
    input,
  );
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
  return onProposal(app, bodyHandle, proposalId, (p, { now, ref }) =>
    voteStep(p, ref.id, actor, castVote(p, { actor, choice: input.choice, ...(input.reason !== undefined ? { reason: input.reason } : {}), ...(input.round !== undefined ? { round: input.round } : {}) }, now)),
    input,
  );
}

/** Graduated consensus: someone who voted against qualifies the objection. */
export function recordObjection(
  app: AppContext,
  actor: string,
  bodyHandle: string,
  proposalId: string,
  input: { category: string; dealBreaker: boolean; text?: string },
  inbound?: InboundActivity,
): Promise<Result<ProposalDetail>> {
  return onProposal(app, bodyHandle, proposalId, (p, { now, ref }) =>
    showing(
      app,
      ref,
      p.id,
      coreObject(p, { actor, dealBreaker: input.dealBreaker, category: input.category, ...(input.text !== undefined ? { text: input.text } : {}) }, now),
      { "invalid-input": "category" },
    ),
    input,
    inbound,
  );
}

/** Graduated consensus: an objector votes for the advocate of their category (a handle or URI of someone on the roll). */
export async function electAdvocate(
  app: AppContext,
  actor: string,
  bodyHandle: string,
  proposalId: string,
  input: { category: string; candidate: string },
  inbound?: InboundActivity,
): Promise<Result<ProposalDetail>> {
  const candidate = await resolvePeople(app, [input.candidate], "candidate");
  if (!candidate.ok) return candidate;
  return onProposal(app, bodyHandle, proposalId, (p, { now, ref }) =>
    showing(app, ref, p.id, coreElectAdvocate(p, { actor, category: input.category, candidate: candidate.value[0]! }, now)),
    input,
    inbound,
  );
}

/** Graduated consensus: a member on the roll says whether they share a grievance. */
export function recordGrievanceAgreement(
  app: AppContext,
  actor: string,
  bodyHandle: string,
  proposalId: string,
  input: { category: string; shares: boolean },
  inbound?: InboundActivity,
): Promise<Result<ProposalDetail>> {
  return onProposal(app, bodyHandle, proposalId, (p, { now, ref }) =>
    showing(app, ref, p.id, coreRecordGrievanceAgreement(p, { actor, category: input.category, shares: input.shares }, now)),
    input,
    inbound,
  );
}

/** Graduated consensus: an objector offers a friendly amendment; the result names it. */
export function proposeAmendment(
  app: AppContext,
  actor: string,
  bodyHandle: string,
  proposalId: string,
  input: { text: string; category?: string; payload?: unknown },
  inbound?: InboundActivity,
): Promise<Result<{ amendment: string; proposal: ProposalDetail }>> {
  const amendment = newAmendmentId();
  return onProposal(app, bodyHandle, proposalId, (p, { now, ref }) => {
    const command = coreProposeAmendment(
      p,
      {
        actor,
        amendment,
        text: input.text,
        ...(input.category !== undefined ? { category: input.category } : {}),
        ...("payload" in input && input.payload !== undefined ? { payload: input.payload } : {}),
      },
      now,
    );
    const shown = showing(app, ref, p.id, command, { "invalid-input": "text" });
    if ("fail" in shown) return shown;
    return { ...shown, value: (after, appended) => ({ amendment, proposal: shown.value(after, appended) }) };
  }, input, inbound);
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
  return onProposal(app, bodyHandle, proposalId, (p, { now, ref }) =>
    voteStep(
      p,
      ref.id,
      actor,
      coreVoteOnAmendment(p, { actor, amendment: amendmentId, choice: input.choice, ...(input.reason !== undefined ? { reason: input.reason } : {}) }, now),
      (reason) => (reason.code === "unknown-round" ? { code: "not-found", message: reason.message } : refusalToFailure(reason, { "invalid-input": "reason" })),
    ),
    input,
  );
}

/** Records the implementation delegates the body elected for a carried decision (handles or URIs of members). */
export async function electImplementationDelegates(
  app: AppContext,
  actor: string,
  bodyHandle: string,
  proposalId: string,
  input: { delegates: string[]; mandate: string },
): Promise<Result<ProposalDetail>> {
  const delegates = await resolvePeople(app, input.delegates, "delegates");
  if (!delegates.ok) return delegates;
  return onProposal(app, bodyHandle, proposalId, (p, { body, now, ref }) =>
    showing(app, ref, p.id, coreElectImplementationDelegates(p, { actor, delegates: delegates.value, mandate: input.mandate, body }, now), {
      "invalid-input": "delegates",
      "invalid-candidate": "delegates",
    }),
    input,
  );
}

/** An implementation delegate reports the work done. */
export function completeImplementation(app: AppContext, actor: string, bodyHandle: string, proposalId: string, input: { report?: string } = {}): Promise<Result<ProposalDetail>> {
  return onProposal(app, bodyHandle, proposalId, (p, { now, ref }) =>
    showing(app, ref, p.id, coreCompleteImplementation(p, { actor, ...(input.report !== undefined ? { report: input.report } : {}) }, now)),
    input,
  );
}
