import { createDemoWorld, type DemoInstance, type DemoWorld } from "../instances.ts";
import { confederationBylaws, createBody, createPeople, quickBylaws } from "../steps.ts";
import { councilNames, councilRules, namingFor, rules, type Cast } from "./cast.ts";
import type { Narrator } from "./narrator.ts";
import type { StoryOptions } from "./result.ts";
import { ratificationRuleText, ruleText } from "./wording.ts";

// Act 1: six instances start, each with its own embedded database on its own loopback
// address; the communes get their people and assemblies, the councils are founded.

// Periods: assemblies deliberate 1 s and vote 4 s; a municipal council's referral is due
// 20 s after it opens, the regional council's 30 s (the municipal councils refer it down
// with a deadline at 80 % of what remains, so their verdicts reach the region in time).
const ASSEMBLY_VOTING = "PT4S";
const MUNICIPAL_VOTING = "PT19S";
const REGIONAL_VOTING = "PT29S";

/** What must be stopped at the end, filled in as soon as it exists (even if the act fails). */
export interface Stage {
  world: DemoWorld | null;
  instances: DemoInstance[];
}

export async function setTheStage(narrator: Narrator, stage: Stage, hosts: readonly string[], opts: Pick<StoryOptions, "logLevel" | "onCleanup">): Promise<Cast> {
  const { act, say } = narrator;
  act("Six instances, each with its own embedded database, on its own loopback address");
  const names = ["ashford", "millbrook", "oakvale", "north-council", "south-council", "regional-council"] as const;
  const w = await createDemoWorld(opts.logLevel);
  stage.world = w;
  opts.onCleanup?.(() => w.close());
  const started = await Promise.allSettled(names.map((n, i) => w.start(n, hosts[i]!)));
  for (const s of started) if (s.status === "fulfilled") stage.instances.push(s.value);
  const failedStart = started.find((s) => s.status === "rejected");
  if (failedStart) throw (failedStart as PromiseRejectedResult).reason;
  const [ashford, millbrook, oakvale, north, south, region] = stage.instances as [DemoInstance, DemoInstance, DemoInstance, DemoInstance, DemoInstance, DemoInstance];

  const cast: Cast = {
    instances: { ashford, millbrook, oakvale, north, south, region },
    assemblies: [
      { handle: "riverside", name: "Riverside Assembly", inst: ashford, people: ["alice", "bob", "carol"], council: "north" },
      { handle: "hillside", name: "Hillside Assembly", inst: ashford, people: ["dan", "erin"], council: "north" },
      { handle: "millbrook", name: "Millbrook Assembly", inst: millbrook, people: ["fay", "gus", "hal"], council: "north" },
      { handle: "oakfield", name: "Oakfield Assembly", inst: oakvale, people: ["ida", "jon", "kim", "lea"], council: "south" },
      { handle: "fernwood", name: "Fernwood Assembly", inst: oakvale, people: ["max", "ned", "ola"], council: "south" },
    ],
    people: {},
    home: {},
    uri: {},
    names: new Map(),
  };
  const { assemblies, people: p, home, uri } = cast;
  for (const inst of [ashford, millbrook, oakvale]) {
    const handles = assemblies.filter((a) => a.inst === inst).flatMap((a) => a.people);
    Object.assign(p, await createPeople(inst, handles));
    for (const h of handles) cast.names.set(p[h]!, `${h}@${inst.name}`);
  }
  for (const a of assemblies) {
    home[a.handle] = a.inst;
    uri[a.handle] = await createBody(a.inst, {
      handle: a.handle,
      kind: "assembly",
      name: a.name,
      members: a.people.map((h) => p[h]!),
      bylaws: quickBylaws("assembly", { decisionRule: rules[a.handle]!, votingPeriod: ASSEMBLY_VOTING }),
    });
    cast.names.set(uri[a.handle]!, a.handle);
  }
  for (const [handle, inst, voting] of [
    ["north", north, MUNICIPAL_VOTING],
    ["south", south, MUNICIPAL_VOTING],
    ["region", region, REGIONAL_VOTING],
  ] as const) {
    home[handle] = inst;
    uri[handle] = await createBody(inst, { handle, kind: "confederation", name: councilNames[handle]!, bylaws: confederationBylaws(councilRules[handle]!, { voting }) });
    cast.names.set(uri[handle]!, handle);
  }
  const { at } = namingFor(cast);
  for (const inst of [ashford, millbrook, oakvale]) {
    const here = assemblies.filter((a) => a.inst === inst);
    say(`[${inst.name}@${inst.host}] commune up: ${here.map((a) => `${a.handle} (${a.people.length} members, decides by ${ruleText(rules[a.handle]!)})`).join("; ")}`);
  }
  for (const c of ["north", "south", "region"])
    say(`${at(c)} ${councilNames[c]} up: a confederation of bodies, ratifies by ${ratificationRuleText(councilRules[c]!)}; admission open`);
  return cast;
}
