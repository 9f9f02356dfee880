import { DELEGATE_ROLES, isDelegateRole, mandateId, rotationProblem, type DelegateRole, type Mandate } from "../mandates.ts";
import { refusal } from "../result.ts";
import { instantMs, type Instant } from "../time.ts";
import type { KindDefinition } from "./types.ts";

/** Payload of a delegation: who, in which role, under which mandate, for how long. */
export interface DelegationPayload {
  readonly role: DelegateRole;
  /** Member ids. */
  readonly delegates: readonly string[];
  readonly mandate: {
    readonly scope: string;
    readonly instructions: string;
    /** Kinds of act or topics the mandate covers (e.g. `confederal`); none: no act is covered. */
    readonly covers?: readonly string[];
  };
  readonly start: Instant;
  readonly end: Instant;
  /** For a confederal delegate: the confederation (body URI) where they act. Required for that role, refused for others. */
  readonly confederation?: string;
}

const text = (v: unknown): v is string => typeof v === "string" && v.trim() !== "";

/**
 * Elects delegates to a role with a written mandate, from `start` until `end`. When
 * carried, each delegate gets a mandate in the body's state (`mandates`). The bylaws'
 * rotation limit is checked when the proposal is drafted, against the delegations
 * already carried.
 */
export const delegationKind: KindDefinition = {
  kind: "delegation",
  summary: "Elects delegates to a role with a written mandate, a start and an end.",
  validatePayload(payload, body) {
    const p = payload as Partial<Record<keyof DelegationPayload, unknown>> | null | undefined;
    if (typeof p !== "object" || p === null) return refusal("invalid-payload", "a delegation carries { role, delegates, mandate, start, end }");
    if (!isDelegateRole(p.role)) return refusal("invalid-payload", `role is one of ${DELEGATE_ROLES.join(", ")}`);
    const delegates = p.delegates;
    if (!Array.isArray(delegates) || delegates.length === 0 || !delegates.every(text) || new Set(delegates).size !== delegates.length) {
      return refusal("invalid-payload", "delegates must be one or more distinct member ids");
    }
    const m = p.mandate as Record<string, unknown> | null | undefined;
    if (typeof m !== "object" || m === null || !text(m.scope) || typeof m.instructions !== "string") {
      return refusal("invalid-payload", "a mandate has a scope and instructions");
    }
    if (m.covers !== undefined && !(Array.isArray(m.covers) && m.covers.every(text))) {
      return refusal("invalid-payload", "mandate.covers must be a list of kinds or topics");
    }
    const start = instantMs(p.start);
    const end = instantMs(p.end);
    if (start === null || end === null) return refusal("invalid-payload", "start and end must be ISO 8601 instants with offset");
    if (start >= end) return refusal("invalid-payload", "a mandate must start before it ends");
    if (p.role === "confederal-delegate" ? !text(p.confederation) : p.confederation !== undefined) {
      return refusal("invalid-payload", "a confederal delegate needs the confederation; other roles take none");
    }
    if (body === undefined) return null;
    for (const d of delegates as string[]) {
      if (!body.members.has(d)) return refusal("not-member", `${d} is not a member of ${body.id}`);
      const rotation = rotationProblem(
        body.mandates.values(),
        { delegate: d, role: p.role, start: p.start as Instant, end: p.end as Instant },
        body.bylaws.delegates.maxConsecutiveTerms,
      );
      if (rotation !== null) return rotation;
    }
    return null;
  },
  mandatesWork: () => false,
  effect({ body, proposal, payload }) {
    const p = payload as DelegationPayload;
    const mandates: Mandate[] = p.delegates.map((delegate) => ({
      id: mandateId(proposal, delegate),
      delegate,
      role: p.role,
      scope: p.mandate.scope,
      instructions: p.mandate.instructions,
      covers: [...(p.mandate.covers ?? [])],
      start: p.start,
      end: p.end,
      body,
      ...(p.confederation === undefined ? {} : { confederation: p.confederation }),
      decidedBy: proposal,
      revokedAt: null,
      revokedBy: null,
    }));
    return { type: "mandates-granted", body, proposal, mandates };
  },
};
