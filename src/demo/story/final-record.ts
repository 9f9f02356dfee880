import { runVerify } from "../../cli/verify-command.ts";
import type { RatificationRule } from "../../governance/index.ts";
import type { Story } from "./cast.ts";
import { fetchReferral } from "./referrals.ts";
import { ratificationRuleText } from "./wording.ts";

// Act 8: the regional referral as the region signed it, and anyone's check of both
// referrals with `folkmoot verify` two levels down; then the story's expected outcomes.

export async function verifyTheFinalRecord(story: Story, referrals: { regional: string; municipal: string }): Promise<void> {
  const { say, check, result, at, nameOf, namesOf, readable } = story;
  story.act("The final record, and anyone's check of it (folkmoot verify, depth 2)");
  const fin = await fetchReferral(referrals.regional);
  const t = fin.tally!;
  say(`${at("region")} signed Referral ${fin.id}`);
  say(`   “${fin.name}”: status ${fin.status}; rule ${ratificationRuleText(fin.rule)}; proof ${fin.proof?.cryptosuite ?? "none"}`);
  say(`   bodies (frozen, weights): ${fin.bodies.map((b) => `${nameOf(b.body)} ${b.members}`).join(", ")}`);
  say(
    `   counts: ratify ${t.counts.ratify}, reject ${t.counts.reject}, abstain ${t.counts.abstain}; weight: ratify ${t.people.ratify}, reject ${t.people.reject}, abstain ${t.people.abstain}`,
  );
  for (const v of fin.verdicts) {
    const d = v.document as { tally?: { counts?: { ratify: number; reject: number; abstain: number } }; rule?: { of: string; rule: RatificationRule } } | null;
    const inner =
      d?.tally?.counts && d.rule?.of === "verdicts"
        ? ` (its own members: ${d.tally.counts.ratify} ratify, ${d.tally.counts.reject} reject, ${d.tally.counts.abstain} abstain, by ${ratificationRuleText(d.rule.rule)})`
        : "";
    say(`   verdict of ${nameOf(v.body)}: ${v.verdict}${inner}, signed by ${nameOf(String(v.document?.attributedTo ?? "?"))}`);
  }
  say(`   outcome: ${t.outcome}; ratified by ${namesOf(t.ratifiedBy)}; rejected by ${namesOf(t.rejectedBy)}; bound: ${namesOf(t.bound)}`);
  for (const url of [referrals.regional, referrals.municipal]) {
    const v = await runVerify(url, { allowPrivateAddress: true, depth: 2 });
    result.verify.push({ url, ok: v.ok, checks: v.checks.map((c) => ({ name: c.name, ok: c.ok, detail: c.detail })) });
    const which = url === referrals.regional ? "regional" : "municipal";
    say(`verify ${which} referral (depth 2): ${v.ok ? "PASS" : "FAIL"}, ${v.checks.filter((c) => c.ok).length} of ${v.checks.length} checks hold`);
    for (const c of v.checks) {
      const line = readable(`${c.name}: ${c.detail}`);
      say(`   ${c.ok ? "✓" : "✗"} ${line.length > 160 ? `${line.slice(0, 157)}…` : line}`);
    }
    check(v.ok, `verify ${which} referral`);
  }

  // The story's expected outcomes.
  check(
    result.municipal.tally?.outcome === "ratified" && sameSet(result.municipal.tally.bound, ["riverside", "millbrook"]),
    "municipal tally: ratified by riverside and millbrook, hillside rejected",
  );
  check(result.cascade.nested.north?.verdictUp === "ratify" && result.cascade.nested.south?.verdictUp === "reject", "nested verdicts: north ratify, south reject");
  check(result.cascade.region?.outcome === "ratified" && sameSet(result.cascade.region.bound, ["north"]), "regional tally: ratified, binds north only");
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}
