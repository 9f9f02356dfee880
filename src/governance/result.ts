import type { GovernanceEvent } from "./events.ts";
import type { Effect } from "./kinds/types.ts";

/** Why a command was refused (or why the reducer ignored an event in the record). */
export const REFUSAL_CODES = [
  "not-member",
  "not-on-roll",
  "not-author",
  "not-an-objector",
  "not-a-voter",
  "not-a-delegate",
  "already-member",
  "already-voted",
  "already-seconded",
  "deadline-passed",
  "too-early",
  "wrong-stage",
  "wrong-body",
  "out-of-order",
  "rule-too-weak",
  "rule-fixed-by-kind",
  "needs-seconds",
  "admission-by-decision",
  "invalid-choice",
  "invalid-candidate",
  "invalid-input",
  "invalid-payload",
  "invalid-bylaws",
  "unknown-kind",
  "unknown-proposal",
  "unknown-round",
  "unknown-category",
  "duplicate-id",
  "terms-mismatch",
  "roll-mismatch",
  "rotation-limit",
  "unknown-mandate",
  "unknown-referral",
  "not-a-confederation",
  "not-a-member-body",
  "left",
  "duplicate-verdict",
  "tally-mismatch",
  "not-ratified",
  "mandate-revoked",
  "mandate-expired",
  "outside-scope",
] as const;

/** A code of {@link REFUSAL_CODES}. */
export type RefusalCode = (typeof REFUSAL_CODES)[number];

/** A tagged, explained refusal. */
export interface Refusal {
  readonly code: RefusalCode;
  readonly message: string;
}

/**
 * What every command returns. On success the caller appends `events` to the record, in
 * order, and re-derives state; `effects` lists what became binding through these events
 * and must be carried out outside the core (bodyState already applies membership and
 * bylaws effects when it replays the record).
 */
export type CommandResult =
  | { readonly ok: true; readonly events: readonly GovernanceEvent[]; readonly effects: readonly Effect[] }
  | { readonly ok: false; readonly reason: Refusal };

/** A refusal result. */
export function refuse(code: RefusalCode, message: string): { ok: false; reason: Refusal } {
  return { ok: false, reason: { code, message } };
}

/** A refusal value (not wrapped in a result). */
export function refusal(code: RefusalCode, message: string): Refusal {
  return { code, message };
}
