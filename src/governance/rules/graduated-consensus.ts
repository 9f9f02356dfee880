import { fraction, meets } from "../fraction.ts";
import type { ChoiceCounts, RoundRule } from "./types.ts";

/**
 * Graduated consensus (seed 002, "Proposal Process"): thresholds and the order of
 * stages. The reducer in proposal/ applies these decisions to a proposal's state.
 *
 *   temperature check 1 ─ >= 90 % ─▶ passed
 *        │ otherwise
 *   objections: those who voted against mark deal-breaker or not, and a category
 *        │
 *   grievances (not deal-breakers): advocates, shared grievances, friendly amendments
 *   amendment voting (each amendment its own simple-majority vote)
 *   temperature check 2 ─ >= 90 % ─▶ passed
 *        │ otherwise
 *   grievances (deal-breakers), amendment voting
 *   final vote ─ >= 2/3 ─▶ passed, else rejected
 *
 *   passed ─▶ contention period: votes may change; support < 50 % ─▶ tabled;
 *             at its end ─▶ carried (implementing, or passed when there is no work)
 *
 * A tier with no objections is skipped, and so is its amendment voting when nobody
 * offered an amendment. Every temperature check and the final vote need the quorum;
 * without it the proposal is rejected (`no-quorum`).
 */

/** Temperature checks pass at 90 % agree of agree + disagree. */
export const TEMPERATURE_THRESHOLD = fraction(9, 10);
/** The final vote passes at 2/3 agree of agree + disagree. */
export const FINAL_THRESHOLD = fraction(2, 3);
/** During contention a carried decision is tabled once support falls below 1/2. */
export const CONTENTION_FLOOR = fraction(1, 2);

/** The threshold rule of a temperature check. */
export const temperatureRule: RoundRule = { kind: "supermajority", fraction: TEMPERATURE_THRESHOLD };
/** The threshold rule of the final vote. */
export const finalRule: RoundRule = { kind: "supermajority", fraction: FINAL_THRESHOLD };
/** Friendly amendments are accepted by a simple majority of those voting on them. */
export const amendmentRule: RoundRule = { kind: "simple-majority" };

/** The two tiers of grievances, handled in this order. */
export type Tier = "minor" | "deal-breaker";

/** What happens to a friendly amendment when its vote closes. */
export type AmendmentOutcome = "accepted" | "turned-down" | "sustained";

/**
 * Accepted with quorum and more agree than disagree; turned down with quorum otherwise;
 * sustained (no decision: the text stays as it is and the grievance stays on the
 * record, unresolved) when its vote missed the quorum.
 */
export function amendmentOutcome(quorumMet: boolean, thresholdMet: boolean): AmendmentOutcome {
  if (!quorumMet) return "sustained";
  return thresholdMet ? "accepted" : "turned-down";
}

/**
 * True while a carried decision keeps at least half of the decisive votes. With no
 * decisive votes left at all (everyone stood aside) it has lost its majority.
 */
export function contentionHolds(c: ChoiceCounts): boolean {
  const decisive = c.agree + c.disagree;
  return decisive > 0 && meets(c.agree, decisive, CONTENTION_FLOOR);
}

/** Where the procedure goes next. */
export type GraduatedStep =
  | { readonly to: "passed" }
  | { readonly to: "rejected"; readonly reason: "no-quorum" | "below-threshold" }
  | { readonly to: "objections" }
  | { readonly to: "grievances"; readonly tier: Tier }
  | { readonly to: "amendment-voting"; readonly tier: Tier }
  | { readonly to: "temperature-2" }
  | { readonly to: "final" };

/** Which tiers have at least one objection. */
export interface ObjectionSummary {
  readonly minor: boolean;
  readonly dealBreaker: boolean;
}

/** After a temperature check or the final vote closes. */
export function afterVote(round: "temperature-1" | "temperature-2" | "final", quorumMet: boolean, thresholdMet: boolean, objections: ObjectionSummary): GraduatedStep {
  if (!quorumMet) return { to: "rejected", reason: "no-quorum" };
  if (thresholdMet) return { to: "passed" };
  switch (round) {
    case "temperature-1":
      return { to: "objections" };
    case "temperature-2":
      return objections.dealBreaker ? { to: "grievances", tier: "deal-breaker" } : { to: "final" };
    case "final":
      return { to: "rejected", reason: "below-threshold" };
  }
}

/** After the objection period: the first tier that has objections, else the final vote. */
export function afterObjections(objections: ObjectionSummary): GraduatedStep {
  if (objections.minor) return { to: "grievances", tier: "minor" };
  if (objections.dealBreaker) return { to: "grievances", tier: "deal-breaker" };
  return { to: "final" };
}

/** After a grievance period: vote on its amendments, if any were offered. */
export function afterGrievances(tier: Tier, amendments: number): GraduatedStep {
  return amendments > 0 ? { to: "amendment-voting", tier } : afterAmendments(tier);
}

/** After a tier's amendments are decided: a temperature check, or the final vote. */
export function afterAmendments(tier: Tier): GraduatedStep {
  return tier === "minor" ? { to: "temperature-2" } : { to: "final" };
}
