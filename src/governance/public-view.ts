import type { Effect } from "./kinds/types.ts";
import { advocatesOf, categoriesOf, tierCategory, type Decision, type IgnoredEvent, type ProposalState, type ProposalStatus, type RoundKind } from "./proposal/state.ts";
import type { AmendmentOutcome, Tier } from "./rules/graduated-consensus.ts";
import type { RoundRule, VoteChoice } from "./rules/types.ts";
import type { Tally } from "./tally.ts";
import type { ProposalTerms } from "./terms.ts";
import type { Instant } from "./time.ts";

/** A round as the public may see it. */
export interface RoundView {
  readonly id: string;
  readonly kind: RoundKind;
  readonly rule: RoundRule;
  readonly openedAt: Instant;
  readonly closesAt: Instant;
  readonly closedAt: Instant | null;
  /** Who has voted: public under either ballot. */
  readonly voters: readonly string[];
  /** How each voted, with reasons; null under a secret ballot. */
  readonly ballots: readonly { voter: string; choice: VoteChoice; reason: string | null; at: Instant }[] | null;
  /** The count, once the round has closed. */
  readonly result: Tally | null;
}

/** A grievance category as the public may see it. */
export interface CategoryView {
  readonly tier: Tier;
  readonly category: string;
  readonly label: string;
  readonly objections: number;
  /** Null under a secret ballot (objecting reveals a vote against). */
  readonly objectors: readonly string[] | null;
  readonly advocates: readonly string[];
  readonly sharedBy: number;
  readonly notSharedBy: number;
}

/** A JSON-ready view of a proposal that never reveals a secret ballot. */
export interface ProposalView {
  readonly id: string;
  readonly body: string;
  readonly kind: string;
  readonly title: string;
  readonly text: string;
  readonly payload: unknown;
  readonly author: string;
  readonly status: ProposalStatus;
  readonly stages: readonly { status: ProposalStatus; at: Instant }[];
  readonly ballot: "named" | "secret";
  readonly terms: ProposalTerms | null;
  readonly seconds: readonly string[];
  readonly tabledAt: Instant | null;
  readonly deliberationEndsAt: Instant | null;
  readonly votingOpenedAt: Instant | null;
  readonly stageEndsAt: Instant | null;
  readonly endedAt: Instant | null;
  readonly roll: readonly string[] | null;
  readonly rounds: readonly RoundView[];
  readonly graduated: {
    readonly tier: Tier | null;
    readonly categories: readonly CategoryView[];
    /** Objection texts; `member` is null under a secret ballot. */
    readonly objections: readonly { member: string | null; dealBreaker: boolean; category: string; text: string }[];
    readonly amendments: readonly {
      id: string;
      tier: Tier;
      category: string;
      author: string | null;
      text: string;
      outcome: AmendmentOutcome | null;
      round: string | null;
    }[];
  } | null;
  readonly decision: Decision | null;
  readonly effect: Effect | null;
  readonly effectiveAt: Instant | null;
  readonly implementation: ProposalState["implementation"];
  readonly withdrawal: ProposalState["withdrawal"];
  readonly ignored: readonly IgnoredEvent[];
}

/**
 * What anyone following the body may see of a proposal. Under a secret ballot only
 * eligibility (the roll) and who voted are public, never how: choices, reasons,
 * objectors, advocate ballots, who shares a grievance and who wrote an amendment are
 * left out, and a round's count is shown only once it has closed.
 */
export function publicView(state: ProposalState): ProposalView {
  const secret = state.terms?.ballot === "secret";
  const hide = <T>(value: T): T | null => (secret ? null : value);
  const g = state.graduated;
  const categories: CategoryView[] = [];
  if (g !== null) {
    for (const tier of ["minor", "deal-breaker"] as const) {
      for (const [category, { label, objectors }] of categoriesOf(g, tier)) {
        const agreements = [...(g.agreements.get(tierCategory(tier, category))?.values() ?? [])];
        categories.push({
          tier,
          category,
          label,
          objections: objectors.length,
          objectors: hide(objectors),
          advocates: advocatesOf(g, tier, category),
          sharedBy: agreements.filter(Boolean).length,
          notSharedBy: agreements.filter((a) => !a).length,
        });
      }
    }
  }
  return {
    id: state.id,
    body: state.body,
    kind: state.kind,
    title: state.title,
    text: state.text,
    payload: state.payload,
    author: state.author,
    status: state.status,
    stages: state.stages.map((s) => ({ ...s })),
    ballot: state.terms?.ballot ?? "named",
    terms: state.terms,
    seconds: [...state.seconds],
    tabledAt: state.tabledAt,
    deliberationEndsAt: state.deliberationEndsAt,
    votingOpenedAt: state.votingOpenedAt,
    stageEndsAt: state.stageEndsAt,
    endedAt: state.endedAt,
    roll: state.roll === null ? null : [...state.roll].sort(),
    rounds: [...state.rounds.values()].map((r) => ({
      id: r.id,
      kind: r.kind,
      rule: r.rule,
      openedAt: r.openedAt,
      closesAt: r.closesAt,
      closedAt: r.closedAt,
      voters: [...r.ballots.keys()].sort(),
      ballots: hide([...r.ballots.values()].map((b) => ({ ...b }))),
      result: r.result,
    })),
    graduated:
      g === null
        ? null
        : {
            tier: g.tier,
            categories,
            objections: [...g.objections.values()].map((o) => ({
              member: hide(o.member),
              dealBreaker: o.dealBreaker,
              category: o.category,
              text: o.text,
            })),
            amendments: [...g.amendments.values()].map((a) => ({
              id: a.id,
              tier: a.tier,
              category: a.category,
              author: hide(a.author),
              text: a.text,
              outcome: a.outcome,
              round: a.round,
            })),
          },
    decision: state.decision,
    effect: state.effect,
    effectiveAt: state.effectiveAt,
    implementation: state.implementation,
    withdrawal: state.withdrawal,
    ignored: state.ignored.map((i) => ({ ...i })),
  };
}
