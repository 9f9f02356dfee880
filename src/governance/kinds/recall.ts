import { refusal } from "../result.ts";
import type { KindDefinition } from "./types.ts";

/**
 * Payload of a recall: exactly one target.
 * - `{ delegate, role? }`: every mandate of that delegate (in that role, or all roles);
 * - `{ mandate }`: one mandate, by id;
 * - `{ committee }`: a committee (its body URI) the body created;
 * - `{ decision }`: one of the body's carried decisions (a proposal id).
 */
export interface RecallPayload {
  readonly delegate?: string;
  readonly role?: string;
  readonly mandate?: string;
  readonly committee?: string;
  readonly decision?: string;
}

const text = (v: unknown): v is string => typeof v === "string" && v.trim() !== "";

/**
 * Recalls a delegate, a mandate, a committee or a decision. Any member may move it at
 * any time; always simple majority; effective at once: the mandates concerned are
 * revoked in the body's state and listed in the effect for the adapter to revoke
 * wherever they were used.
 */
export const recallKind: KindDefinition = {
  kind: "recall",
  summary: "Recalls a delegate, a mandate, a committee or a decision at once; always decided by simple majority.",
  fixedRule: { kind: "simple-majority" },
  validatePayload(payload, body) {
    const p = payload as Partial<Record<keyof RecallPayload, unknown>> | null | undefined;
    const usage = "a recall carries one of { delegate, role? }, { mandate }, { committee }, { decision }";
    if (typeof p !== "object" || p === null) return refusal("invalid-payload", usage);
    const targets = (["delegate", "mandate", "committee", "decision"] as const).filter((k) => p[k] !== undefined);
    if (targets.length !== 1 || !text(p[targets[0]!])) return refusal("invalid-payload", usage);
    if (p.role !== undefined && (typeof p.role !== "string" || targets[0] !== "delegate")) {
      return refusal("invalid-payload", "role is a string, and only with a delegate");
    }
    if (body === undefined) return null;
    if (text(p.mandate) && !body.mandates.has(p.mandate)) return refusal("unknown-mandate", `${body.id} gave no mandate ${p.mandate}`);
    if (text(p.decision)) {
      const decision = body.proposals.get(p.decision);
      if (decision === undefined || decision.effect === null) return refusal("unknown-proposal", `${p.decision} is not a carried decision of ${body.id}`);
      if (body.recalled.has(p.decision)) return refusal("invalid-payload", `${p.decision} is already recalled`);
    }
    return null;
  },
  mandatesWork: () => false,
  effect({ body, proposal, payload }) {
    const p = payload as RecallPayload;
    if (p.mandate !== undefined) return { type: "mandate-recalled", body, proposal, mandate: p.mandate };
    if (p.committee !== undefined) return { type: "committee-recalled", body, proposal, committee: p.committee };
    if (p.decision !== undefined) return { type: "decision-recalled", body, proposal, decision: p.decision };
    return { type: "delegate-recalled", body, proposal, delegate: p.delegate as string, role: p.role ?? null };
  },
};
