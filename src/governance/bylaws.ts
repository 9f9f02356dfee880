import { fraction } from "./fraction.ts";
import { FIXED_RULE_KINDS, isProposalKind, type ProposalKind } from "./kinds/names.ts";
import { isQuorum, type Quorum } from "./quorum.ts";
import { isRatificationRule, type RatificationRule } from "./ratification.ts";
import { refusal, type Refusal } from "./result.ts";
import { isDecisionRule } from "./rules/strength.ts";
import type { DecisionRule } from "./rules/types.ts";
import { durationMs, type Duration } from "./time.ts";

/** The four kinds of body; a confederation's members are bodies. */
export type BodyKind = "assembly" | "council" | "committee" | "confederation";

/** Every body kind. */
export const BODY_KINDS: readonly BodyKind[] = ["assembly", "council", "committee", "confederation"];

/** Who may table a proposal: any member, or any member once enough other members seconded it. */
export type TablingRule = { readonly who: "any-member" } | { readonly who: "seconded"; readonly seconds: number };

/** Periods of the graduated-consensus stages that are not votes. */
export interface GraduatedPeriods {
  /** For those who voted against to qualify their objection. */
  readonly objectionPeriod: Duration;
  /** Per tier: electing advocates, pleading, sharing grievances, offering amendments. */
  readonly grievancePeriod: Duration;
  /** After passing, while the work is planned and votes may change. */
  readonly contentionPeriod: Duration;
}

/** A body's bylaws: its decision rules and procedures. Changed only by a `bylaws` proposal. */
export interface Bylaws {
  /** The rule proposals are decided by unless `ruleByKind` says otherwise. */
  readonly decisionRule: DecisionRule;
  /** A rule per proposal kind (e.g. a stronger one for bylaws). Kinds with a fixed rule (recall) are not allowed here. */
  readonly ruleByKind?: Readonly<Partial<Record<ProposalKind, DecisionRule>>>;
  readonly quorum: Quorum;
  /** Least deliberation before voting opens; a proposal may ask for longer. */
  readonly deliberationPeriod: Duration;
  /** Length of each vote; a proposal may ask for longer. */
  readonly votingPeriod: Duration;
  /**
   * The body's own minimum: the shortest deliberation or voting period a proposal may ask
   * for (minutes to weeks; at most the two periods above). Absent, as in bylaws written
   * before it existed: a proposal may not ask for shorter periods than the two above.
   */
  readonly minimumPeriod?: Duration;
  readonly graduatedConsensus: GraduatedPeriods;
  /** `open`: anyone may join; `by-decision`: only by a `membership` proposal. */
  readonly admission: "open" | "by-decision";
  readonly tabling: TablingRule;
  /** Who may read the record: anyone, or members only. */
  readonly visibility: "public" | "members";
  /** Named ballots are public; secret ballots publish only who voted. */
  readonly ballot: "named" | "secret";
  /** Rotation: most consecutive terms a delegate may serve in one role; null for no limit. */
  readonly delegates: { readonly maxConsecutiveTerms: number | null };
  /** Confederations: how verdicts of member bodies are tallied. Required for a confederation. */
  readonly ratification?: RatificationRule;
  /**
   * Confederations: the delegate ratio, one confederal delegate per this many members of
   * a member body (seed 004: one per 50 to 100 residents). Recorded and published; the
   * member bodies elect their delegates by their own decisions.
   */
  readonly delegateRatio?: number;
  /** Free text: points of unity, bill of rights, anything else the body writes down. */
  readonly text?: string;
}

/** Sensible starting bylaws (seed 000: simple majority); a body changes them by proposal. */
export function defaultBylaws(kind: BodyKind = "assembly"): Bylaws {
  const base: Bylaws = {
    decisionRule: { kind: "simple-majority" },
    quorum: { kind: "share", share: fraction(1, 3) },
    deliberationPeriod: "P7D",
    votingPeriod: "P7D",
    graduatedConsensus: { objectionPeriod: "P3D", grievancePeriod: "P7D", contentionPeriod: "P14D" },
    admission: "by-decision",
    tabling: { who: "any-member" },
    visibility: "public",
    ballot: "named",
    delegates: { maxConsecutiveTerms: 2 },
  };
  return kind === "confederation" ? { ...base, ratification: { kind: "majority" } } : base;
}

