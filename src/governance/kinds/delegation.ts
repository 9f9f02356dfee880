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
  /**
   * For implementation delegates: the carried decision (proposal id) they implement. When
   * the delegation is carried, that decision gets them as its implementation delegates.
   * Refused for other roles.
   */
  readonly implements?: string;
}

/**
 * The mandate an implementation delegation gives on the decision it implements: its
 * scope, then its instructions (if any) after a blank line.
 */
export function implementationMandateText(mandate: { readonly scope: string; readonly instructions: string }): string {
  return mandate.instructions.trim() === "" ? mandate.scope : `${mandate.scope}\n\n${mandate.instructions}`;
}

const text = (v: unknown): v is string => typeof v === "string" && v.trim() !== "";

/**
 * Elects delegates to a role with a written mandate, from `start` until `end`. When
 * carried, each delegate gets a mandate in the body's state (`mandates`). The bylaws'
 * rotation limit is checked when the proposal is drafted, against the delegations
 * already carried. Implementation delegates name the carried decision they implement
 * (`implements`): carrying the delegation elects them on that decision too.
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
    if (p.implements !== undefined && (p.role !== "implementation-delegate" || !text(p.implements))) {
      return refusal("invalid-payload", "implements names the carried decision implementation delegates carry out; other roles take none");
    }
    if (body === undefined) return null;
    if (p.implements !== undefined) {
      const decision = body.proposals.get(p.implements as string);
      if (decision === undefined || decision.effect === null) return refusal("unknown-proposal", `${String(p.implements)} is not a carried decision of ${body.id}`);
      if (decision.status !== "implementing") return refusal("wrong-stage", `${decision.id} is ${decision.status}, not waiting for its implementation`);
      if (body.recalled.has(decision.id)) return refusal("wrong-stage", `${decision.id} was recalled`);
    }
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
    return { type: "mandates-granted", body, proposal, mandates, ...(p.implements === undefined ? {} : { implements: p.implements }) };
  },
};
