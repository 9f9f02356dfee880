import { refusal } from "../result.ts";
import type { KindDefinition } from "./types.ts";

/** Payload of a policy: optional; `implementation: false` for a decision that needs no work. */
export interface PolicyPayload {
  readonly implementation?: boolean;
}

/** A decision of the body, binding its own members; by default it mandates work. */
export const policyKind: KindDefinition = {
  kind: "policy",
  summary: "A decision binding the body's members, usually carried out by implementation delegates.",
  validatePayload(payload) {
    if (payload === undefined) return null;
    if (typeof payload !== "object" || payload === null) return refusal("invalid-payload", "policy payload must be an object");
    const p = payload as Record<string, unknown>;
    if (p.implementation !== undefined && typeof p.implementation !== "boolean") {
      return refusal("invalid-payload", "implementation must be true or false");
    }
    return null;
  },
  mandatesWork(payload) {
    return (payload as PolicyPayload | undefined)?.implementation !== false;
  },
  effect({ body, proposal, text, amendments }) {
    return { type: "policy-adopted", body, proposal, text, amendments };
  },
};
