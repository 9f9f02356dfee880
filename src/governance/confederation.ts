import { formatFraction, meets } from "./fraction.ts";
import type { ProposalKind } from "./kinds/names.ts";
import { isRatificationRule, type RatificationRule } from "./ratification.ts";
import { isDecisionRule } from "./rules/strength.ts";
import type { ChoiceCounts, RoundRule } from "./rules/types.ts";
import { thresholdMet } from "./tally.ts";
import { instantMs, type Instant } from "./time.ts";

/** What a member body says about a confederal proposal. */
export type VerdictChoice = "ratify" | "reject" | "abstain";

/** Counts per verdict (of bodies, or of the people they hold). */
export interface VerdictCounts {
  ratify: number;
  reject: number;
  abstain: number;
}

/** A body's own vote, as embedded in its verdict. */
export interface VoteTally {
  readonly counts: ChoiceCounts;
  /** Size of the roll of the deciding vote. */
  readonly roll: number;
  /** Roll members who voted (abstentions and blocks included). */
  readonly turnout: number;
  /** Turnout the quorum required. */
  readonly quorum: number;
}

/** A confederation's tally of its members' verdicts, as embedded in its own verdict (nested). */
export interface VerdictsTally {
  /** Bodies per verdict. */
  readonly counts: VerdictCounts;
  /** People of those bodies per verdict (each body weighs its frozen member count). */
  readonly people: VerdictCounts;
  /** Bodies that count (the frozen list less those that left). */
  readonly roll: number;
  /** Bodies that ratified or rejected. */
  readonly turnout: number;
}

/** The rule a verdict was reached by: a body's vote, or (nested) a confederation's tally. */
export type VerdictRule = { readonly of: "votes"; readonly rule: RoundRule } | { readonly of: "verdicts"; readonly rule: RatificationRule };

/**
 * A member body's signed answer to a referral (the adapter signs and checks signatures).
 * It embeds the tally it came from, so that anyone can check that the verdict is what
 * the counts give: see {@link verdictFromTally}.
 */
export interface Verdict {
  /** The member body. */
  readonly body: string;
  /** The referral answered (its id in the confederation's record). */
  readonly referral: string;
  readonly verdict: VerdictChoice;
  readonly rule: VerdictRule;
  readonly tally: VoteTally | VerdictsTally;
  /** When the body decided. */
  readonly at: Instant;
  /** The body's ratification proposal, or (nested) its own referral. */
  readonly decidedBy?: string;
}

/** A member body on a referral's frozen list, with its members (for weighting). */
export interface ReferralBody {
  readonly body: string;
  readonly members: number;
}

/** What {@link tallyVerdicts} needs of a referral. */
export interface ReferralList {
  readonly id: string;
  readonly bodies: readonly ReferralBody[];
  /** Bodies that left the confederation while the referral was open. */
  readonly left?: Iterable<string>;
}

/** The tally of a referral. */
export interface RatificationTally {
  readonly rule: RatificationRule;
  /** Bodies that count, per verdict; no verdict counts as abstain. */
  readonly counts: VerdictCounts;
  /** Their people, per verdict. */
  readonly people: VerdictCounts;
  readonly passed: boolean;
  readonly outcome: "ratified" | "not-ratified";
  /** One readable sentence. */
  readonly reason: string;
  /** Bodies whose counted verdict is ratify, in the order of the frozen list. */
  readonly ratifiedBy: string[];
  readonly rejectedBy: string[];
  /** Bodies counted as abstaining (including those that sent no verdict). */
  readonly abstained: string[];
  /** The bodies the decision binds: those that ratified if it passed, nobody otherwise. */
  readonly bound: string[];
  /** Verdicts that did not count, by cause. */
  readonly ignored: {
    readonly notListed: number;
    readonly left: number;
    readonly duplicate: number;
    readonly otherReferral: number;
    readonly inconsistent: number;
  };
}

const count = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

function isVerdictCounts(v: unknown): v is VerdictCounts {
  if (typeof v !== "object" || v === null) return false;
  const c = v as Record<string, unknown>;
  return count(c.ratify) && count(c.reject) && count(c.abstain);
}

/**
 * Whether a ratification rule is met by these counts (each body's people given by its
 * weight). At least one body must ratify. `unanimity`: every body that counts ratifies.
 * `majority`: more than half of the bodies that count. `supermajority`: at least the
 * fraction of them. `double-majority`: at least `bodies` of the bodies that count AND
 * at least `people` of the people of the bodies that ratified or rejected. `weighted`:
 * at least the fraction of the people of all bodies that count. Bodies that abstain
 * (or sent no verdict) count in every denominator except double majority's people.
 */
