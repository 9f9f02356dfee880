import { refusal } from "../result.ts";
import type { KindDefinition } from "./types.ts";

/** Payload of a ratification: the confederation's referral this body answers. */
export interface RatificationPayload {
  readonly confederation: string;
  /** The referral's id in the confederation's record. */
  readonly referral: string;
  /** The confederal proposal's URI, for people to read. */
  readonly proposalUri: string;
}

const text = (v: unknown): v is string => typeof v === "string" && v.trim() !== "";

/**
 * A member body decides a confederal proposal by its own rule; the outcome becomes its
 * verdict (`ratificationVerdict`): passed → ratify, rejected → reject, no quorum →
 * abstain. A confederation does not vote on it: it refers it down (`referConfederal`
 * with `parent`) and returns the tally of its members' verdicts.
 */
export const ratificationKind: KindDefinition = {
  kind: "ratification",
  summary: "Decides a confederal proposal referred to the body; the outcome is the body's verdict.",
  validatePayload(payload, body) {
    const p = payload as Partial<Record<keyof RatificationPayload, unknown>> | null | undefined;
    if (!text(p?.confederation) || !text(p.referral) || !text(p.proposalUri)) {
      return refusal("invalid-payload", "a ratification carries { confederation, referral, proposalUri }");
    }
    if (body?.kind === "confederation") {
      return refusal("invalid-payload", "a confederation refers a ratification down to its member bodies (a nested referral), it does not vote on it");
    }
    for (const other of body?.proposals.values() ?? []) {
      const q = other.payload as Partial<RatificationPayload> | undefined;
      if (other.kind === "ratification" && q?.confederation === p.confederation && q.referral === p.referral && other.status !== "withdrawn") {
        return refusal("duplicate-id", `${body?.id} already has a ratification of ${p.referral}: ${other.id}`);
      }
    }
    return null;
  },
  mandatesWork: () => false,
  effect({ body, proposal, payload }) {
    const p = payload as RatificationPayload;
    return { type: "ratification-carried", body, proposal, confederation: p.confederation, referral: p.referral, proposalUri: p.proposalUri };
  },
};
