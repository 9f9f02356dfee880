import type { VoteChoice } from "../../governance/index.ts";
import { electDelegate } from "../steps.ts";
import { councilNames, type Story } from "./cast.ts";
import { countsText } from "./wording.ts";

// Act 3: three assemblies elect a confederal delegate each, by a `delegation`
// proposal; each delegate acts at the council under the mandate the assembly signs.

/** The URLs of the mandates the delegates act under. */
export interface Mandates {
  /** bob, from riverside, to north. */
  bob: string;
  /** ida, from oakfield, to south. */
  ida: string;
  /** fay, from millbrook, to north. */
  fay: string;
}

export async function electDelegates(story: Story): Promise<Mandates> {
  const { say, check, at } = story;
  const { people: p, home, uri, names } = story.cast;
  story.act("Delegates are elected with mandates");
  const mandateEnd = new Date(Date.now() + 30 * 86_400_000).toISOString();
  const mandateStart = new Date(Date.now() - 60_000).toISOString();
  const elect = async (body: string, delegate: string, voters: string[], council: string) => {
    const d = await electDelegate(home[body]!, null, {
      body,
      author: p[voters[0]!]!,
      delegate: p[delegate]!,
      confederation: uri[council]!,
      title: `${delegate} is our delegate to ${councilNames[council]}`,
      scope: `Table our confederal proposals at ${councilNames[council]}`,
      instructions: "Table what the assembly decides; report back",
      covers: ["confederal"],
      start: mandateStart,
      end: mandateEnd,
      votes: Object.fromEntries(voters.map((h) => [p[h]!, "agree" as VoteChoice])),
    });
    check(d.outcome === "passed", `${body} elected ${delegate}`);
    say(
      `${at(body)} elected ${delegate} confederal delegate to ${councilNames[council]} (mandate covers "confederal", until ${mandateEnd.slice(0, 10)}): ${d.outcome} ${countsText(d.counts)}`,
    );
    return d.mandate;
  };
  const [bob, ida, fay] = await Promise.all([
    elect("riverside", "bob", ["alice", "bob", "carol"], "north"),
    elect("oakfield", "ida", ["ida", "jon", "kim", "lea"], "south"),
    elect("millbrook", "fay", ["fay", "gus", "hal"], "north"),
  ]);
  names.set(bob, "of bob (from riverside)");
  names.set(fay, "of fay (from millbrook)");
  names.set(ida, "of ida (from oakfield)");
  return { bob, ida, fay };
}
