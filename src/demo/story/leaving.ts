import { decide, eventually, membersOf } from "../steps.ts";
import { rules, WAIT, type Story } from "./cast.ts";
import { countsText, ruleText } from "./wording.ts";

// Act 7: hillside decides to leave North; it sends Leave and is no longer a member.

export async function hillsideLeavesNorth(story: Story): Promise<void> {
  const { say, check, result, at, nameOf } = story;
  const { instances, people: p, uri } = story.cast;
  story.act("An assembly leaves its municipal council");
  const left = await decide(instances.ashford, null, {
    body: "hillside",
    author: p.dan!,
    kind: "leave",
    title: "Hillside leaves North municipal council",
    payload: { confederation: uri.north },
    votes: { [p.dan!]: "agree", [p.erin!]: "agree" },
  });
  say(`${at("hillside")} decided to leave north: ${left.outcome} ${countsText(left.counts)} (${ruleText(rules.hillside!)}); sends Leave`);
  const after = await eventually(
    async () => {
      const m = await membersOf(instances.north, "north");
      return m.includes(uri.hillside!) ? null : m;
    },
    WAIT,
    "hillside has left north",
  ).catch(() => null);
  result.leave = { effective: after !== null, members: (after ?? (await membersOf(instances.north, "north"))).map(nameOf) };
  check(result.leave.effective, "hillside's leave took effect at north");
  say(`${at("north")} hillside has left, at once; members now: ${result.leave.members.join(", ")}`);
}
