import { refusal, type Refusal } from "./result.ts";
import { instantMs, requireMs, type Instant } from "./time.ts";

/** The roles a body may elect delegates to (DOMAIN.md, "Delegates, mandates and recall"). */
export const DELEGATE_ROLES = ["confederal-delegate", "implementation-delegate", "secretary", "treasurer", "outreach", "auditor", "advocate"] as const;

/** A delegate's role. */
export type DelegateRole = (typeof DELEGATE_ROLES)[number];

/** True when `value` names a role. */
export function isDelegateRole(value: unknown): value is DelegateRole {
  return typeof value === "string" && (DELEGATE_ROLES as readonly string[]).includes(value);
}

/**
 * A delegate's written mandate, created when a `delegation` decision is carried. Live
 * while `start <= t < end` and not revoked: it expires by itself at its end.
 */
export interface Mandate {
  /** `<proposal id>#mandate:<delegate>`: derived from the deciding proposal and the delegate. */
  readonly id: string;
  readonly delegate: string;
  readonly role: DelegateRole;
  /** What the delegate is mandated to do, in words. */
  readonly scope: string;
  /** How to vote or what to report. */
  readonly instructions: string;
  /**
   * The kinds of act (e.g. `confederal`) or topics the delegate may act on. An act whose
   * kind or topic is not listed is outside the mandate; none listed means no act is
   * covered (a delegate has no power of their own).
   */
  readonly covers: readonly string[];
  readonly start: Instant;
  readonly end: Instant;
  /** The body that gave the mandate. */
  readonly body: string;
  /** For a confederal delegate: the confederation (body URI) where the mandate is used. */
  readonly confederation?: string;
  /** The delegation proposal that decided it. */
  readonly decidedBy: string;
  revokedAt: Instant | null;
  /** The recall proposal that revoked it. */
  revokedBy: string | null;
}

/** Where a mandate stands at an instant. */
export type MandateStatus = "pending" | "live" | "expired" | "revoked";

/** The id of the mandate a delegation proposal gives a delegate. */
export function mandateId(proposal: string, delegate: string): string {
  return `${proposal}#mandate:${delegate}`;
}

/** Where `mandate` stands at `at`: revoked wins from the moment of the recall on. */
export function mandateStatus(mandate: Mandate, at: Instant): MandateStatus {
  const t = requireMs(at);
  if (mandate.revokedAt !== null && t >= requireMs(mandate.revokedAt)) return "revoked";
  if (t < requireMs(mandate.start)) return "pending";
  if (t >= requireMs(mandate.end)) return "expired";
  return "live";
}

/** The mandates of a body live at `at`, in the order they were given. */
export function liveMandates(state: { readonly mandates: ReadonlyMap<string, Mandate> }, at: Instant): Mandate[] {
  return [...state.mandates.values()].filter((m) => mandateStatus(m, at) === "live");
}

/** An act a delegate does on behalf of their body. */
export interface MandatedAct {
  /** The kind of act, e.g. `confederal` (tabling a confederal proposal). */
  readonly kind: string;
  /** An optional topic tag, matched against the mandate's `covers` too. */
  readonly topic?: string;
  /** Where the act happens; must be the mandate's confederation when it names one. */
  readonly confederation?: string;
}

/** Why a mandated act is refused. */
export type MandateRefusalCode = "mandate-revoked" | "mandate-expired" | "outside-scope";

/**
 * Whether `mandate` covers `act` at `at`. Acts outside a mandate are refused, never
 * merely recorded (see docs/governance.md): a revoked or expired (or not yet started)
 * mandate covers nothing; an act in another confederation, or whose kind and topic are
 * both missing from `covers`, is outside its scope.
 */
