import { Temporal } from "@js-temporal/polyfill";

// Node 24 has no global Temporal; Fedify's vocabulary takes the polyfill's Instant,
// typed as the (lib) global one.
export function toInstant(date: Date): globalThis.Temporal.Instant {
  return Temporal.Instant.fromEpochMilliseconds(date.getTime()) as unknown as globalThis.Temporal.Instant;
}

export function fromInstant(instant: globalThis.Temporal.Instant | null | undefined): Date | null {
  return instant ? new Date(instant.epochMilliseconds) : null;
}
