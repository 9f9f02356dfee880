import { refusal } from "../result.ts";
import type { KindDefinition } from "./types.ts";

/** Payload of a membership proposal: the person (or, in a confederation, the body) to admit. */
export interface MembershipPayload {
  readonly member: string;
}

/** Admits a member by decision (bylaws admission `by-decision`). */
export const membershipKind: KindDefinition = {
  kind: "membership",
  summary: "Admits a person (or a body, in a confederation) as a member.",
  validatePayload(payload, body) {
    const member = (payload as Partial<MembershipPayload> | null | undefined)?.member;
    if (typeof member !== "string" || member.trim() === "") {
      return refusal("invalid-payload", "a membership proposal carries { member }");
    }
    if (body?.members.has(member)) return refusal("already-member", `${member} is already a member`);
    return null;
  },
  mandatesWork: () => false,
  effect({ body, proposal, payload }) {
    return { type: "member-admitted", body, proposal, member: (payload as MembershipPayload).member };
  },
};
