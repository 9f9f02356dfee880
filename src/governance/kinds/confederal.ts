import { refusal } from "../result.ts";
import { confederationOf } from "./join.ts";
import type { KindDefinition } from "./types.ts";

/** Payload of a confederal proposal a body tables by its own decision. */
export interface ConfederalPayload {
  /** The confederation (body URI) the body is a member of. */
  readonly confederation: string;
  readonly title: string;
  readonly text?: string;
  /** A topic tag, as a delegate's mandate would cover. */
  readonly topic?: string;
}

const text = (v: unknown): v is string => typeof v === "string" && v.trim() !== "";

/**
 * A body tables a confederal proposal in a confederation it belongs to, by its own
 * decision (rather than through a delegate): when carried, the body itself sends the
 * Offer, and the confederation refers it to every member body.
 */
export const confederalKind: KindDefinition = {
  kind: "confederal",
  summary: "Tables a proposal in a confederation the body belongs to, which refers it to every member body.",
  validatePayload(payload, body) {
    const p = payload as Partial<Record<keyof ConfederalPayload, unknown>> | null | undefined;
    const c = confederationOf(payload);
    if (c === null || !text(p?.title) || (p.text !== undefined && typeof p.text !== "string") || (p.topic !== undefined && !text(p.topic))) {
      return refusal("invalid-payload", "a confederal proposal carries { confederation, title, text?, topic? }");
    }
    if (body !== undefined && !body.confederations.has(c)) return refusal("invalid-payload", `${body.id} has not decided to join ${c}`);
    return null;
  },
  mandatesWork: () => false,
  effect({ body, proposal, payload }) {
    const p = payload as ConfederalPayload;
    return { type: "confederal-tabled", body, proposal, confederation: p.confederation, title: p.title, text: p.text ?? "", ...(p.topic ? { topic: p.topic } : {}) };
  },
};
