import type { ProposalDrafted, ProposalEvent } from "../events.ts";
import { kindDefinition } from "../kinds/index.ts";
import {
  afterAmendments,
  afterGrievances,
  afterObjections,
  afterVote,
  amendmentOutcome,
  amendmentRule,
  contentionHolds,
  CONTENTION_FLOOR,
  finalRule,
  temperatureRule,
  type GraduatedStep,
} from "../rules/graduated-consensus.ts";
import type { RoundRule, VoteChoice } from "../rules/types.ts";
import { roundRuleOf, tally } from "../tally.ts";
import { addDuration, type Instant } from "../time.ts";
import {
  acceptedAmendments,
  amendedPayload,
  categoriesOf,
  categoryKey,
  tierCategory,
  type GraduatedState,
  type ProposalState,
  type ProposalStatus,
  type Round,
  type RoundKind,
} from "./state.ts";

/** A fresh proposal from its draft event. */
export function draftState(e: ProposalDrafted): ProposalState {
  const requested: ProposalState["requested"] = {
    ...(e.rule !== undefined ? { rule: e.rule } : {}),
    ...(e.deliberationPeriod !== undefined ? { deliberationPeriod: e.deliberationPeriod } : {}),
    ...(e.votingPeriod !== undefined ? { votingPeriod: e.votingPeriod } : {}),
  };
  return {
    id: e.proposal,
    body: e.body,
    kind: e.kind,
    title: e.title,
    text: e.text,
    payload: e.payload,
    author: e.actor,
    draftedAt: e.at,
    requested,
    status: "draft",
    stages: [{ status: "draft", at: e.at }],
    seconds: [],
    terms: null,
    tabledAt: null,
    deliberationEndsAt: null,
    roll: null,
    votingOpenedAt: null,
    rounds: new Map(),
    openRounds: [],
    stageEndsAt: null,
    graduated: null,
    decision: null,
    effect: null,
    effectiveAt: null,
    implementation: null,
    withdrawal: null,
    endedAt: null,
    lastAt: e.at,
    ignored: [],
  };
}

/**
 * Applies an event already found valid by checkProposalEvent, mutating `s` (a state the
 * caller owns). All outcomes are derived here; events carry only inputs.
 */
export function applyInPlace(s: ProposalState, e: ProposalEvent): void {
  s.lastAt = e.at;
  switch (e.type) {
    case "proposal-drafted":
      return;
    case "proposal-seconded":
      s.seconds.push(e.actor);
      return;
    case "proposal-tabled":
      s.terms = e.terms;
      s.tabledAt = e.at;
      s.deliberationEndsAt = addDuration(e.at, e.terms.deliberationPeriod);
      s.stageEndsAt = s.deliberationEndsAt;
      moveTo(s, "deliberation", e.at);
      return;
    case "voting-opened":
      s.roll = new Set(e.roll);
      s.votingOpenedAt = e.at;
      if (terms(s).rule.kind === "graduated-consensus") {
        s.graduated = {
          tier: null,
          eligibleObjectors: new Set(),
          objections: new Map(),
          advocateBallots: new Map(),
          agreements: new Map(),
          amendments: new Map(),
          decidingRound: null,
        };
        openVote(s, "temperature-1", e.at);
      } else {
        openVote(s, "main", e.at);
      }
      return;
    case "vote-cast":
      castInPlace(s, e.round, e.actor, e.choice, e.reason ?? null, e.at);
      return;
    case "stage-ended":
      endStage(s, e.at);
      return;
    case "objection-recorded": {
      const g = graduated(s);
      const previous = g.objections.get(e.actor);
      const label = e.category.trim().replace(/\s+/g, " ");
      g.objections.set(e.actor, {
        member: e.actor,
        dealBreaker: e.dealBreaker,
        category: categoryKey(e.category),
        label,
        text: e.text,
        at: previous?.at ?? e.at,
      });
      return;
    }
    case "advocate-vote-cast": {
      const g = graduated(s);
      const key = tierCategory(tier(g), categoryKey(e.category));
      const ballots = g.advocateBallots.get(key) ?? new Map<string, string>();
      ballots.set(e.actor, e.candidate);
      g.advocateBallots.set(key, ballots);
      return;
    }
    case "grievance-agreement-recorded": {
      const g = graduated(s);
      const key = tierCategory(tier(g), categoryKey(e.category));
      const agreements = g.agreements.get(key) ?? new Map<string, boolean>();
      agreements.set(e.actor, e.shares);
      g.agreements.set(key, agreements);
      return;
    }
    case "amendment-proposed": {
      const g = graduated(s);
      g.amendments.set(e.amendment, {
        id: e.amendment,
        tier: tier(g),
        category: categoryKey(e.category),
        author: e.actor,
        text: e.text,
        ...("payload" in e ? { payload: e.payload } : {}),
        proposedAt: e.at,
        round: null,
        outcome: null,
      });
      return;
    }
    case "proposal-withdrawn":
      s.withdrawal = { at: e.at, reason: e.reason ?? null };
      closeOpenRounds(s, e.at);
      finish(s, "withdrawn", e.at);
      return;
    case "implementation-delegates-elected":
      s.implementation = { delegates: [...e.delegates], mandate: e.mandate, decision: e.by ?? e.decision ?? null, electedAt: e.at };
      return;
    case "implementation-completed":
      finish(s, "done", e.at);
      return;
  }
}