/** The rule the bylaws require for a kind, before any fixed rule of the kind. */
export function bylawsRuleFor(bylaws: Bylaws, kind: ProposalKind): DecisionRule {
  return bylaws.ruleByKind?.[kind] ?? bylaws.decisionRule;
}

/**
 * What can be wrong with some bylaws, as codes: a page words each from its catalogue (the
 * problem's `message` is for logs, the API and the CLI). Every code has its words there.
 */
export const BYLAWS_PROBLEM_CODES = [
  "not-an-object",
  "invalid-rule",
  "unknown-proposal-kind",
  "fixed-rule",
  "invalid-quorum",
  "invalid-period",
  "missing-periods",
  "invalid-admission",
  "invalid-tabling",
  "invalid-visibility",
  "invalid-ballot",
  "invalid-terms",
  "needs-ratification",
  "invalid-text",
  "minimum-too-long",
  "invalid-delegate-ratio",
  "unknown-field",
  "unknown-template",
  "template-for-other-kind",
  "unknown-body-kind",
] as const;

/** A code of {@link BYLAWS_PROBLEM_CODES}. */
export type BylawsProblemCode = (typeof BYLAWS_PROBLEM_CODES)[number];

/** One problem found in bylaws: the field at fault (a dotted path), what is wrong as a code (with what fills its words' blanks), and in words. */
export interface BylawsProblem {
  readonly field: string;
  readonly code: BylawsProblemCode;
  readonly message: string;
  readonly params?: Readonly<Record<string, string | number>>;
}

/** The fields bylaws may have; anything else is a mistake (a misspelt field would silently do nothing). */
export const BYLAWS_FIELDS: readonly string[] = [
  "decisionRule",
  "ruleByKind",
  "quorum",
  "deliberationPeriod",
  "votingPeriod",
  "minimumPeriod",
  "graduatedConsensus",
  "admission",
  "tabling",
  "visibility",
  "ballot",
  "delegates",
  "ratification",
  "delegateRatio",
  "text",
];

/** Checks untrusted bylaws (e.g. a proposal's payload) and names every problem found. */
export function validateBylaws(value: unknown, bodyKind?: BodyKind): { ok: true; bylaws: Bylaws } | { ok: false; reason: Refusal } {
  const problems = bylawsProblems(value, bodyKind);
  return problems.length === 0 ? { ok: true, bylaws: value as Bylaws } : { ok: false, reason: refusal("invalid-bylaws", problems.map((p) => p.message).join("; ")) };
}

/**
 * Every problem of untrusted bylaws, each with its field. The messages are those
 * {@link validateBylaws} joins: a record replays the same whatever the wording here.
 */