export function ratificationMet(rule: RatificationRule, counts: VerdictCounts, people: VerdictCounts): { met: boolean; why: string } {
  const bodies = counts.ratify + counts.reject + counts.abstain;
  const all = people.ratify + people.reject + people.abstain;
  const of = `${counts.ratify} of ${bodies} bodies ratified`;
  if (counts.ratify === 0) return { met: false, why: `no body ratified (${bodies} counted)` };
  switch (rule.kind) {
    case "unanimity":
      return { met: counts.ratify === bodies, why: `${of}; unanimity needs all of them` };
    case "majority":
      return { met: 2 * counts.ratify > bodies, why: `${of}; a majority needs more than half` };
    case "supermajority":
      return { met: meets(counts.ratify, bodies, rule.fraction), why: `${of}; needs at least ${formatFraction(rule.fraction)}` };
    case "double-majority": {
      const deciding = people.ratify + people.reject;
      const b = meets(counts.ratify, bodies, rule.bodies);
      const p = meets(people.ratify, deciding, rule.people);
      return {
        met: b && p,
        why: `${of} (needs ${formatFraction(rule.bodies)}); they hold ${people.ratify} of the ${deciding} people of the bodies that ratified or rejected (needs ${formatFraction(rule.people)})`,
      };
    }
    case "weighted":
      return {
        met: meets(people.ratify, all, rule.fraction),
        why: `bodies holding ${people.ratify} of ${all} people ratified; needs at least ${formatFraction(rule.fraction)}`,
      };
  }
}

/**
 * The verdict a tally gives under a declared rule, or null if the tally is malformed.
 * A body's vote: no quorum → `abstain` (the body reached no decision); threshold met
 * with at least one agree → `ratify`; otherwise `reject`. A confederation's tally
 * (nested): rule met → `ratify`; no body ratified or rejected → `abstain`; otherwise
 * `reject`.
 */
export function verdictFromTally(rule: VerdictRule, tally: VoteTally | VerdictsTally): VerdictChoice | null {
  if (typeof rule !== "object" || rule === null || typeof tally !== "object" || tally === null) return null;
  if (rule.of === "votes") {
    if (!isDecisionRule(rule.rule) || (rule.rule as { kind: string }).kind === "graduated-consensus") return null;
    const t = tally as VoteTally;
    const c = t.counts as unknown as Record<string, unknown> | undefined;
    if (typeof c !== "object" || c === null || ![c.agree, c.disagree, c.abstain, c.block].every(count)) return null;
    if (![t.roll, t.turnout, t.quorum].every(count)) return null;
    const voted = t.counts.agree + t.counts.disagree + t.counts.abstain + t.counts.block;
    if (voted !== t.turnout || t.turnout > t.roll) return null;
    if (t.turnout < t.quorum) return "abstain";
    return t.counts.agree > 0 && thresholdMet(rule.rule, t.counts).met ? "ratify" : "reject";
  }
  if (rule.of === "verdicts") {
    if (!isRatificationRule(rule.rule)) return null;
    const t = tally as VerdictsTally;
    if (!isVerdictCounts(t.counts) || !isVerdictCounts(t.people) || !count(t.roll) || !count(t.turnout)) return null;
    if (t.roll !== t.counts.ratify + t.counts.reject + t.counts.abstain) return null;
    if (t.turnout !== t.counts.ratify + t.counts.reject) return null;
    if (ratificationMet(rule.rule, t.counts, t.people).met) return "ratify";
    return t.turnout === 0 ? "abstain" : "reject";
  }
  return null;
}

/** Why a verdict is malformed or does not follow from its own tally, or null. */
export function verdictProblem(verdict: Verdict): string | null {
  if (typeof verdict !== "object" || verdict === null) return "a verdict must be an object";
  if (typeof verdict.body !== "string" || verdict.body.trim() === "") return "a verdict names its body";
  if (typeof verdict.referral !== "string") return "a verdict names its referral";
  if (!["ratify", "reject", "abstain"].includes(verdict.verdict)) return "a verdict is ratify, reject or abstain";
  if (instantMs(verdict.at) === null) return "a verdict carries when it was reached";
  const expected = verdictFromTally(verdict.rule, verdict.tally);
  if (expected === null) return "the verdict's rule or tally is malformed";
  if (expected !== verdict.verdict) return `its tally gives ${expected} under its rule, not ${verdict.verdict}`;
  return null;
}

