import { lookUpHandles, type ActorRow } from "../../community/actors.ts";
import { handleOf } from "../../community/remote-actors.ts";
import type { InboundActivity } from "../../community/inbound.ts";
import type { AppContext } from "../../context.ts";
import {
  applyBodyEvent,
  draftProposal,
  durationMs,
  referConfederal,
  tableProposal,
  type BodyState,
  type CommandResult,
  type Instant,
  type ReferralBody,
} from "../../governance/index.ts";
import type { Result } from "../../shared/result.ts";
import { newReferralUri, proposalUri } from "../../shared/uris.ts";
import { newProposalId } from "../ids.ts";
import { runOnBody, type Step } from "../run.ts";
import { memberBodies } from "./members.ts";

// A higher confederation refers a proposal to a local member body: the body puts a
// `ratification` before its members, or, a confederation itself, refers it down to its
// own member bodies (power stays at the base).

/** A referral as the adapter read it from the confederation's signed `Referral`. */
export interface ReceivedReferral {
  /** The confederation that refers it. */
  readonly confederation: string;
  /** The referral's URL. */
  readonly referral: string;
  readonly title: string;
  readonly text: string;
  readonly topic?: string;
  /** When verdicts are due. */
  readonly deadline: Instant;
  /** How members read the confederation's name (see {@link confederationName}), when already known. */
  readonly confederationName?: string;
}

/** How members read a confederation named in a ratification: its handle. */
export async function confederationName(app: AppContext, confederation: string): Promise<string> {
  return (await lookUpHandles(app, [confederation]))(confederation) ?? `@${await handleOf(app.db, confederation)}`;
}

/** The deadline a nested referral closes at: early enough for its verdict to reach the higher confederation. */
export function nestedDeadline(parentDeadline: Instant, now: Instant): Instant {
  const remaining = Date.parse(parentDeadline) - Date.parse(now);
  return new Date(Date.parse(now) + Math.max(1_000, Math.floor(remaining * 0.8))).toISOString();
}

/**
 * Periods for a ratification that end before the referral's deadline (with a tenth of the
 * time left as a margin for the verdict to travel): the bylaws' own when they fit, else
 * both shortened in proportion. Nothing requested when they fit.
 */
export function fitPeriods(deliberation: string, voting: string, deadline: Instant, now: Instant): { deliberationPeriod?: string; votingPeriod?: string } {
  const d = durationMs(deliberation) ?? 0;
  const v = durationMs(voting) ?? 0;
  const left = Date.parse(deadline) - Date.parse(now);
  const available = Math.floor(left * 0.9);
  if (d + v <= available || available < 2_000) return {};
  const dFit = Math.max(1_000, Math.floor((available * d) / (d + v)));
  const vFit = Math.max(1_000, available - dFit);
  const iso = (ms: number) => `PT${Math.floor(ms / 1000)}S`;
  return { deliberationPeriod: iso(dFit), votingPeriod: iso(vFit) };
}

/** Runs two commands as one: the second is decided on the state the first leads to. */
function andThen(state: BodyState, first: CommandResult, second: (s: BodyState) => CommandResult): CommandResult {
  if (!first.ok) return first;
  let s: BodyState | null = state;
  for (const e of first.events) s = applyBodyEvent(s, e);
  if (s === null) return first;
  const next = second(s);
  if (!next.ok) return next;
  return { ok: true, events: [...first.events, ...next.events], effects: [...first.effects, ...next.effects] };
}

/**
 * The local body `body` (on the referral's signed list) takes up a referral, if it decided
 * to join the confederation: a ratification tabled before its members, or a nested
 * referral to its own member bodies. Returns what decides its verdict (the proposal or
 * the nested referral).
 */
export async function takeUpReferral(app: AppContext, body: ActorRow, received: ReceivedReferral, inbound: InboundActivity): Promise<Result<string>> {
  const origin = app.config.publicOrigin;
  const { confederation, referral: url, title, text, deadline } = received;
  // The runner's decide step is synchronous: a local confederation's member list is read first.
  const childBodies: ReferralBody[] = body.kind === "confederation" ? await memberBodies(app, body.id) : [];
  // Members read the confederation by its handle, and the deadline in words (the referral is linked from the proposal's page).
  const named = body.kind === "confederation" ? "" : (received.confederationName ?? (await confederationName(app, confederation)));
  const due = new Date(Date.parse(deadline)).toISOString().slice(0, 16).replace("T", " ");
  return runOnBody(app, body, { inbound }, ({ body: state, now }): Step<string> => {
    if (state === null) return { fail: { code: "not-found", message: "no record" } };
    if (!state.confederations.has(confederation)) return { fail: { code: "forbidden", message: `${body.handle} has not decided to join ${confederation}` } };
    if (body.kind === "confederation") {
      const referral = newReferralUri(origin).href;
      return {
        command: referConfederal(
          state,
          {
            referral,
            actor: state.id,
            title,
            text,
            ...(received.topic !== undefined ? { topic: received.topic } : {}),
            bodies: childBodies,
            deadline: nestedDeadline(deadline, now),
            parent: { confederation, referral: url },
          },
          now,
        ),
        value: () => referral,
      };
    }
    const proposal = proposalUri(origin, newProposalId()).href;
    const drafted = draftProposal(
      state,
      {
        proposal,
        actor: state.id,
        kind: "ratification",
        title: `Ratify? ${title}`,
        ...fitPeriods(state.bylaws.deliberationPeriod, state.bylaws.votingPeriod, deadline, now),
        text: `Referred by the confederation ${named}; verdicts are due by ${due} UTC.\n\n${text.replace(/<[^>]*>/g, "")}`,
        payload: { confederation, referral: url, proposalUri: url },
      },
      now,
    );
    return {
      command: andThen(state, drafted, (s) => {
        const p = s.proposals.get(proposal);
        return p ? tableProposal(p, { actor: s.id, body: s }, now) : drafted;
      }),
      value: () => proposal,
    };
  });
}