export function checkMandatedAct(
  mandate: Mandate,
  act: MandatedAct,
  at: Instant,
): { readonly ok: true } | { readonly ok: false; readonly code: MandateRefusalCode; readonly message: string } {
  const status = mandateStatus(mandate, at);
  if (status === "revoked") {
    return { ok: false, code: "mandate-revoked", message: `mandate ${mandate.id} was revoked at ${mandate.revokedAt}` };
  }
  if (status === "expired") return { ok: false, code: "mandate-expired", message: `mandate ${mandate.id} ended at ${mandate.end}` };
  if (status === "pending") return { ok: false, code: "mandate-expired", message: `mandate ${mandate.id} starts at ${mandate.start}` };
  if (act.confederation !== undefined && mandate.confederation !== undefined && act.confederation !== mandate.confederation) {
    return { ok: false, code: "outside-scope", message: `mandate ${mandate.id} is for ${mandate.confederation}, not ${act.confederation}` };
  }
  const covered = mandate.covers.includes(act.kind) || (act.topic !== undefined && mandate.covers.includes(act.topic));
  if (!covered) {
    const what = act.topic === undefined ? act.kind : `${act.kind} (${act.topic})`;
    return { ok: false, code: "outside-scope", message: `mandate ${mandate.id} does not cover ${what}; it covers ${mandate.covers.join(", ") || "nothing"}` };
  }
  return { ok: true };
}

/** True for a well-formed mandate object (as embedded in another body's record). */
export function isMandate(value: unknown): value is Mandate {
  if (typeof value !== "object" || value === null) return false;
  const m = value as Record<string, unknown>;
  const str = (v: unknown): boolean => typeof v === "string" && v.trim() !== "";
  return (
    str(m.id) &&
    str(m.delegate) &&
    isDelegateRole(m.role) &&
    typeof m.scope === "string" &&
    typeof m.instructions === "string" &&
    Array.isArray(m.covers) &&
    m.covers.every((c) => typeof c === "string") &&
    instantMs(m.start) !== null &&
    instantMs(m.end) !== null &&
    str(m.body) &&
    (m.confederation === undefined || str(m.confederation)) &&
    str(m.decidedBy) &&
    (m.revokedAt === null || instantMs(m.revokedAt) !== null) &&
    (m.revokedBy === null || typeof m.revokedBy === "string")
  );
}

/** When a term actually ended: at its recall if recalled before its end. */
function effectiveEnd(m: Pick<Mandate, "end" | "revokedAt">): number {
  const end = requireMs(m.end);
  return m.revokedAt === null ? end : Math.min(end, requireMs(m.revokedAt));
}

/**
 * Rotation. Terms of one person in one role are **consecutive** when each starts no
 * later than the previous one ended (back to back or overlapping; a recalled term ended
 * at its recall). Any gap, however short, ends the run. Returns the refusal if giving
 * `delegate` the term [start, end) in `role` would make a run longer than `max`.
 */
export function rotationProblem(
  mandates: Iterable<Mandate>,
  nomination: { readonly delegate: string; readonly role: DelegateRole; readonly start: Instant; readonly end: Instant },
  max: number | null,
): Refusal | null {
  if (max === null) return null;
  const terms = [...mandates]
    .filter((m) => m.delegate === nomination.delegate && m.role === nomination.role)
    .map((m) => ({ start: requireMs(m.start), end: effectiveEnd(m), isNew: false }));
  terms.push({ start: requireMs(nomination.start), end: requireMs(nomination.end), isNew: true });
  terms.sort((a, b) => a.start - b.start || a.end - b.end);
  let run = 0;
  let runEnd = -Infinity;
  let containsNew = false;
  for (const term of terms) {
    if (term.start > runEnd) {
      if (containsNew) break;
      run = 0;
    }
    run += 1;
    runEnd = Math.max(runEnd, term.end);
    containsNew ||= term.isNew;
    if (containsNew && run > max) {
      return refusal("rotation-limit", `${nomination.delegate} would serve ${run} consecutive terms as ${nomination.role}; the bylaws allow at most ${max}`);
    }
  }
  return null;
}