function terms(s: ProposalState): NonNullable<ProposalState["terms"]> {
  if (s.terms === null) throw new Error("invariant: a proposal past its draft has terms");
  return s.terms;
}

function graduated(s: ProposalState): GraduatedState {
  if (s.graduated === null) throw new Error("invariant: graduated-consensus state missing");
  return s.graduated;
}

function tier(g: GraduatedState): NonNullable<GraduatedState["tier"]> {
  if (g.tier === null) throw new Error("invariant: no grievance tier is open");
  return g.tier;
}

function moveTo(s: ProposalState, status: ProposalStatus, at: Instant): void {
  s.status = status;
  s.stages.push({ status, at });
}

function finish(s: ProposalState, status: ProposalStatus, at: Instant): void {
  moveTo(s, status, at);
  s.stageEndsAt = null;
  s.endedAt = at;
}

const ROUND_RULES: Record<Exclude<RoundKind, "main">, RoundRule> = {
  "temperature-1": temperatureRule,
  "temperature-2": temperatureRule,
  final: finalRule,
  amendment: amendmentRule,
  contention: { kind: "supermajority", fraction: CONTENTION_FLOOR },
};

function newRound(s: ProposalState, id: string, kind: RoundKind, at: Instant, closesAt: Instant, amendment: string | null): Round {
  const rule = terms(s).rule;
  const round: Round = {
    id,
    kind,
    rule: kind === "main" ? roundRuleOf(rule) : ROUND_RULES[kind],
    quorum: kind === "contention" ? null : terms(s).quorum,
    openedAt: at,
    closesAt,
    closedAt: null,
    ballots: new Map(),
    counts: { agree: 0, disagree: 0, abstain: 0, block: 0 },
    result: null,
    amendment,
  };
  s.rounds.set(id, round);
  s.openRounds.push(id);
  return round;
}

/** Opens a temperature check, the final vote or the main vote. */
function openVote(s: ProposalState, kind: "main" | "temperature-1" | "temperature-2" | "final", at: Instant): void {
  const closesAt = addDuration(at, terms(s).votingPeriod);
  newRound(s, kind, kind, at, closesAt, null);
  s.stageEndsAt = closesAt;
  moveTo(s, "voting", at);
}

function castInPlace(s: ProposalState, roundId: string, voter: string, choice: VoteChoice, reason: string | null, at: Instant): void {
  const round = s.rounds.get(roundId);
  if (round === undefined) throw new Error(`invariant: round ${roundId} exists`);
  const previous = round.ballots.get(voter);
  if (previous !== undefined) round.counts[previous.choice]--;
  round.ballots.set(voter, { voter, choice, reason, at });
  round.counts[choice]++;
  if (round.kind === "contention" && !contentionHolds(round.counts)) {
    // Support fell below half during contention: the decision is tabled at once.
    closeRound(s, round, at);
    finish(s, "tabled", at);
  }
}

function closeRound(s: ProposalState, round: Round, at: Instant): void {
  round.closedAt = at;
  round.result = tally(round.rule, s.roll ?? new Set<string>(), round.ballots.values(), round.quorum ?? 0, {
    deadline: round.closesAt,
  });
  s.openRounds = s.openRounds.filter((id) => id !== round.id);
}

function closeOpenRounds(s: ProposalState, at: Instant): Round[] {
  const rounds = s.openRounds.map((id) => s.rounds.get(id)).filter((r): r is Round => r !== undefined);
  for (const round of rounds) closeRound(s, round, at);
  return rounds;
}

function summary(g: GraduatedState): { minor: boolean; dealBreaker: boolean } {
  return { minor: categoriesOf(g, "minor").size > 0, dealBreaker: categoriesOf(g, "deal-breaker").size > 0 };
}

