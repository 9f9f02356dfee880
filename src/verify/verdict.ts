import { verdictProblem, type Verdict, type VerdictsTally, type VoteTally } from "../governance/confederation.ts";
import { instantMs } from "../governance/time.ts";
import { describeChoiceCounts, describeVerdictCounts } from "./describe.ts";
import type { ReferralShape } from "./referral-document.ts";
import type { VerifyDeps } from "./report.ts";
import { checkSignedBy } from "./signature.ts";
import { actorId, isObject } from "./untrusted-json.ts";

/** One verdict embedded in a referral, examined on its own (duplicates are found by the caller). */
export interface ExaminedVerdict {
  body: string | null;
  core: Verdict | null;
  problems: string[];
  summary: string;
}

/** Checks an embedded `{ receivedAt, document }` verdict against the referral it is counted in. */
export async function examineVerdict(entry: unknown, referral: string, shape: ReferralShape, deps: VerifyDeps): Promise<ExaminedVerdict> {
  const problems: string[] = [];
  const document = isObject(entry) ? entry.document : undefined;
  if (!isObject(entry) || !isObject(document)) return { body: null, core: null, problems: ["it is not a { receivedAt, document } entry"], summary: "" };
  const body = actorId(document.attributedTo);
  if (body === null) return { body: null, core: null, problems: ["its document is attributed to no body"], summary: "" };

  const signature = await checkSignedBy(document, body, deps);
  if (!signature.ok) problems.push(signature.detail);
  if (document.type !== "Verdict") problems.push(`it is a ${String(document.type)}, not a Verdict`);
  if (document.referral !== referral) problems.push(`it answers ${String(document.referral)}, not this referral`);
  if (!shape.bodies.some((b) => b.body === body)) problems.push(`${body} is not on the referral's list of bodies`);
  if (shape.left.includes(body)) problems.push(`${body} left the confederation during the referral`);
  const received = instantMs(entry.receivedAt);
  if (received === null) problems.push("it has no valid receivedAt");
  else if (received > instantMs(shape.endTime)!) problems.push(`it was received at ${String(entry.receivedAt)}, after the referral closed at ${shape.endTime}`);
  else if (received < instantMs(shape.published)!) problems.push(`it was received at ${String(entry.receivedAt)}, before the referral opened at ${shape.published}`);

  const core = {
    body,
    referral: document.referral,
    verdict: document.verdict,
    rule: document.rule,
    tally: document.tally,
    at: document.published,
    ...(typeof document.decidedBy === "string" ? { decidedBy: document.decidedBy } : {}),
  } as unknown as Verdict;
  const problem = verdictProblem(core);
  if (problem !== null) problems.push(problem);
  return {
    body,
    core: problem === null ? core : null,
    problems,
    summary: problem === null ? `${core.verdict} (${describeVerdictTally(core)}), received ${String(entry.receivedAt)}` : "",
  };
}

function describeVerdictTally(v: Verdict): string {
  if (v.rule.of === "votes") {
    const t = v.tally as VoteTally;
    return `${describeChoiceCounts(t.counts)}; turnout ${t.turnout} of ${t.roll}, quorum ${t.quorum}`;
  }
  const t = v.tally as VerdictsTally;
  return `its members: ${describeVerdictCounts(t.counts)}`;
}
