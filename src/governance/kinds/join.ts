import { refusal } from "../result.ts";
import type { KindDefinition } from "./types.ts";

/** Payload of `join` and `leave`: the confederation (its body URI). */
export interface ConfederationPayload {
  readonly confederation: string;
}

/** The confederation named by a join or leave payload, or null. */
export function confederationOf(payload: unknown): string | null {
  const c = (payload as Partial<ConfederationPayload> | null | undefined)?.confederation;
  return typeof c === "string" && c.trim() !== "" ? c : null;
}

/** The body decides to join a confederation; the adapter sends Join, the confederation admits by its own rule. */
export const joinKind: KindDefinition = {
  kind: "join",
  summary: "Joins a confederation (the body sends Join; the confederation admits it by its own rule).",
  validatePayload(payload, body) {
    const c = confederationOf(payload);
    if (c === null) return refusal("invalid-payload", "a join carries { confederation }");
    if (body !== undefined && c === body.id) return refusal("invalid-payload", "a body cannot join itself");
    if (body?.confederations.has(c)) return refusal("already-member", `${body.id} already decided to join ${c}`);
    return null;
  },
  mandatesWork: () => false,
  effect({ body, proposal, payload }) {
    return { type: "confederation-join", body, proposal, confederation: confederationOf(payload) as string };
  },
};
