import type { Reason, ReasonCode } from "./reasons.ts";

// Expected failures are values, not exceptions: HTTP maps them to statuses,
// the CLI to messages. Exceptions are for bugs and infrastructure.

export type FailureCode = "invalid" | "not-found" | "conflict" | "forbidden" | "unauthorized" | "unreachable";

export interface Failure {
  code: FailureCode;
  message: string;
  /** The input field at fault, for `invalid`. */
  field?: string;
  /** Several fields at fault, each with its own message, for `invalid` (e.g. every problem of some bylaws). */
  fields?: Record<string, string>;
  /** The governance core's refusal code, when the rules refused: the pages word it from their catalogue. */
  refusal?: string;
  /** Why, as a code the pages word from their catalogue (`message` is for logs, the API and the CLI). */
  reason?: Reason;
  /** Why each field of `fields` is at fault, as codes the pages word from their catalogue. */
  fieldReasons?: Record<string, Reason>;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: Failure };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = (code: FailureCode, message: string, field?: string): { ok: false; error: Failure } => ({
  ok: false,
  error: field === undefined ? { code, message } : { code, message, field },
});

/** A failure with its reason code: the pages word the code, the API and the CLI show `message`. */
export const failWith = (
  code: FailureCode,
  reason: ReasonCode,
  message: string,
  options: { field?: string; params?: Readonly<Record<string, string | number>> } = {},
): { ok: false; error: Failure } => ({
  ok: false,
  error: {
    code,
    message,
    ...(options.field === undefined ? {} : { field: options.field }),
    reason: options.params === undefined ? { code: reason } : { code: reason, params: options.params },
  },
});
