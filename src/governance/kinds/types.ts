import type { BodyState } from "../body.ts";
import type { Bylaws } from "../bylaws.ts";
import type { Refusal } from "../result.ts";
import type { DecisionRule } from "../rules/types.ts";
import type { ProposalKind } from "./names.ts";

/**
 * What a carried proposal obliges the system to do. The core computes it; bodyState
 * applies the ones internal to a body (bylaws, membership) when replaying; an adapter
 * carries out the rest (federating, notifying, revoking).
 */
export type Effect =
  | {
      readonly type: "policy-adopted";
      readonly body: string;
      readonly proposal: string;
      readonly text: string;
      /** Texts of the friendly amendments accepted, in order. */
      readonly amendments: readonly string[];
    }
  | { readonly type: "bylaws-adopted"; readonly body: string; readonly proposal: string; readonly bylaws: Bylaws }
  | { readonly type: "member-admitted"; readonly body: string; readonly proposal: string; readonly member: string }
  | {
      readonly type: "delegate-recalled";
      readonly body: string;
      readonly proposal: string;
      readonly delegate: string;
      readonly role: string | null;
    };

/** What a kind's effect is computed from, once the proposal is carried. */
export interface EffectInput {
  readonly body: string;
  readonly proposal: string;
  readonly text: string;
  /** The payload as finally amended (already validated). */
  readonly payload: unknown;
  readonly amendments: readonly string[];
}

/** Everything the core needs to know about one kind of proposal. */
export interface KindDefinition {
  readonly kind: ProposalKind;
  /** One line for people. */
  readonly summary: string;
  /** Checks an untrusted payload; `body` is absent when replaying a proposal on its own. */
  validatePayload(payload: unknown, body?: BodyState): Refusal | null;
  /** A rule the domain imposes whatever the bylaws say (recall: simple majority). */
  readonly fixedRule?: DecisionRule;
  /** Whether carrying it mandates work (then it goes to `implementing`). */
  mandatesWork(payload: unknown): boolean;
  /** What carrying it means. */
  effect(input: EffectInput): Effect;
}
