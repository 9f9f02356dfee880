import type { VoteChoice } from "../../governance/index.ts";
import { listReferrals } from "../../decisions/confederation/members.ts";
import { tableConfederalProposal } from "../../federation/outbox/tabling.ts";
import { eventually, ratify } from "../steps.ts";
import { councilNames, rules, WAIT, type Municipality, type Story } from "./cast.ts";
import type { Mandates } from "./electing-delegates.ts";
import { localId, sayTally, tallyOf, waitClosed, waitReferral } from "./referrals.ts";
import { countsText, ruleText, verdictOf } from "./wording.ts";

// Act 4: the municipal councils join the regional council. A council's members are
// bodies, so it decides by referring the question to them: a delegate tables the `join`,
// the assemblies ratify it, and the council sends Join once the referral is ratified.

export async function councilsJoinTheRegion(story: Story, mandates: Mandates): Promise<void> {
  const { say, check, result, at, nameOf } = story;
  const { instances } = story.cast;
  story.act("The municipal councils decide to join the regional council (a council decides by referring the question to its member bodies)");
  await Promise.all([councilJoins(story, "north", "bob", mandates.bob), councilJoins(story, "south", "ida", mandates.ida)]);
  const regionMembers = await eventually(
    async () => {
      const rows = await instances.region.app.db
        .selectFrom("memberships")
        .innerJoin("actors", "actors.id", "memberships.body_id")
        .select(["memberships.member_uri", "memberships.member_count"])
        .where("actors.handle", "=", "region")
        .execute();
      return rows.length === 2 && rows.every((r) => r.member_count !== null) ? rows : null;
    },
    WAIT,
    "the region admits both councils",
  ).catch(() => []);
  result.regionMembers = regionMembers.map((r) => ({ body: nameOf(r.member_uri), members: r.member_count ?? 0 }));
  check(regionMembers.length === 2, "the regional council admitted north and south");
  say(`${at("region")} admitted ${result.regionMembers.map((m) => `${m.body} (weight ${m.members}: the people of its member bodies)`).join(", ")} (open admission)`);
}

/** `council` decides, by referral to its assemblies, to join the region; `delegate` tables it. */
async function councilJoins(story: Story, council: Municipality, delegate: string, mandate: string): Promise<void> {
  const { say, check, result, at, nameOf } = story;
  const { assemblies, people: p, home, uri } = story.cast;
  const inst = home[council]!;
  const delegateHome = assemblies.find((a) => a.people.includes(delegate))!;
  const before = (await listReferrals(inst.app, localId(uri[council]!))).length;
  const title = `${councilNames[council]} joins the regional council`;
  const tabled = await tableConfederalProposal(delegateHome.inst.app, localId(p[delegate]!), {
    confederation: uri[council]!,
    title,
    text: `${councilNames[council]} becomes a member of the regional council.`,
    topic: "membership",
    mandate,
    decides: { kind: "join", payload: { confederation: uri.region } },
  });
  if (!tabled.ok) throw new Error(`${delegate} could not table the join: ${tabled.error.message}`);
  say(`[${delegate}@${delegateHome.inst.name}] tables at ${council}, under ${delegateHome.handle}'s mandate: “${title}” (decides: join ${nameOf(uri.region!)})`);
  const r = await waitReferral(story, inst, council, before, `${council}'s join referral`);
  const members = assemblies.filter((a) => a.council === council);
  say(`${at(council)} referred “${title}” to ${members.map((a) => a.handle).join(", ")}; verdicts due by ${r.deadline.toISOString().slice(11, 19)}`);
  await Promise.all(
    members.map(async (a) => {
      const d = await ratify(a.inst, a.handle, r.uri, Object.fromEntries(a.people.map((h) => [p[h]!, "agree" as VoteChoice])), WAIT);
      say(
        `${at(a.handle)} ratification of “${title}”: ${d.outcome} ${countsText(d.counts)} (${ruleText(rules[a.handle]!)}) → verdict ${verdictOf(d.outcome)}, signed and sent to ${council}`,
      );
    }),
  );
  const doc = await waitClosed(inst, r.uri, `${council}'s join referral closes`);
  result.councilJoins[council] = tallyOf(story, doc);
  check(doc.tally!.passed, `${council}'s members ratified its joining the region`);
  sayTally(story, council, doc, doc.tally!.passed ? `. So ${council} joins: it sends Join to the regional council` : "");
}
