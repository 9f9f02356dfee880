import { refusal } from "../result.ts";
import type { AdoptedSource, KindDefinition } from "./types.ts";

/** Payload of an adoption: the other body's decision, with where it came from. */
export interface AdoptPayload {
  readonly source: AdoptedSource;
}

const text = (v: unknown): v is string => typeof v === "string" && v.trim() !== "";

/** Adopts another body's decision by this body's own decision; binding on this body's members only. */
export const adoptKind: KindDefinition = {
  kind: "adopt",
  summary: "Adopts another body's decision, recorded with where it came from.",
  validatePayload(payload, body) {
    const s = (payload as { source?: Record<string, unknown> } | null | undefined)?.source;
    if (typeof s !== "object" || s === null || !text(s.body) || !text(s.proposal) || !text(s.title) || typeof s.text !== "string") {
      return refusal("invalid-payload", "an adoption carries { source: { body, proposal, title, text } }");
    }
    if (body !== undefined && s.body === body.id) return refusal("invalid-payload", "a body does not adopt its own decisions");
    return null;
  },
  mandatesWork: () => false,
  effect({ body, proposal, payload }) {
    const { source } = payload as AdoptPayload;
    return { type: "decision-adopted", body, proposal, source: { body: source.body, proposal: source.proposal, title: source.title, text: source.text } };
  },
};
