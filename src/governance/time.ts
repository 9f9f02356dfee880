/**
 * Instants and durations. Time is always passed in (never read from a clock) so that
 * replaying the same record gives the same state anywhere.
 */

/** An ISO 8601 instant with an explicit offset, e.g. `2026-05-01T18:00:00Z`. */
export type Instant = string;

/**
 * An ISO 8601 duration made of weeks, days, hours, minutes and seconds, e.g. `P7D`,
 * `PT48H`, `P1DT12H`. Months and years are refused: their length depends on the
 * calendar, and deadlines must be the same for every reader.
 */
export type Duration = string;

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;
const DURATION = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/** Milliseconds since the epoch, or null when `value` is not an ISO instant with offset. */
export function instantMs(value: unknown): number | null {
  if (typeof value !== "string" || !INSTANT.test(value)) return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
}

/** Like {@link instantMs} but for instants the caller promised are valid; a bad one is a bug. */
export function requireMs(value: Instant): number {
  const ms = instantMs(value);
  if (ms === null) throw new RangeError(`not an ISO 8601 instant with offset: ${value}`);
  return ms;
}

/** Length of a duration in milliseconds, or null if malformed or zero. */
export function durationMs(value: unknown): number | null {
  if (typeof value !== "string") return null;
  const m = DURATION.exec(value);
  if (m === null || value === "P" || value.endsWith("T")) return null;
  const [, w, d, h, min, s] = m;
  const ms = Number(w ?? 0) * 604_800_000 + Number(d ?? 0) * 86_400_000 + Number(h ?? 0) * 3_600_000 + Number(min ?? 0) * 60_000 + Math.round(Number(s ?? 0) * 1000);
  return ms > 0 ? ms : null;
}

/** `at` plus `duration`, as a UTC ISO instant. Both must be valid. */
export function addDuration(at: Instant, duration: Duration): Instant {
  const ms = durationMs(duration);
  if (ms === null) throw new RangeError(`not a positive ISO 8601 duration: ${duration}`);
  return new Date(requireMs(at) + ms).toISOString();
}
