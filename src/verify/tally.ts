import type { RatificationTally, VerdictCounts } from "../governance/confederation.ts";
import { describeList, describeVerdictCounts } from "./describe.ts";
import type { Check } from "./report.ts";
import { isObject } from "./untrusted-json.ts";

/** Compares the tally a closed referral states with the one its valid verdicts give; `received` sums up the verdicts. */
export function compareClaimedTally(claimed: unknown, tally: RatificationTally, received: string): Check {
  if (!isObject(claimed))
    return { name: "tally", ok: false, detail: `the referral is closed but states no tally; the verdicts give ${describeVerdictCounts(tally.counts)}, ${tally.outcome}` };
  const diffs: string[] = [];
  const countsDiff = (field: "counts" | "people"): void => {
    const c = claimed[field];
    const ours = tally[field];
    const same = isObject(c) && (["ratify", "reject", "abstain"] as const).every((k) => c[k] === ours[k]);
    if (!same)
      diffs.push(
        `${field}: the server says ${isObject(c) ? describeVerdictCounts(c as unknown as VerdictCounts) : JSON.stringify(c)}, the verdicts give ${describeVerdictCounts(ours)}`,
      );
  };
  countsDiff("counts");
  countsDiff("people");
  for (const field of ["passed", "outcome"] as const) {
    if (claimed[field] !== tally[field]) diffs.push(`${field}: the server says ${JSON.stringify(claimed[field])}, the verdicts give ${JSON.stringify(tally[field])}`);
  }
  for (const field of ["ratifiedBy", "rejectedBy", "abstained", "bound"] as const) {
    const c = claimed[field];
    const ours = tally[field];
    if (!Array.isArray(c) || !c.every((b) => typeof b === "string")) {
      diffs.push(`${field}: the server says ${JSON.stringify(c)}, the verdicts give ${describeList(ours)}`);
      continue;
    }
    const theirs = new Set(c as string[]);
    const mine = new Set(ours);
    const added = [...theirs].filter((b) => !mine.has(b));
    const missing = ours.filter((b) => !theirs.has(b));
    if (added.length > 0 || missing.length > 0 || theirs.size !== c.length) {
      const why = [
        added.length ? `adds ${describeList(added)}` : "",
        missing.length ? `leaves out ${describeList(missing)}` : "",
        theirs.size !== c.length ? "lists a body twice" : "",
      ]
        .filter(Boolean)
        .join(" and ");
      diffs.push(`${field}: the server says ${describeList(c as string[])}, the verdicts give ${describeList(ours)} (the server ${why})`);
    }
  }
  if (diffs.length > 0) return { name: "tally", ok: false, detail: diffs.join("; ") };
  return {
    name: "tally",
    ok: true,
    detail: `recomputed from ${received}: ${describeVerdictCounts(tally.counts)}, people ${describeVerdictCounts(tally.people)}; ${tally.reason} As the server says.`,
  };
}
