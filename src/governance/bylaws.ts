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

/** Checks untrusted bylaws (e.g. a proposal's payload) and names every problem found. */
export function validateBylaws(value: unknown, bodyKind?: BodyKind): { ok: true; bylaws: Bylaws } | { ok: false; reason: Refusal } {
  const problems: string[] = [];
  if (typeof value !== "object" || value === null) {
    return { ok: false, reason: refusal("invalid-bylaws", "bylaws must be an object") };
  }
  const b = value as Record<string, unknown>;
  const duration = (v: unknown, name: string): void => {
    if (durationMs(v) === null) problems.push(`${name} must be a positive ISO 8601 duration (W, D, H, M, S)`);
  };

  if (!isDecisionRule(b.decisionRule)) problems.push("decisionRule is not a valid rule");
  if (b.ruleByKind !== undefined) {
    if (typeof b.ruleByKind !== "object" || b.ruleByKind === null) {
      problems.push("ruleByKind must be an object");
    } else {
      for (const [kind, rule] of Object.entries(b.ruleByKind)) {
        if (!isProposalKind(kind)) problems.push(`ruleByKind.${kind}: unknown kind`);
        else if (FIXED_RULE_KINDS.has(kind)) problems.push(`ruleByKind.${kind}: this kind's rule is fixed`);
        if (!isDecisionRule(rule)) problems.push(`ruleByKind.${kind} is not a valid rule`);
      }
    }
  }
  if (!isQuorum(b.quorum)) problems.push("quorum must be a count >= 1 or a share in (0, 1]");
  duration(b.deliberationPeriod, "deliberationPeriod");
  duration(b.votingPeriod, "votingPeriod");
  const g = b.graduatedConsensus as Record<string, unknown> | undefined;
  if (typeof g !== "object" || g === null) {
    problems.push("graduatedConsensus periods are missing");
  } else {
    duration(g.objectionPeriod, "graduatedConsensus.objectionPeriod");
    duration(g.grievancePeriod, "graduatedConsensus.grievancePeriod");
    duration(g.contentionPeriod, "graduatedConsensus.contentionPeriod");
  }
  if (b.admission !== "open" && b.admission !== "by-decision") problems.push("admission must be open or by-decision");
  const t = b.tabling as Record<string, unknown> | undefined;
  const tablingOk = typeof t === "object" && t !== null && (t.who === "any-member" || (t.who === "seconded" && Number.isSafeInteger(t.seconds) && (t.seconds as number) >= 1));
  if (!tablingOk) problems.push("tabling must be any-member, or seconded with seconds >= 1");
  if (b.visibility !== "public" && b.visibility !== "members") problems.push("visibility must be public or members");
  if (b.ballot !== "named" && b.ballot !== "secret") problems.push("ballot must be named or secret");
  const d = b.delegates as Record<string, unknown> | undefined;
  const terms = typeof d === "object" && d !== null ? d.maxConsecutiveTerms : undefined;
  if (!(terms === null || (Number.isSafeInteger(terms) && (terms as number) >= 1))) {
    problems.push("delegates.maxConsecutiveTerms must be null or an integer >= 1");
  }
  if (b.ratification !== undefined && !isRatificationRule(b.ratification)) problems.push("ratification is not a valid rule");
  if (bodyKind === "confederation" && b.ratification === undefined) problems.push("a confederation needs a ratification rule");
  if (b.text !== undefined && typeof b.text !== "string") problems.push("text must be a string");

  return problems.length === 0 ? { ok: true, bylaws: value as Bylaws } : { ok: false, reason: refusal("invalid-bylaws", problems.join("; ")) };
}
