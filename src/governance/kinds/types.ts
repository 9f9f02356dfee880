import type { BodyState } from "../body.ts";
import type { Bylaws } from "../bylaws.ts";
import type { RatificationTally } from "../confederation.ts";
import type { Mandate } from "../mandates.ts";
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
      /** Added by the body (bodyState, and commands given the body): the mandates revoked. */
      readonly revoked?: readonly RevokedMandate[];
    }
  | {
      readonly type: "mandate-recalled";
      readonly body: string;
      readonly proposal: string;
      readonly mandate: string;
      /** Added by the body: the mandate revoked (empty if it had already ended). */
      readonly revoked?: readonly RevokedMandate[];
    }
  | { readonly type: "committee-recalled"; readonly body: string; readonly proposal: string; readonly committee: string }
  | {
      readonly type: "decision-recalled";
      readonly body: string;
      readonly proposal: string;
      readonly decision: string;
      /** Added by the body: mandates the recalled decision gave (a delegation), revoked. */
      readonly revoked?: readonly RevokedMandate[];
    }
  | {
      readonly type: "mandates-granted";
      readonly body: string;
      readonly proposal: string;
      readonly mandates: readonly Mandate[];
      /** Implementation delegates: the carried decision (proposal id) they implement. */
      readonly implements?: string;
    }
  | { readonly type: "confederation-join"; readonly body: string; readonly proposal: string; readonly confederation: string }
  | { readonly type: "confederation-leave"; readonly body: string; readonly proposal: string; readonly confederation: string }
  | {
      readonly type: "ratification-carried";
      readonly body: string;
      readonly proposal: string;
      readonly confederation: string;
      readonly referral: string;
      readonly proposalUri: string;
    }
  | {
      readonly type: "decision-adopted";
      readonly body: string;
      readonly proposal: string;
      readonly source: AdoptedSource;
    }
  | {
      /** The body tables a confederal proposal (it sends the Offer itself). */
      readonly type: "confederal-tabled";
      readonly body: string;
      readonly proposal: string;
      readonly confederation: string;
      readonly title: string;
      readonly text: string;
      readonly topic?: string;
    }
  | {
      /** Confederation: a referral closed at its deadline with this tally. */
      readonly type: "referral-decided";
      readonly body: string;
      readonly referral: string;
      readonly tally: RatificationTally;
      readonly parent: { readonly confederation: string; readonly referral: string } | null;
    };

/** A mandate a recall revoked, and where it was used, so the adapter can send revocations. */
export interface RevokedMandate {
  readonly mandate: string;
  readonly delegate: string;
  readonly role: string;
  /** The confederation where it was used, if any. */
  readonly confederation: string | null;
}

/** Where an adopted decision came from. */
export interface AdoptedSource {
  readonly body: string;
  readonly proposal: string;
  readonly title: string;
  readonly text: string;
}

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
