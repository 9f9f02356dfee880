import { tallyVerdicts, type Verdict } from "../governance/confederation.ts";
import { mapConcurrently } from "./bounded-fetching.ts";
import { describeRatificationRule, describeVerdictCounts } from "./describe.ts";
import { checkTablingMandate } from "./mandate.ts";
import { readReferral, type ReferralShape } from "./referral-document.ts";
import { reportOf, type Check, type Verification, type VerifyDeps } from "./report.ts";
import { checkSignedBy } from "./signature.ts";
import { compareClaimedTally } from "./tally.ts";
import { examineVerdict } from "./verdict.ts";
import { actorId, isObject, nonBlankString } from "./untrusted-json.ts";

// A confederal decision, one level: the referral (signed by the confederation) embeds
// the mandate its delegate tabled it under (signed by the body that gave it) and every
// verdict it counted (each signed by its member body). Nothing the confederation says
// about its own tally is trusted: it is what gets checked. The decisions below the
// verdicts are walked in `depth-walk.ts`.

/** The report on one referral, and the verdicts that count (in order), for the walk below. */
export interface CheckedReferral {
  verification: Verification;
  counted: Verdict[];
}

/**
 * Checks a `Referral` document (fetched from `fetchedFrom`): the confederation's
 * signature on it; the delegate's mandate it embeds, if any, else who tabled it; every
 * verdict it embeds (signature of its body, on the list and not gone, on time, one per
 * body, consistent with its own tally); and, once closed, that the claimed tally is
 * what the valid verdicts give.
 */
export async function checkReferral(doc: unknown, fetchedFrom: string, deps: VerifyDeps): Promise<CheckedReferral> {
  const checks: Check[] = [];
  const extra: Partial<Verification> = {};
  const valid: Verdict[] = [];
  const done = (proposal: string | null): CheckedReferral => ({ verification: reportOf(proposal, checks, extra), counted: valid });
  if (!isObject(doc) || doc.type !== "Referral") {
    checks.push({ name: "fetch", ok: false, detail: `${fetchedFrom} is not a referral (no Referral there)` });
    return done(null);
  }
  const id = nonBlankString(doc.id);
  const confederation = actorId(doc.attributedTo);
  checks.push({
    name: "fetch",
    ok: id !== null && confederation !== null,
    detail: `referral ${id ?? "?"} of confederation ${confederation ?? String(doc.attributedTo ?? "?")}${id !== null && id !== fetchedFrom ? ` (fetched from ${fetchedFrom})` : ""}`,
  });
  if (id === null || confederation === null) return done(id);
  extra.body = confederation;

  const signature = await checkSignedBy(doc, confederation, deps);
  checks.push({
    name: "signature",
    ok: signature.ok,
    detail: signature.ok ? `the referral is ${signature.detail}` : `the referral's signature does not hold: ${signature.detail.replace(/^its signature does not hold /, "")}`,
  });

  const shape = readReferral(doc);
  if (typeof shape === "string") {
    checks.push({ name: "referral", ok: false, detail: shape });
    return done(id);
  }
  checks.push({
    name: "referral",
    ok: true,
    detail: `${shape.kind} referral${shape.name ? ` "${shape.name}"` : ""}${shape.topic ? ` on ${shape.topic}` : ""} to ${shape.bodies.length} bodies under ${describeRatificationRule(shape.rule)}; open ${shape.published} until ${shape.endTime}; ${shape.status}${shape.parent ? `; referred down from ${shape.parent.referral}` : ""}`,
  });

  if (doc.mandate !== undefined && doc.mandate !== null) checks.push(...(await checkTablingMandate(doc.mandate, shape, confederation, deps)));
  else checks.push(checkProposer(shape, confederation));

  // Verdicts: examined in parallel, then in order (the first from a body counts).
  const examined = await mapConcurrently(shape.verdicts, (entry) => examineVerdict(entry, id, shape, deps));
  const seen = new Set<string>();
  examined.forEach((v, i) => {
    if (v.body !== null) {
      if (seen.has(v.body)) v.problems.push(`a second verdict from ${v.body} (only the first can count)`);
      seen.add(v.body);
    }
    const name = `verdict ${v.body ?? `#${i + 1}`}`;
    checks.push({ name, ok: v.problems.length === 0, detail: v.problems.length === 0 ? v.summary : `counted, but ${v.problems.join("; ")}` });
    if (v.problems.length === 0 && v.core !== null) valid.push(v.core);
  });

  const tally = tallyVerdicts(shape.rule, { id, bodies: shape.bodies, left: shape.left }, valid);
  extra.tally = tally;
  const received = `${shape.verdicts.length} verdict(s) embedded, ${valid.length} valid, from ${shape.bodies.length} bodies on the list${shape.left.length ? ` (${shape.left.length} left during it)` : ""}`;
  if (shape.status === "closed") checks.push(compareClaimedTally(doc.tally, tally, received));
  else {
    checks.push({
      name: "tally",
      ok: true,
      detail: `still open until ${shape.endTime}; standing so far: ${describeVerdictCounts(tally.counts)} (${received}); ${tally.reason}`,
    });
  }
  return done(id);
}

/** Without a mandate, a referral is tabled by a member body, the confederation (or its parent), or the body asking to join. */
function checkProposer(shape: ReferralShape, confederation: string): Check {
  const p = shape.proposer;
  const member = shape.bodies.some((b) => b.body === p);
  const ok = member || p === confederation || p === shape.parent?.confederation || p === shape.admit;
  return {
    name: "proposer",
    ok,
    detail: ok
      ? `tabled by ${member ? "member body " : ""}${p}${member ? "" : " (the confederation or the body asking to join)"}`
      : `tabled by ${p}, who is neither a member body on the list nor a delegate with a mandate`,
  };
}
