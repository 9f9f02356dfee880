import { bylawsRuleFor, type Bylaws, type GraduatedPeriods } from "./bylaws.ts";
import { sameData } from "./canonical.ts";
import { kindDefinition } from "./kinds/index.ts";
import type { ProposalKind } from "./kinds/names.ts";
import { isQuorum, type Quorum } from "./quorum.ts";
import { refusal, type Refusal } from "./result.ts";
import { describeRule, isAtLeastAsStrong, isDecisionRule } from "./rules/strength.ts";
import type { DecisionRule } from "./rules/types.ts";
import { durationMs, type Duration } from "./time.ts";

/**
 * The terms a proposal is decided under, frozen when it is tabled and written into the
 * record, so a later change of bylaws never changes a proposal already before the body.
 */
export interface ProposalTerms {
  readonly rule: DecisionRule;
  readonly quorum: Quorum;
  readonly ballot: "named" | "secret";
  readonly visibility: "public" | "members";
  readonly deliberationPeriod: Duration;
  readonly votingPeriod: Duration;
  /** Stage periods; present only under graduated consensus. */
  readonly graduated: GraduatedPeriods | null;
  /** The version of the bylaws the terms come from. */
  readonly bylawsVersion: number;
}

/** What a draft asks for. */
export interface TermsRequest {
  readonly kind: ProposalKind;
  readonly rule?: DecisionRule | undefined;
  readonly deliberationPeriod?: Duration | undefined;
  readonly votingPeriod?: Duration | undefined;
}

/**
 * The rule a proposal of this kind must be decided by under these bylaws, or a refusal
 * if the requested one is weaker (`rule-too-weak`) or the kind's rule is fixed.
 */
export function ruleFor(bylaws: Bylaws, request: TermsRequest): { ok: true; rule: DecisionRule } | { ok: false; reason: Refusal } {
  const fixed = kindDefinition(request.kind).fixedRule;
  if (fixed !== undefined) {
    if (request.rule !== undefined && !sameData(request.rule, fixed)) {
      return { ok: false, reason: refusal("rule-fixed-by-kind", `a ${request.kind} is always decided by ${describeRule(fixed)}`) };
    }
    return { ok: true, rule: fixed };
  }
  const required = bylawsRuleFor(bylaws, request.kind);
  const rule = request.rule ?? required;
  if (!isAtLeastAsStrong(rule, required)) {
    return {
      ok: false,
      reason: refusal("rule-too-weak", `${describeRule(rule)} is weaker than ${describeRule(required)}, which the bylaws require`),
    };
  }
  return { ok: true, rule };
}

/** The terms for a draft under the given bylaws, or why it cannot be tabled under them. */
export function termsFor(bylaws: Bylaws, bylawsVersion: number, request: TermsRequest): { ok: true; terms: ProposalTerms } | { ok: false; reason: Refusal } {
  if (request.rule !== undefined && !isDecisionRule(request.rule)) {
    return { ok: false, reason: refusal("invalid-input", "the requested rule is not a valid rule") };
  }
  const chosen = ruleFor(bylaws, request);
  if (!chosen.ok) return chosen;
  // The bylaws' period when none is asked for; never shorter than the body's own minimum,
  // or, in bylaws without one, than the bylaws' period itself.
  const period = (asked: Duration | undefined, usual: Duration, name: string): Duration | Refusal => {
    if (asked === undefined) return usual;
    const ms = durationMs(asked);
    if (ms === null) return refusal("invalid-input", `${name} must be a positive ISO 8601 duration`);
    const least = bylaws.minimumPeriod ?? usual;
    // A ratification answers a confederation by its deadline: the referral sets the calendar.
    if (ms < (durationMs(least) ?? 0) && request.kind !== "ratification") {
      return refusal("invalid-input", `${name} may not be shorter than the bylaws' ${bylaws.minimumPeriod === undefined ? "" : "minimum "}${least}`);
    }
    return asked;
  };
  const deliberationPeriod = period(request.deliberationPeriod, bylaws.deliberationPeriod, "deliberationPeriod");
  if (typeof deliberationPeriod !== "string") return { ok: false, reason: deliberationPeriod };
  const votingPeriod = period(request.votingPeriod, bylaws.votingPeriod, "votingPeriod");
  if (typeof votingPeriod !== "string") return { ok: false, reason: votingPeriod };
  return {
    ok: true,
    terms: {
      rule: chosen.rule,
      quorum: bylaws.quorum,
      ballot: bylaws.ballot,
      visibility: bylaws.visibility,
      deliberationPeriod,
      votingPeriod,
      graduated: chosen.rule.kind === "graduated-consensus" ? bylaws.graduatedConsensus : null,
      bylawsVersion,
    },
  };
}

/** Shape check for terms read from a record without the body's bylaws at hand. */
export function isWellFormedTerms(value: unknown): value is ProposalTerms {
  if (typeof value !== "object" || value === null) return false;
  const t = value as Record<string, unknown>;
  const g = t.graduated as Record<string, unknown> | null | undefined;
  const graduatedOk =
    t.graduated === null
      ? (t.rule as { kind?: unknown } | undefined)?.kind !== "graduated-consensus"
      : typeof g === "object" && g !== null && durationMs(g.objectionPeriod) !== null && durationMs(g.grievancePeriod) !== null && durationMs(g.contentionPeriod) !== null;
  return (
    isDecisionRule(t.rule) &&
    isQuorum(t.quorum) &&
    (t.ballot === "named" || t.ballot === "secret") &&
    (t.visibility === "public" || t.visibility === "members") &&
    durationMs(t.deliberationPeriod) !== null &&
    durationMs(t.votingPeriod) !== null &&
    graduatedOk &&
    Number.isSafeInteger(t.bylawsVersion)
  );
}