function endStage(s: ProposalState, at: Instant): void {
  switch (s.status) {
    case "voting": {
      const [round] = closeOpenRounds(s, at);
      if (round === undefined || round.result === null) throw new Error("invariant: voting has an open round");
      if (round.kind === "main") {
        decide(s, round, at);
        if (round.result.passed) carry(s, at);
        return;
      }
      const kind = round.kind as "temperature-1" | "temperature-2" | "final";
      const step = afterVote(kind, round.result.quorum.met, round.result.passed, summary(graduated(s)));
      if (step.to === "passed" || step.to === "rejected") decide(s, round, at);
      if (step.to === "objections") {
        const g = graduated(s);
        for (const b of round.ballots.values()) if (b.choice === "disagree") g.eligibleObjectors.add(b.voter);
      }
      follow(s, step, at);
      return;
    }
    case "objections":
      follow(s, afterObjections(summary(graduated(s))), at);
      return;
    case "grievances": {
      const g = graduated(s);
      const t = tier(g);
      const count = [...g.amendments.values()].filter((a) => a.tier === t).length;
      follow(s, afterGrievances(t, count), at);
      return;
    }
    case "amendment-voting": {
      const g = graduated(s);
      for (const round of closeOpenRounds(s, at)) {
        const amendment = round.amendment === null ? undefined : g.amendments.get(round.amendment);
        if (amendment === undefined || round.result === null) throw new Error("invariant: amendment round");
        amendment.outcome = amendmentOutcome(round.result.quorum.met, round.result.passed);
      }
      follow(s, afterAmendments(tier(g)), at);
      return;
    }
    case "contention": {
      const [round] = closeOpenRounds(s, at);
      if (round?.result?.passed) carry(s, at);
      else finish(s, "tabled", at);
      return;
    }
    default:
      throw new Error(`invariant: ${s.status} is not a timed stage`);
  }
}

function decide(s: ProposalState, round: Round, at: Instant): void {
  const result = round.result;
  if (result === null) throw new Error("invariant: decided rounds are tallied");
  s.decision = {
    outcome: result.passed ? "passed" : "rejected",
    reason: result.passed ? "threshold-met" : result.quorum.met ? "below-threshold" : "no-quorum",
    round: round.id,
    at,
    explanation: result.reason,
  };
  if (!result.passed) finish(s, "rejected", at);
}

/** Makes a passed decision binding: its effect, then implementing or passed. */
function carry(s: ProposalState, at: Instant): void {
  const kind = kindDefinition(s.kind);
  const payload = amendedPayload(s);
  s.effect = kind.effect({ body: s.body, proposal: s.id, text: s.text, payload, amendments: acceptedAmendments(s) });
  s.effectiveAt = at;
  if (kind.mandatesWork(payload)) {
    moveTo(s, "implementing", at);
    s.stageEndsAt = null;
  } else {
    finish(s, "passed", at);
  }
}

function follow(s: ProposalState, step: GraduatedStep, at: Instant): void {
  const g = graduated(s);
  const periods = terms(s).graduated;
  if (periods === null) throw new Error("invariant: graduated terms carry periods");
  switch (step.to) {
    case "rejected":
      return; // decide() already finished it
    case "passed": {
      // Contention: the deciding ballots stand and may be changed until the period ends.
      const deciding = lastClosedVote(s);
      g.decidingRound = deciding.id;
      const closesAt = addDuration(at, periods.contentionPeriod);
      const contention = newRound(s, "contention", "contention", at, closesAt, null);
      for (const b of deciding.ballots.values()) {
        contention.ballots.set(b.voter, b);
        contention.counts[b.choice]++;
      }
      s.stageEndsAt = closesAt;
      moveTo(s, "contention", at);
      return;
    }
    case "objections":
      s.stageEndsAt = addDuration(at, periods.objectionPeriod);
      moveTo(s, "objections", at);
      return;
    case "grievances":
      g.tier = step.tier;
      s.stageEndsAt = addDuration(at, periods.grievancePeriod);
      moveTo(s, "grievances", at);
      return;
    case "amendment-voting": {
      const closesAt = addDuration(at, terms(s).votingPeriod);
      for (const a of g.amendments.values()) {
        if (a.tier !== step.tier) continue;
        a.round = `amendment:${a.id}`;
        newRound(s, a.round, "amendment", at, closesAt, a.id);
      }
      s.stageEndsAt = closesAt;
      moveTo(s, "amendment-voting", at);
      return;
    }
    case "temperature-2":
    case "final":
      g.tier = null;
      openVote(s, step.to, at);
      return;
  }
}

function lastClosedVote(s: ProposalState): Round {
  const votes = [...s.rounds.values()].filter((r) => r.kind !== "amendment" && r.kind !== "contention" && r.closedAt !== null);
  const last = votes.at(-1);
  if (last === undefined) throw new Error("invariant: a passed proposal has a deciding vote");
  return last;
}
