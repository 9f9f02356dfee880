/** An exact ratio of two integers, so thresholds like 2/3 never suffer rounding. */
export interface Fraction {
  readonly num: number;
  readonly den: number;
}

/** Builds a fraction; no normalisation, comparisons cross-multiply. */
export function fraction(num: number, den: number): Fraction {
  return { num, den };
}

/** True when `value` is a well-formed fraction with 0 <= num/den <= 1. */
export function isUnitFraction(value: unknown): value is Fraction {
  if (typeof value !== "object" || value === null) return false;
  const { num, den } = value as Record<string, unknown>;
  return Number.isSafeInteger(num) && Number.isSafeInteger(den) && (den as number) > 0 && (num as number) >= 0 && (num as number) <= (den as number);
}

/** Sign of a − b (−1, 0 or 1), exact for safe integers. */
export function compareFractions(a: Fraction, b: Fraction): number {
  const left = a.num * b.den;
  const right = b.num * a.den;
  return left < right ? -1 : left > right ? 1 : 0;
}

/** True when part / whole >= f; an empty whole meets nothing but a zero threshold. */
export function meets(part: number, whole: number, f: Fraction): boolean {
  if (whole === 0) return f.num === 0;
  return part * f.den >= f.num * whole;
}

/** "2/3", or "90 %" for a tenth-based or hundredth-based fraction. */
export function formatFraction(f: Fraction): string {
  if (f.den === 100 || f.den === 10) return `${(f.num * 100) / f.den} %`;
  return `${f.num}/${f.den}`;
}

/** Whole-number percentage for human-readable reasons. */
export function percent(part: number, whole: number): string {
  if (whole === 0) return "–";
  return `${Math.round((part * 1000) / whole) / 10} %`;
}
