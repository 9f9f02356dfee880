import type { VoteChoice } from "../../governance/index.ts";
import { decide, eventually, membersOf } from "../steps.ts";
import { councilNames, rules, WAIT, type Story } from "./cast.ts";
import { countsText, ruleText } from "./wording.ts";

// Act 2: each assembly decides by its own `join` proposal to join its municipal
// council, and the council admits it on its Join (open admission).

export async function assembliesJoinTheirCouncils(story: Story): Promise<void> {
  const { say, check, result, at, nameOf, namesOf } = story;
  const { assemblies, people: p, home, uri } = story.cast;
  story.act("Assemblies join their municipal councils, each by its own decision");
  await Promise.all(
    assemblies.map(async (a) => {
      const votes = Object.fromEntries(a.people.map((h) => [p[h]!, "agree" as VoteChoice]));
      const d = await decide(a.inst, null, {
        body: a.handle,
        author: p[a.people[0]!]!,
        kind: "join",
        title: `${a.name} joins ${councilNames[a.council]}`,
        payload: { confederation: uri[a.council] },
        votes,
      });
      result.joins[a.handle] = { outcome: d.outcome, counts: countsText(d.counts) };
      say(`${at(a.handle)} decided to join ${councilNames[a.council]}: ${d.outcome} ${countsText(d.counts)} (${ruleText(rules[a.handle]!)}); sends Join`);
    }),
  );
  for (const c of ["north", "south"] as const) {
    const expected = assemblies.filter((a) => a.council === c).map((a) => uri[a.handle]!);
    const members = await eventually(
      async () => {
        const m = await membersOf(home[c]!, c);
        return expected.every((e) => m.includes(e)) ? m : null;
      },
      WAIT,
      `${c} admits its assemblies`,
    ).catch(() => membersOf(home[c]!, c));
    result.admitted[c] = members.map(nameOf);
    check(
      expected.every((e) => members.includes(e)),
      `${c} admitted ${expected.map(nameOf).join(", ")}`,
    );
    say(`${at(c)} admitted ${namesOf(members)} (open admission: each Join answered with Accept)`);
  }
}
