import { findBody } from "../../community/actors.ts";
import type { InboundActivity } from "../../community/inbound.ts";
import { resolveMemberRef } from "../../community/memberships.ts";
import type { AppContext } from "../../context.ts";
import { draftProposal as coreDraftProposal, durationMs, isDecisionRule, type DecisionRule } from "../../governance/index.ts";
import type { Reason } from "../../shared/reasons.ts";
import { failWith, type Failure, type Result } from "../../shared/result.ts";
import { proposalUri } from "../../shared/uris.ts";
import { resolveAdoption } from "../adopt.ts";
import { newProposalId, PROPOSAL_ID_PATTERN, proposalIdFromUri } from "../ids.ts";
import { refusalToFailure } from "../refusals.ts";
import { runOnBody } from "../run.ts";
import type { ProposalDetail } from "../views.ts";
import { MAX_PROPOSAL_TEXT_LENGTH, MAX_TITLE_LENGTH } from "./limits.ts";
import { bodyRef, showing } from "./on-proposal.ts";
import { resolvePeople } from "./people.ts";

/**
 * Kinds a member may draft through the API. (`ratification` is drafted by the body itself
 * when its confederation refers a proposal to it.)
 */
export const DRAFTABLE_KINDS = ["policy", "bylaws", "membership", "delegation", "recall", "join", "leave", "adopt", "confederal"] as const;
export type DraftableKind = (typeof DRAFTABLE_KINDS)[number];

/** What a member writes to draft a proposal. */
export interface DraftRequest {
  kind: DraftableKind;
  title: string;
  text: string;
  /**
   * policy: `{ implementation?: boolean }`; bylaws: `{ bylaws }` (complete); membership: `{ member }` (a handle or URI);
   * delegation: `{ role, delegates, mandate, start, end, confederation?, implements? }` (`implements`, the decision's id or
   * URI, required for role `implementation-delegate`).
   */
  payload?: unknown;
  /** A stronger rule than the bylaws require. */
  rule?: DecisionRule;
  /** Longer periods than the bylaws' (ISO 8601 durations). */
  deliberationPeriod?: string;
  votingPeriod?: string;
}

/** Checks a draft's input before the core sees it, naming the field at fault. */
function checkDraft(input: DraftRequest): Failure | null {
  const field = (f: string, message: string, reason?: Reason): Failure => (reason ? { code: "invalid", message, field: f, reason } : { code: "invalid", message, field: f });
  if (!(DRAFTABLE_KINDS as readonly string[]).includes(input.kind)) return field("kind", `kind is one of ${DRAFTABLE_KINDS.join(", ")}`);
  if (typeof input.title !== "string" || input.title.trim() === "") return field("title", "a proposal needs a title", { code: "title-missing" });
  if (input.title.length > MAX_TITLE_LENGTH) return field("title", `a title has at most ${MAX_TITLE_LENGTH} characters`, { code: "too-long", params: { max: MAX_TITLE_LENGTH } });
  if (typeof input.text !== "string") return field("text", "a proposal needs a text");
  if (input.text.length > MAX_PROPOSAL_TEXT_LENGTH)
    return field("text", `a text has at most ${MAX_PROPOSAL_TEXT_LENGTH} characters`, { code: "too-long", params: { max: MAX_PROPOSAL_TEXT_LENGTH } });
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
export async function draftProposal(app: AppContext, actorUri: string, bodyHandle: string, input: DraftRequest, inbound?: InboundActivity): Promise<Result<ProposalDetail>> {
  const found = await findBody(app, bodyHandle);
  if (!found.ok) return found;
  const body = bodyRef(found.value);
  const problem = checkDraft(input);
  if (problem !== null) return { ok: false, error: problem };
  let payload = input.payload;
  if (input.kind === "membership") {
    const ref = (payload as { member?: unknown } | null | undefined)?.member;
    if (typeof ref !== "string" || ref.trim() === "")
      return failWith("invalid", "member-missing", "a membership proposal names the person to admit: { member }", { field: "payload.member" });
    const who = await resolveMemberRef(app, ref);
    if (!who.ok) return { ok: false, error: { ...who.error, field: "payload.member" } };
    if ((body.kind === "confederation") !== who.value.isGroup) {
      return body.kind === "confederation"
        ? failWith("invalid", "members-are-bodies", "the members of a confederation are bodies", { field: "payload.member" })
        : failWith("invalid", "members-are-people", `the members of ${body.handle} are people`, { field: "payload.member", params: { handle: body.handle } });
    }
    payload = { ...(payload as object), member: who.value.uri };
  }
  // Delegates and recalled delegates may be named by handle; the record holds their URIs.
  if (input.kind === "delegation") {
    const refs = (payload as { delegates?: unknown } | null | undefined)?.delegates;
    if (!Array.isArray(refs) || !refs.every((r) => typeof r === "string"))
      return failWith("invalid", "delegates-missing", "a delegation names its delegates: { delegates: [...] }", { field: "payload.delegates" });
    const people = await resolvePeople(app, refs as string[], "payload.delegates");
    if (!people.ok) return people;
    payload = { ...(payload as object), delegates: people.value };
  }
  // Implementation delegates name the carried decision they implement, by its id or URI; the record holds its URI.
  if (input.kind === "delegation" && (payload as { role?: unknown }).role === "implementation-delegate") {
    const ref = (payload as { implements?: unknown }).implements;
    if (typeof ref !== "string" || ref.trim() === "") {
      return failWith("invalid", "implements-missing", "implementation delegates implement a carried decision: name it in { implements } (its id or URL)", {
        field: "payload.implements",
      });
    }
    const origin = app.config.publicOrigin;
    const id = PROPOSAL_ID_PATTERN.test(ref) ? ref : proposalIdFromUri(origin, ref);
    if (id === null) return failWith("invalid", "implements-unknown", `${ref} is not a decision of this instance`, { field: "payload.implements" });
    payload = { ...(payload as object), implements: proposalUri(origin, id).href };
  }
  // A confederation (to join or leave, or where a confederal delegate acts) may be named by handle.
  if (
    input.kind === "join" ||
    input.kind === "leave" ||
    input.kind === "confederal" ||
    (input.kind === "delegation" && (payload as { confederation?: unknown } | null)?.confederation !== undefined)
  ) {
    const ref = (payload as { confederation?: unknown } | null | undefined)?.confederation;
    if (typeof ref !== "string" || ref.trim() === "")
      return failWith("invalid", "confederation-missing", "name the confederation: { confederation }", { field: "payload.confederation" });
    const conf = await resolveMemberRef(app, ref);
    if (!conf.ok) return { ok: false, error: { ...conf.error, field: "payload.confederation" } };
    if (!conf.value.isGroup) return failWith("invalid", "confederation-not-a-body", "a confederation is a body", { field: "payload.confederation" });
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
  return runOnBody(app, body, { found: true, ...(inbound ? { inbound } : {}) }, ({ body: state, now }) => {
    if (state === null)
      return { fail: { code: "forbidden", message: `${actorUri} is not a member of ${body.handle}`, reason: { code: "not-a-member", params: { handle: body.handle } } } };
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
      reason.code === "already-member" ? { code: "conflict", message: reason.message, field: "payload.member", refusal: reason.code } : refusalToFailure(reason),
    );
  });
}
