import type { Verdict, VerdictsTally, VoteTally } from "../governance/confederation.ts";
import { canonicalizeJson } from "../proofs/jcs.ts";
import { mapConcurrently } from "./bounded-fetching.ts";
import { describeChoiceCounts, describeRatificationRule, describeVerdictCounts } from "./describe.ts";
import { verifyLocalDecision } from "./local-decision.ts";
import { checkReferral } from "./referral.ts";
import { reportOf, type Check, type Verification, type VerifyDeps } from "./report.ts";
import { isObject } from "./untrusted-json.ts";

// The depth walk: each counted verdict names the decision below it (a body's proposal,
// or a lower confederation's referral), verified in turn down to `depth` levels.

/**
 * Verifies a `Referral` document (see `checkReferral`) and, with `depth > 0`, the
 * decision below each of its counted verdicts; their checks follow the referral's.
 */
export async function verifyReferralToDepth(doc: unknown, fetchedFrom: string, deps: VerifyDeps, depth: number): Promise<Verification> {
  const { verification, counted } = await checkReferral(doc, fetchedFrom, deps);
  if (depth <= 0 || counted.length === 0) return verification;
  const referral = verification.proposal!;
  const below = await mapConcurrently(counted, (verdict) => checkDecisionBelow(verdict, referral, deps, depth));
  const { ok: _ok, proposal, checks, ...extra } = verification;
  return reportOf(proposal, [...checks, ...below.flat()], extra);
}

/**
 * Checks the decision a counted verdict names (`decidedBy`) and that it gives the
 * verdict's counts: a body's proposal, recomputed from its signed record, or (nested) a
 * lower confederation's referral, verified `depth - 1` levels further down.
 */
async function checkDecisionBelow(verdict: Verdict, referral: string, deps: VerifyDeps, depth: number): Promise<Check[]> {
  const name = `decision of ${verdict.body}`;
  if (verdict.decidedBy === undefined) return [{ name, ok: true, detail: "the verdict names no decision (decidedBy): nothing below to check" }];
  const decidedBy = verdict.decidedBy;
  if (!URL.canParse(decidedBy)) return [{ name, ok: false, detail: `decidedBy is not a URL: ${decidedBy}` }];

  let sub: Verification;
  const mismatches: string[] = [];
  let matched: string;
  if (verdict.rule.of === "votes") {
    sub = await verifyLocalDecision(decidedBy, deps);
    const t = verdict.tally as VoteTally;
    const r = verdict.rule.rule;
    if (sub.body !== undefined && sub.body !== verdict.body) mismatches.push(`it is a decision of ${sub.body}, not of ${verdict.body}`);
    if (sub.secret) matched = `secret ballot: the counts cannot be recomputed, only who voted`;
    else if (sub.counts === undefined) {
      matched = "";
      if (sub.ok) mismatches.push("no round to recompute counts from");
    } else {
      const c = sub.counts;
      if ((["agree", "disagree", "abstain", "block"] as const).some((k) => c[k] !== t.counts[k])) {
        mismatches.push(`the verdict says ${describeChoiceCounts(t.counts)}, the record gives ${describeChoiceCounts(c)}`);
      }
      const round = sub.lastRound;
      if (round) {
        const ruleSame =
          round.rule.kind === r.kind &&
          (r.kind !== "supermajority" || (round.rule.kind === "supermajority" && canonicalizeJson(round.rule.fraction) === canonicalizeJson(r.fraction)));
        if (!ruleSame) mismatches.push(`the verdict claims the rule ${JSON.stringify(r)}, the round was decided by ${JSON.stringify(round.rule)}`);
        if (round.roll !== null && round.roll !== t.roll) mismatches.push(`the verdict says a roll of ${t.roll}, the record gives ${round.roll}`);
        if (round.quorum !== null && round.quorum !== t.quorum) mismatches.push(`the verdict says a quorum of ${t.quorum}, the record gives ${round.quorum}`);
      }
      matched = `counts recomputed (${describeChoiceCounts(c)}) are the verdict's`;
    }
  } else {
    const doc = await deps.fetchJson(decidedBy);
    sub = await verifyReferralToDepth(doc, decidedBy, deps, depth - 1);
    const t = verdict.tally as VerdictsTally;
    if (sub.proposal !== null) {
      if (sub.body !== verdict.body) mismatches.push(`it is a referral of ${sub.body ?? "?"}, not of ${verdict.body}`);
      const parent = isObject(doc) && isObject(doc.parent) ? doc.parent.referral : undefined;
      if (parent !== referral) mismatches.push(`it was referred down from ${String(parent ?? "nowhere")}, not from this referral`);
      if (isObject(doc) && doc.status !== "closed") mismatches.push("it is still open: it cannot have given a verdict yet");
    }
    const lower = sub.tally;
    if (lower !== undefined) {
      if (canonicalizeJson(lower.rule) !== canonicalizeJson(verdict.rule.rule)) {
        mismatches.push(`the verdict claims the rule ${describeRatificationRule(verdict.rule.rule)}, the referral below is decided by ${describeRatificationRule(lower.rule)}`);
      }
      for (const field of ["counts", "people"] as const) {
        if ((["ratify", "reject", "abstain"] as const).some((k) => lower[field][k] !== t[field][k])) {
          mismatches.push(`${field}: the verdict says ${describeVerdictCounts(t[field])}, the verdicts below give ${describeVerdictCounts(lower[field])}`);
        }
      }
    } else if (sub.ok) mismatches.push("the referral below could not be tallied");
    matched = lower ? `the referral below tallies ${describeVerdictCounts(lower.counts)} (${lower.outcome}), as the verdict says` : "";
  }

  const failing = sub.checks.filter((c) => !c.ok);
  const passed = sub.checks.length - failing.length;
  if (failing.length === 0 && mismatches.length === 0) {
    return [
      {
        name,
        ok: true,
        detail: `${decidedBy}: ${passed} check(s) pass${depth - 1 > 0 || verdict.rule.of === "votes" ? "" : " (the decisions below its verdicts not checked: depth reached)"}; ${matched}`,
      },
    ];
  }
  const reasons = [...mismatches];
  if (failing.length > 0) reasons.push(`${failing.length} of ${sub.checks.length} check(s) of ${decidedBy} fail (below)`);
  return [{ name, ok: false, detail: reasons.join("; ") }, ...failing.map((c) => ({ name: `${name} › ${c.name}`, ok: false, detail: c.detail }))];
}
