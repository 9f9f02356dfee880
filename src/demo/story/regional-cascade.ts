import type { VoteChoice } from "../../governance/index.ts";
import { eventually, ratify } from "../steps.ts";
import { rules, WAIT, type Municipality, type Story } from "./cast.ts";
import { regionalTitle } from "./proposals-at-north.ts";
import { fetchReferral, sayTally, tallyOf, waitClosed, waitReferral } from "./referrals.ts";
import { countsText, ruleText, verdictOf } from "./wording.ts";

// Act 6: the region refers North's proposal to its member councils, which do not vote
// on it but refer it down to their assemblies (nested referrals); the assemblies'
// verdicts go up to their councils, whose verdicts, each embedding its tally, go up to
// the region.

export async function regionalReferralCascades(story: Story, regionReferralsBefore: number): Promise<string> {
  const { say, check, result, at, nameOf, namesOf } = story;
  const { instances, assemblies, people: p, home, uri } = story.cast;
  story.act("A regional referral cascades to the base and the verdicts come back up");
  const regional = await waitReferral(story, instances.region, "region", regionReferralsBefore, "the regional referral");
  result.tabling.offerSent = true;
  const regionalDoc0 = await fetchReferral(regional.uri);
  check(regionalDoc0.proposer === uri.north, "the regional proposal was tabled by north itself");
  say(
    `${at("region")} took north's Offer and referred it to ${regionalDoc0.bodies.map((b) => `${nameOf(b.body)} (weight ${b.members})`).join(", ")}; verdicts due by ${regionalDoc0.endTime.slice(11, 19)} (${regional.uri})`,
  );
  const nestedOf = async (c: Municipality) =>
    eventually(
      async () => {
        const row = await home[c]!.app.db.selectFrom("referrals").select(["uri", "deadline"]).where("parent", "=", regional.uri).executeTakeFirst();
        return row ?? null;
      },
      WAIT,
      `${c} refers the regional proposal down`,
    );
  const nested = { north: await nestedOf("north"), south: await nestedOf("south") };
  for (const c of ["north", "south"] as const) {
    const d = await fetchReferral(nested[c].uri);
    say(`${at(c)} does not vote on it: refers it down to ${namesOf(d.bodies.map((b) => b.body))} (nested; due by ${d.endTime.slice(11, 19)}, before the region's deadline)`);
  }
  const cascadeVotes: Record<string, Record<string, VoteChoice>> = {
    riverside: { [p.alice!]: "agree", [p.bob!]: "agree", [p.carol!]: "agree" },
    hillside: { [p.dan!]: "agree", [p.erin!]: "agree" },
    millbrook: { [p.fay!]: "agree", [p.gus!]: "disagree", [p.hal!]: "disagree" },
    oakfield: { [p.ida!]: "agree", [p.jon!]: "agree", [p.kim!]: "agree", [p.lea!]: "disagree" },
    fernwood: { [p.max!]: "agree", [p.ned!]: "disagree", [p.ola!]: "disagree" },
  };
  await Promise.all(
    assemblies.map(async (a) => {
      const d = await ratify(a.inst, a.handle, nested[a.council].uri, cascadeVotes[a.handle]!, WAIT);
      result.cascade.base[a.handle] = { verdict: verdictOf(d.outcome), counts: countsText(d.counts), rule: ruleText(rules[a.handle]!) };
      say(
        `${at(a.handle)} ratification of “${regionalTitle}”: ${d.outcome} ${countsText(d.counts)} (${ruleText(rules[a.handle]!)}) → verdict ${verdictOf(d.outcome)}, sent to ${a.council}`,
      );
    }),
  );
  for (const c of ["north", "south"] as const) {
    const doc = await waitClosed(home[c]!, nested[c].uri, `${c}'s nested referral closes`);
    const verdictUp = doc.tally!.passed ? "ratify" : doc.tally!.counts.ratify + doc.tally!.counts.reject === 0 ? "abstain" : "reject";
    result.cascade.nested[c] = { ...tallyOf(story, doc), verdictUp };
    sayTally(story, c, doc, `. Its verdict to the region: ${verdictUp} (signed, embedding this tally)`);
  }
  const regionalDoc = await waitClosed(instances.region, regional.uri, "the regional referral closes");
  result.cascade.region = tallyOf(story, regionalDoc);
  for (const v of regionalDoc.verdicts) result.cascade.verdictsAtRegion[nameOf(v.body)] = v.verdict;
  say(`${at("region")} received verdicts: ${regionalDoc.verdicts.map((v) => `${nameOf(v.body)} ${v.verdict}`).join(", ") || "none"}`);
  sayTally(story, "region", regionalDoc, "");
  return regional.uri;
}