/**
 * Tallies verdicts on a referral by a confederation's ratification rule. Only bodies on
 * the frozen list count, less those that left during the referral; a body's first
 * verdict for this referral counts (later ones are duplicates); a verdict that does not
 * follow from its own tally counts as abstaining; a body with no counted verdict counts
 * as abstaining. Weights are the member counts frozen on the list. Verdict order does
 * not change the result (except which of a body's several verdicts is first).
 */
export function tallyVerdicts(rule: RatificationRule, referral: ReferralList, verdicts: Iterable<Verdict>): RatificationTally {
  const left = new Set(referral.left ?? []);
  const listed = new Map(referral.bodies.map((b) => [b.body, b.members]));
  const chosen = new Map<string, VerdictChoice>();
  const ignored = { notListed: 0, left: 0, duplicate: 0, otherReferral: 0, inconsistent: 0 };
  for (const v of verdicts) {
    if (v.referral !== referral.id) ignored.otherReferral++;
    else if (!listed.has(v.body)) ignored.notListed++;
    else if (left.has(v.body)) ignored.left++;
    else if (chosen.has(v.body)) ignored.duplicate++;
    else if (verdictProblem(v) !== null) {
      ignored.inconsistent++;
      chosen.set(v.body, "abstain");
    } else chosen.set(v.body, v.verdict);
  }
  const counts: VerdictCounts = { ratify: 0, reject: 0, abstain: 0 };
  const people: VerdictCounts = { ratify: 0, reject: 0, abstain: 0 };
  const by: Record<VerdictChoice, string[]> = { ratify: [], reject: [], abstain: [] };
  for (const { body, members } of referral.bodies) {
    if (left.has(body)) continue;
    const choice = chosen.get(body) ?? "abstain";
    counts[choice]++;
    people[choice] += members;
    by[choice].push(body);
  }
  const { met, why } = ratificationMet(rule, counts, people);
  return {
    rule,
    counts,
    people,
    passed: met,
    outcome: met ? "ratified" : "not-ratified",
    reason: `${met ? "Ratified" : "Not ratified"}: ${why}.`,
    ratifiedBy: by.ratify,
    rejectedBy: by.reject,
    abstained: by.abstain,
    bound: met ? [...by.ratify] : [],
    ignored,
  };
}

/**
 * The verdict a confederation returns to a higher one from the tally of its own
 * members' verdicts (nested referral): power stays at the base.
 */
export function verdictOfTally(tally: RatificationTally, input: { readonly body: string; readonly referral: string; readonly at: Instant; readonly decidedBy?: string }): Verdict {
  const t: VerdictsTally = {
    counts: { ...tally.counts },
    people: { ...tally.people },
    roll: tally.counts.ratify + tally.counts.reject + tally.counts.abstain,
    turnout: tally.counts.ratify + tally.counts.reject,
  };
  const rule: VerdictRule = { of: "verdicts", rule: tally.rule };
  const verdict = verdictFromTally(rule, t);
  if (verdict === null) throw new Error("invariant: a computed tally is well formed");
  return {
    body: input.body,
    referral: input.referral,
    verdict,
    rule,
    tally: t,
    at: input.at,
    ...(input.decidedBy === undefined ? {} : { decidedBy: input.decidedBy }),
  };
}

/** A referral in a confederation's state. Treat as immutable outside the reducer. */
export interface Referral {
  readonly id: string;
  /** `confederal`: tabled here; `ratification`: referred down from `parent` (nested). */
  readonly kind: "confederal" | "ratification";
  readonly title: string;
  readonly text: string;
  readonly topic: string | null;
  /** Who tabled it: a member body, a delegate, or (nested) the confederation itself. */
  readonly proposer: string;
  /** The id of the mandate a delegate tabled it under, if any. */
  readonly viaMandate: string | null;
  /** Frozen when it opened. */
  readonly bodies: readonly ReferralBody[];
  readonly rule: RatificationRule;
  readonly openedAt: Instant;
  readonly deadline: Instant;
  readonly parent: { readonly confederation: string; readonly referral: string } | null;
  /** Admission by decision: the body asking to join, admitted if ratified. */
  readonly admit: string | null;
  /** The confederation's own decision this referral asks its members to ratify. */
  readonly decides: { readonly kind: ProposalKind; readonly payload: unknown } | null;
  /** Verdicts received and accepted, in order (at most one per body). */
  verdicts: Verdict[];
  /** When each of `verdicts` was received (same order). */
  receivedAt: Instant[];
  /** Bodies on the list that left while it was open: they never count. */
  left: string[];
  closedAt: Instant | null;
  /** The tally, once closed at the deadline. */
  tally: RatificationTally | null;
}
