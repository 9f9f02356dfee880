import { validateBylaws, type Bylaws } from "../bylaws.ts";
import { refusal } from "../result.ts";
import type { KindDefinition } from "./types.ts";

/** Payload of a bylaws proposal: the complete new bylaws. */
export interface BylawsPayload {
  readonly bylaws: Bylaws;
}

/** Replaces the body's bylaws with a new version, decided under the current ones. */
export const bylawsKind: KindDefinition = {
  kind: "bylaws",
  summary: "Replaces the body's bylaws; decided by the rule the current bylaws require.",
  validatePayload(payload, body) {
    if (typeof payload !== "object" || payload === null || !("bylaws" in payload)) {
      return refusal("invalid-payload", "a bylaws proposal carries { bylaws }");
    }
    const checked = validateBylaws((payload as { bylaws: unknown }).bylaws, body?.kind);
    return checked.ok ? null : refusal("invalid-payload", checked.reason.message);
  },
  mandatesWork: () => false,
  effect({ body, proposal, payload }) {
    return { type: "bylaws-adopted", body, proposal, bylaws: (payload as BylawsPayload).bylaws };
  },
};
