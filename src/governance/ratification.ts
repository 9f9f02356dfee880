import { isUnitFraction, type Fraction } from "./fraction.ts";

/**
 * How a confederation tallies the verdicts of its member bodies on a confederal
 * proposal. Modelled and validated here; the referral and tally are not built yet.
 *
 * - `unanimity`: every member body ratifies.
 * - `majority`: more than half of the member bodies ratify.
 * - `supermajority`: at least `fraction` of the member bodies ratify.
 * - `double-majority`: at least `bodies` of the bodies and at least `people` of the
 *   people they hold (counted by members) ratify.
 * - `weighted`: verdicts weighted by each body's members; at least `fraction` of the
 *   weight ratifies.
 */
export type RatificationRule =
  | { readonly kind: "unanimity" }
  | { readonly kind: "majority" }
  | { readonly kind: "supermajority"; readonly fraction: Fraction }
  | { readonly kind: "double-majority"; readonly bodies: Fraction; readonly people: Fraction }
  | { readonly kind: "weighted"; readonly fraction: Fraction };

const positive = (f: unknown): boolean => isUnitFraction(f) && f.num > 0;

/** True for a well-formed ratification rule (fractions in (0, 1]). */
export function isRatificationRule(value: unknown): value is RatificationRule {
  if (typeof value !== "object" || value === null) return false;
  const r = value as Record<string, unknown>;
  switch (r.kind) {
    case "unanimity":
    case "majority":
      return true;
    case "supermajority":
    case "weighted":
      return positive(r.fraction);
    case "double-majority":
      return positive(r.bodies) && positive(r.people);
    default:
      return false;
  }
}
