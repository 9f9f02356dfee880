import { refusal } from "../result.ts";
import type { KindDefinition } from "./types.ts";

/** Payload of a recall: the delegate, and the role recalled from (all roles if absent). */
export interface RecallPayload {
  readonly delegate: string;
  readonly role?: string;
}

/**
 * Recalls a delegate. Any member may move it at any time; always simple majority; the
 * adapter makes it effective everywhere at once. (Delegates are not tracked yet, so
 * the payload is only checked for shape.)
 */
export const recallKind: KindDefinition = {
  kind: "recall",
  summary: "Recalls a delegate at once; always decided by simple majority.",
  fixedRule: { kind: "simple-majority" },
  validatePayload(payload) {
    const p = payload as Partial<Record<keyof RecallPayload, unknown>> | null | undefined;
    if (typeof p?.delegate !== "string" || p.delegate.trim() === "") {
      return refusal("invalid-payload", "a recall carries { delegate, role? }");
    }
    if (p.role !== undefined && typeof p.role !== "string") return refusal("invalid-payload", "role must be a string");
    return null;
  },
  mandatesWork: () => false,
  effect({ body, proposal, payload }) {
    const p = payload as RecallPayload;
    return { type: "delegate-recalled", body, proposal, delegate: p.delegate, role: p.role ?? null };
  },
};