export function bylawsProblems(value: unknown, bodyKind?: BodyKind): BylawsProblem[] {
  const found: BylawsProblem[] = [];
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return [{ field: "bylaws", code: "not-an-object", message: "bylaws must be an object" }];
  }
  const problems = {
    push(message: string, field: string, code: BylawsProblemCode, params?: Record<string, string | number>) {
      found.push(params === undefined ? { field, code, message } : { field, code, message, params });
    },
  };
  const b = value as Record<string, unknown>;
  const duration = (v: unknown, name: string): void => {
    if (durationMs(v) === null) problems.push(`${name} must be a positive ISO 8601 duration (W, D, H, M, S)`, name, "invalid-period");
  };

  if (!isDecisionRule(b.decisionRule)) problems.push("decisionRule is not a valid rule", "decisionRule", "invalid-rule");
  if (b.ruleByKind !== undefined) {
    if (typeof b.ruleByKind !== "object" || b.ruleByKind === null) {
      problems.push("ruleByKind must be an object", "ruleByKind", "not-an-object");
    } else {
      for (const [kind, rule] of Object.entries(b.ruleByKind)) {
        if (!isProposalKind(kind)) problems.push(`ruleByKind.${kind}: unknown kind`, `ruleByKind.${kind}`, "unknown-proposal-kind", { kind });
        else if (FIXED_RULE_KINDS.has(kind)) problems.push(`ruleByKind.${kind}: this kind's rule is fixed`, `ruleByKind.${kind}`, "fixed-rule", { kind });
        if (!isDecisionRule(rule)) problems.push(`ruleByKind.${kind} is not a valid rule`, `ruleByKind.${kind}`, "invalid-rule");
      }
    }
  }
  if (!isQuorum(b.quorum)) problems.push("quorum must be a count >= 1 or a share in (0, 1]", "quorum", "invalid-quorum");
  duration(b.deliberationPeriod, "deliberationPeriod");
  duration(b.votingPeriod, "votingPeriod");
  const g = b.graduatedConsensus as Record<string, unknown> | undefined;
  if (typeof g !== "object" || g === null) {
    problems.push("graduatedConsensus periods are missing", "graduatedConsensus", "missing-periods");
  } else {
    duration(g.objectionPeriod, "graduatedConsensus.objectionPeriod");
    duration(g.grievancePeriod, "graduatedConsensus.grievancePeriod");
    duration(g.contentionPeriod, "graduatedConsensus.contentionPeriod");
  }
  if (b.admission !== "open" && b.admission !== "by-decision") problems.push("admission must be open or by-decision", "admission", "invalid-admission");
  const t = b.tabling as Record<string, unknown> | undefined;
  const tablingOk = typeof t === "object" && t !== null && (t.who === "any-member" || (t.who === "seconded" && Number.isSafeInteger(t.seconds) && (t.seconds as number) >= 1));
  if (!tablingOk) problems.push("tabling must be any-member, or seconded with seconds >= 1", "tabling", "invalid-tabling");
  if (b.visibility !== "public" && b.visibility !== "members") problems.push("visibility must be public or members", "visibility", "invalid-visibility");
  if (b.ballot !== "named" && b.ballot !== "secret") problems.push("ballot must be named or secret", "ballot", "invalid-ballot");
  const d = b.delegates as Record<string, unknown> | undefined;
  const terms = typeof d === "object" && d !== null ? d.maxConsecutiveTerms : undefined;
  if (!(terms === null || (Number.isSafeInteger(terms) && (terms as number) >= 1))) {
    problems.push("delegates.maxConsecutiveTerms must be null or an integer >= 1", "delegates.maxConsecutiveTerms", "invalid-terms");
  }
  if (b.ratification !== undefined && !isRatificationRule(b.ratification)) problems.push("ratification is not a valid rule", "ratification", "invalid-rule");
  if (bodyKind === "confederation" && b.ratification === undefined) problems.push("a confederation needs a ratification rule", "ratification", "needs-ratification");
  if (b.text !== undefined && typeof b.text !== "string") problems.push("text must be a string", "text", "invalid-text");
  if (b.minimumPeriod !== undefined) {
    const least = durationMs(b.minimumPeriod);
    if (least === null) duration(b.minimumPeriod, "minimumPeriod");
    else {
      for (const name of ["deliberationPeriod", "votingPeriod"] as const) {
        const ms = durationMs(b[name]);
        if (ms !== null && ms < least) problems.push(`minimumPeriod may not be longer than ${name} (${String(b[name])})`, "minimumPeriod", "minimum-too-long", { period: name });
      }
    }
  }
  if (b.delegateRatio !== undefined && !(Number.isSafeInteger(b.delegateRatio) && (b.delegateRatio as number) >= 1)) {
    problems.push("delegateRatio must be a whole number of members >= 1 (one confederal delegate per that many members)", "delegateRatio", "invalid-delegate-ratio");
  }
  return found;
}
