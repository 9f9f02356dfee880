import type { Failure } from "../shared/result.ts";
import type { Refusal, RefusalCode } from "../governance/index.ts";

const FORBIDDEN = new Set<RefusalCode>([
  "not-member",
  "not-on-roll",
  "not-author",
  "not-an-objector",
  "not-a-voter",
  "not-a-delegate",
  "admission-by-decision",
  "not-a-member-body",
  "left",
  "mandate-revoked",
  "mandate-expired",
  "outside-scope",
]);

const CONFLICT = new Set<RefusalCode>([
  "wrong-stage",
  "deadline-passed",
  "already-voted",
  "already-member",
  "already-seconded",
  "too-early",
  "needs-seconds",
  "duplicate-id",
  "out-of-order",
  "terms-mismatch",
  "roll-mismatch",
  "duplicate-verdict",
  "rotation-limit",
  "not-ratified",
]);

const NOT_FOUND = new Set<RefusalCode>(["unknown-proposal", "wrong-body", "unknown-mandate", "unknown-referral"]);

/** The input field usually at fault for each refusal about input. */
const FIELD: Partial<Record<RefusalCode, string>> = {
  "invalid-choice": "choice",
  "invalid-candidate": "candidate",
  "invalid-payload": "payload",
  "invalid-bylaws": "payload",
  "unknown-kind": "kind",
  "rule-too-weak": "rule",
  "rule-fixed-by-kind": "rule",
  "unknown-category": "category",
  "unknown-round": "round",
};

/** How one command names its fields, where they differ from the defaults. */
export type FieldNames = Partial<Record<RefusalCode, string>>;

/**
 * The service failure for a refusal of the governance core, keeping the core's message:
 * not a member / not on the roll and the like → `forbidden`; the wrong stage, a passed
 * deadline, a repeated vote → `conflict`; bad input → `invalid` with the field.
 */
export function refusalToFailure(reason: Refusal, fields: FieldNames = {}): Failure {
  const refusal = reason.code;
  if (FORBIDDEN.has(reason.code)) return { code: "forbidden", message: reason.message, refusal };
  if (CONFLICT.has(reason.code)) return { code: "conflict", message: reason.message, refusal };
  if (NOT_FOUND.has(reason.code)) return { code: "not-found", message: reason.message, refusal };
  const field = fields[reason.code] ?? FIELD[reason.code];
  return field === undefined ? { code: "invalid", message: reason.message, refusal } : { code: "invalid", message: reason.message, field, refusal };
}
