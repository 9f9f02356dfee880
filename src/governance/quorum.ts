import { isUnitFraction, type Fraction } from "./fraction.ts";

/**
 * How many people on the roll must take part (any ballot, abstentions included) for a
 * vote to count: an absolute number, or a share of the roll frozen when voting opened.
 */
export type Quorum = { readonly kind: "count"; readonly count: number } | { readonly kind: "share"; readonly share: Fraction };

/** The number of ballots needed out of a roll of `rollSize`. A share rounds up. */
export function requiredTurnout(quorum: Quorum | number, rollSize: number): number {
  if (typeof quorum === "number") return quorum;
  if (quorum.kind === "count") return quorum.count;
  const { num, den } = quorum.share;
  return Math.ceil((num * rollSize) / den);
}

/** True for a well-formed quorum: a count >= 1 or a share in (0, 1]. */
export function isQuorum(value: unknown): value is Quorum {
  if (typeof value !== "object" || value === null) return false;
  const q = value as Record<string, unknown>;
  if (q.kind === "count") return Number.isSafeInteger(q.count) && (q.count as number) >= 1;
  if (q.kind === "share") return isUnitFraction(q.share) && q.share.num > 0;
  return false;
}
