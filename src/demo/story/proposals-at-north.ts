import type { VoteChoice } from "../../governance/index.ts";
import { listReferrals } from "../../decisions/confederation/members.ts";
import { tableConfederalProposal } from "../../federation/outbox/tabling.ts";
import { eventually, ratify } from "../steps.ts";
import { rules, WAIT, type Story } from "./cast.ts";
import type { Mandates } from "./electing-delegates.ts";
import { recallMidVote } from "./recall.ts";
import { fetchReferral, localId, sayTally, tallyOf, waitClosed, waitReferral } from "./referrals.ts";
import { countsText, ruleText, verdictOf } from "./wording.ts";

// Act 5: two proposals at North, each decided by the assemblies under their own rules:
// bob tables a municipal one (a shared tool library); fay tables North's own decision to
// table a regional one (a seed bank) at the region. Meanwhile riverside recalls bob.

export const regionalTitle = "A regional seed bank";
const municipalTitle = "A shared tool library";
const regionalText = "The region keeps a seed bank; each municipality stocks it in turn.";
const tablingTitle = `North proposes “${regionalTitle}” at the regional council`;

export interface AtNorth {
  /** The municipal referral's URI. */
  municipal: string;
  /** How many referrals the region had before North tabled the seed bank there. */
  regionReferralsBefore: number;
}

export async function delegatesTableAtNorth(story: Story, mandates: Mandates): Promise<AtNorth> {
  const { say, check, result, at, nameOf, namesOf } = story;
  const { instances, assemblies, people: p, home, uri } = story.cast;
  story.act("Delegates table two proposals at North; the assemblies decide them by their own rules; a delegate is recalled mid-vote");
  const before = (await listReferrals(instances.north.app, localId(uri.north!))).length;
  const tabled = await tableConfederalProposal(instances.ashford.app, localId(p.bob!), {
    confederation: uri.north!,
    title: municipalTitle,
    text: "Each assembly hosts one shelf of tools, lent to anyone in the municipality.",
    topic: "commons",
    mandate: mandates.bob,
  });
  if (!tabled.ok) throw new Error(`bob could not table: ${tabled.error.message}`);
  say(`[bob@ashford] tables “${municipalTitle}” at north under riverside's mandate (an Offer carrying the mandate's URL)`);
  const municipal = await waitReferral(story, instances.north, "north", before, "the municipal referral");
  const municipalDoc0 = await fetchReferral(municipal.uri);
  say(
    `${at("north")} checked bob's signed mandate and referred it to ${namesOf(municipalDoc0.bodies.map((b) => b.body))}; verdicts due by ${municipalDoc0.endTime.slice(11, 19)} (${municipal.uri})`,
  );
  // North's own decision to table at the region: a council's members are bodies, so it
  // decides by referring the question to them (decides: confederal).
  const tablingAt = await tableConfederalProposal(instances.millbrook.app, localId(p.fay!), {
    confederation: uri.north!,
    title: tablingTitle,
    text: `If ratified, North tables at the regional council: ${regionalText}`,
    topic: "commons",
    mandate: mandates.fay,
    decides: { kind: "confederal", payload: { confederation: uri.region, title: regionalTitle, text: regionalText, topic: "commons" } },
  });
  if (!tablingAt.ok) throw new Error(`fay could not table: ${tablingAt.error.message}`);
  say(`[fay@millbrook] tables at north, under millbrook's mandate: “${tablingTitle}” (decides: confederal, at ${nameOf(uri.region!)})`);
  const tabling = await eventually(
    async () => (await listReferrals(instances.north.app, localId(uri.north!))).find((r) => r.title === tablingTitle) ?? null,
    WAIT,
    "north's tabling referral",
  );
  say(`${at("north")} referred it to its assemblies too; verdicts due by ${tabling.deadline.toISOString().slice(11, 19)}`);
  const tablingRatifications = Promise.all(
    (["riverside", "hillside", "millbrook"] as const).map(async (h) => {
      const votes = Object.fromEntries(assemblies.find((a) => a.handle === h)!.people.map((x) => [p[x]!, "agree" as VoteChoice]));
      const d = await ratify(home[h]!, h, tabling.uri, votes, WAIT);
      result.tabling.ratifications[h] = { outcome: d.outcome, counts: countsText(d.counts) };
      say(`${at(h)} ratification of “${tablingTitle}”: ${d.outcome} ${countsText(d.counts)} → verdict ${verdictOf(d.outcome)}, signed and sent to north`);
    }),
  );
  const municipalVotes: Record<string, Record<string, VoteChoice>> = {
    riverside: { [p.alice!]: "agree", [p.bob!]: "agree", [p.carol!]: "disagree" },
    hillside: { [p.dan!]: "agree", [p.erin!]: "disagree" },
    millbrook: { [p.fay!]: "agree", [p.gus!]: "agree", [p.hal!]: "disagree" },
  };
  const ratifications = Promise.all(
    (["riverside", "hillside", "millbrook"] as const).map(async (h) => {
      const d = await ratify(home[h]!, h, municipal.uri, municipalVotes[h]!, WAIT);
      result.municipal.ratifications[h] = { outcome: d.outcome, counts: countsText(d.counts), rule: ruleText(rules[h]!) };
      say(
        `${at(h)} ratification of “${municipalTitle}”: ${d.outcome} ${countsText(d.counts)} (${ruleText(rules[h]!)}) → verdict ${verdictOf(d.outcome)}, signed and sent to north`,
      );
    }),
  );
  const recall = recallMidVote(story, municipal.uri, mandates.bob);
  await Promise.all([ratifications, recall, tablingRatifications]);
  const municipalDoc = await waitClosed(instances.north, municipal.uri, "the municipal referral closes");
  result.municipal.tally = tallyOf(story, municipalDoc);
  sayTally(story, "north", municipalDoc, "");
  const regionReferralsBefore = (await listReferrals(instances.region.app, localId(uri.region!))).length;
  const tablingDoc = await waitClosed(instances.north, tabling.uri, "north's tabling referral closes");
  result.tabling.tally = tallyOf(story, tablingDoc);
  check(tablingDoc.tally!.passed, "north's assemblies ratified tabling the seed bank at the region");
  sayTally(story, "north", tablingDoc, tablingDoc.tally!.passed ? ". So north tables it at the regional council itself: an Offer signed by north" : "");
  return { municipal: municipal.uri, regionReferralsBefore };
}
