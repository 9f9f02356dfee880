import type { Failure } from "../../shared/result.ts";

// How long what people write may be. Votes and objections may come from anywhere, so
// every command checks its input's length before the core sees it.

export const MAX_TITLE_LENGTH = 200;
export const MAX_PROPOSAL_TEXT_LENGTH = 20_000;
export const MAX_REASON_LENGTH = 5_000;

/** Longest text accepted per input field. */
export const MAX_LENGTH: Record<string, number> = {
  reason: MAX_REASON_LENGTH,
  category: 100,
  text: MAX_PROPOSAL_TEXT_LENGTH,
  mandate: MAX_PROPOSAL_TEXT_LENGTH,
  report: MAX_PROPOSAL_TEXT_LENGTH,
};

/** The first field of `input` longer than it may be, as a failure. */
export function tooLong(input: object | undefined): Failure | null {
  for (const [field, value] of Object.entries(input ?? {})) {
    const max = MAX_LENGTH[field];
    if (max !== undefined && typeof value === "string" && value.length > max) {
      return { code: "invalid", message: `${field} has at most ${max} characters`, field, reason: { code: "too-long", params: { max } } };
    }
  }
  return null;
}
