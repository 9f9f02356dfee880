import { refusal } from "../result.ts";
import { confederationOf } from "./join.ts";
import type { KindDefinition } from "./types.ts";

/** The body decides to leave a confederation: effective at once; the adapter sends Leave. Always allowed. */
export const leaveKind: KindDefinition = {
  kind: "leave",
  summary: "Leaves a confederation, effective at once (the body sends Leave).",
  validatePayload(payload) {
    return confederationOf(payload) === null ? refusal("invalid-payload", "a leave carries { confederation }") : null;
  },
  mandatesWork: () => false,
  effect({ body, proposal, payload }) {
    return { type: "confederation-leave", body, proposal, confederation: confederationOf(payload) as string };
  },
};
