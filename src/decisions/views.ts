import type { AppContext } from "../context.ts";
import { actorUri } from "../shared/uris.ts";
import {
  acceptedAmendments,
  amendedPayload,
  describeRule,
  nextDeadline,
  publicView,
  requiredTurnout,
  type BodyState,
  type ChoiceCounts,
  type Decision,
  type DecisionRule,
  type GovernanceEvent,
  type Instant,
  type ProposalState,
  type ProposalView,
  type Quorum,
  type RoundKind,
  type RoundRule,
  type TallyOutcome,
} from "../governance/index.ts";
import { proposalIdFromUri } from "./ids.ts";
import { outcomeOf, proposalPageUrl, ruleOf, type BodyRef, type Outcome } from "./projection.ts";

/** One round of voting, counted as far as the public may see. */
export interface RoundSummary {
  readonly id: string;
  readonly kind: RoundKind;
  readonly rule: RoundRule;
  readonly amendment: string | null;
  readonly open: boolean;
  readonly openedAt: Instant;
  readonly closesAt: Instant;
  readonly closedAt: Instant | null;
  readonly rollSize: number;
  /** How many on the roll have voted (public under either ballot). */
  readonly voters: number;
  /** Live counts under a named ballot; under a secret ballot only once closed. */
  readonly counts: ChoiceCounts | null;
  readonly quorum: { readonly required: number; readonly met: boolean } | null;
  readonly outcome: TallyOutcome | null;
  /** The tally's sentence, once closed. */
  readonly reason: string | null;
}

/** A proposal as the API and pages show it. */
export interface ProposalDetail {
  readonly id: string;
  readonly uri: string;
  readonly url: string;
  readonly body: { readonly handle: string; readonly uri: string };
  readonly rule: DecisionRule | null;
  readonly ruleDescription: string | null;
  readonly nextDeadline: Instant | null;
  readonly outcome: Outcome | null;
  readonly decidedAt: Instant | null;
  readonly rounds: readonly RoundSummary[];
  /** The full public state (secret ballots stay secret). */
  readonly view: ProposalView;
}

/** The counts of each round, hiding an open secret ballot's choices. */
export function roundSummaries(p: ProposalState): RoundSummary[] {
  const secret = p.terms?.ballot === "secret";
  const rollSize = p.roll?.size ?? 0;
  return [...p.rounds.values()].map((r) => {
    const result = r.result;
    let quorum: RoundSummary["quorum"] = null;
    if (result !== null) quorum = r.quorum === null ? null : result.quorum;
    else if (r.quorum !== null) {
      const required = requiredTurnout(r.quorum as Quorum, rollSize);
      quorum = { required, met: r.ballots.size >= required };
    }
    return {
      id: r.id,
      kind: r.kind,
      rule: r.rule,
      amendment: r.amendment,
      open: p.openRounds.includes(r.id),
      openedAt: r.openedAt,
      closesAt: r.closesAt,
      closedAt: r.closedAt,
      rollSize,
      voters: r.ballots.size,
      counts: result !== null ? { ...result.counts } : secret ? null : { ...r.counts },
      quorum,
      outcome: result?.outcome ?? null,
      reason: result?.reason ?? null,
    };
  });
}

/** The API's and pages' view of a proposal. */
export function proposalDetail(app: AppContext, body: BodyRef, state: BodyState | null, p: ProposalState): ProposalDetail {
  const origin = app.config.publicOrigin;
  const id = proposalIdFromUri(origin, p.id) ?? p.id;
  const ended = outcomeOf(p);
  const rule = ruleOf(p, state);
  return {
    id,
    uri: p.id,
    url: proposalPageUrl(origin, body.handle, id).href,
    body: { handle: body.handle, uri: actorUri(origin, body.id).href },
    rule,
    ruleDescription: rule === null ? null : describeRule(rule),
    nextDeadline: nextDeadline(p),
    outcome: ended?.outcome ?? null,
    decidedAt: ended?.at ?? null,
    rounds: roundSummaries(p),
    view: publicView(p),
  };
}

/** One decision in a body's register. */
export interface RegisterEntry {
  /** Order of decision, from 1. */
  readonly number: number;
  readonly id: string;
  readonly uri: string;
  readonly url: string;
  readonly kind: string;
  readonly title: string;
  readonly text: string;
  /** Friendly amendments accepted, in order: the decision is its text as amended by these. */
  readonly amendments: readonly string[];
  /** The structured part as finally adopted (e.g. new bylaws), if any. */
  readonly payload: unknown;
  readonly author: string;
  readonly rule: DecisionRule | null;
  readonly ruleDescription: string | null;
  readonly quorum: Quorum | null;
  readonly ballot: "named" | "secret";
  readonly outcome: Exclude<Outcome, "withdrawn">;
  readonly status: string;
  readonly decision: Decision | null;
  readonly draftedAt: Instant;
  readonly tabledAt: Instant | null;
  readonly votingOpenedAt: Instant | null;
  readonly decidedAt: Instant;
  readonly effectiveAt: Instant | null;
  readonly rounds: readonly RoundSummary[];
  readonly implementation: ProposalState["implementation"];
}

/** Every decided proposal of a body (passed, rejected or tabled; withdrawals are not decisions), newest first. */
export function register(app: AppContext, body: BodyRef, state: BodyState): RegisterEntry[] {
  const origin = app.config.publicOrigin;
  const decided: { p: ProposalState; outcome: Exclude<Outcome, "withdrawn">; at: Instant }[] = [];
  for (const p of state.proposals.values()) {
    const ended = outcomeOf(p);
    if (ended === null || ended.outcome === "withdrawn") continue;
    decided.push({ p, outcome: ended.outcome, at: ended.at });
  }
  decided.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  return decided
    .map(({ p, outcome, at }, i) => {
      const id = proposalIdFromUri(origin, p.id) ?? p.id;
      const rule = ruleOf(p, state);
      return {
        number: i + 1,
        id,
        uri: p.id,
        url: proposalPageUrl(origin, body.handle, id).href,
        kind: p.kind,
        title: p.title,
        text: p.text,
        amendments: acceptedAmendments(p),
        payload: amendedPayload(p) ?? null,
        author: p.author,
        rule,
        ruleDescription: rule === null ? null : describeRule(rule),
        quorum: p.terms?.quorum ?? null,
        ballot: p.terms?.ballot ?? "named",
        outcome,
        status: p.status,
        decision: p.decision,
        draftedAt: p.draftedAt,
        tabledAt: p.tabledAt,
        votingOpenedAt: p.votingOpenedAt,
        decidedAt: at,
        effectiveAt: p.effectiveAt,
        rounds: roundSummaries(p),
        implementation: p.implementation,
      };
    })
    .reverse();
}

/**
 * An event as the public may see it. Under a secret ballot, how anyone voted (and why),
 * who objected, who voted for an advocate, who shares a grievance and who offered an
 * amendment are left out; who voted stays public.
 */
export function redactEvent(event: GovernanceEvent, secret: boolean): Record<string, unknown> {
  if (!secret) return { ...event };
  switch (event.type) {
    case "vote-cast": {
      const { choice: _c, reason: _r, ...rest } = event;
      return rest;
    }
    case "objection-recorded":
    case "advocate-vote-cast":
    case "grievance-agreement-recorded":
    case "amendment-proposed": {
      const { actor: _a, ...rest } = event;
      return rest;
    }
    default:
      return { ...event };
  }
}
