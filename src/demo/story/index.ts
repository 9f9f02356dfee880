import { namingFor, type Story } from "./cast.ts";
import { councilsJoinTheRegion } from "./councils-joining-region.ts";
import { electDelegates } from "./electing-delegates.ts";
import { verifyTheFinalRecord } from "./final-record.ts";
import { assembliesJoinTheirCouncils } from "./joining-councils.ts";
import { hillsideLeavesNorth } from "./leaving.ts";
import { createNarrator } from "./narrator.ts";
import { delegatesTableAtNorth } from "./proposals-at-north.ts";
import { regionalReferralCascades } from "./regional-cascade.ts";
import { emptyResult, type StoryOptions, type StoryResult } from "./result.ts";
import { setTheStage, type Stage } from "./setting-the-stage.ts";

export type { StoryOptions, StoryResult, Tally, VerifySummary } from "./result.ts";

// The demonstration (`npm run demo`, test/e2e/demo.test.ts): six Folkmoot
// instances in this process, three communes and three councils, tell one story of
// confederation in real time. Every step prints one line; every checkpoint is checked
// and the result says which failed. Nothing is simulated but the people, who vote
// through the decisions service of their own instance (as the API would have them do).
// Each act is a chapter in this folder; they run here in order.

const DEFAULT_HOSTS = ["127.0.0.50", "127.0.0.51", "127.0.0.52", "127.0.0.53", "127.0.0.54", "127.0.0.55"];

/** Runs the whole story; never throws: a failure ends it and is reported in the result. */
export async function runStory(opts: StoryOptions): Promise<StoryResult> {
  const started = Date.now();
  const hosts = opts.hosts ?? DEFAULT_HOSTS;
  if (hosts.length < 6) throw new Error("the story needs six loopback addresses");
  const result = emptyResult();
  const narrator = createNarrator(result, opts.log, started);
  const stage: Stage = { world: null, instances: [] };
  try {
    const cast = await setTheStage(narrator, stage, hosts, opts);
    const story: Story = { say: narrator.say, check: narrator.check, act: narrator.act, result, cast, ...namingFor(cast) };
    await assembliesJoinTheirCouncils(story);
    const mandates = await electDelegates(story);
    await councilsJoinTheRegion(story, mandates);
    const atNorth = await delegatesTableAtNorth(story, mandates);
    const regional = await regionalReferralCascades(story, atNorth.regionReferralsBefore);
    await hillsideLeavesNorth(story);
    await verifyTheFinalRecord(story, { regional, municipal: atNorth.municipal });
  } catch (err) {
    result.failures.push(`the story stopped: ${(err as Error).stack ?? String(err)}`);
    narrator.say(`ERROR: ${(err as Error).message}`);
  } finally {
    narrator.endActs();
    const stopping = Date.now();
    await stage.world?.close().catch((err: unknown) => result.failures.push(`stopping the instances: ${String(err)}`));
    narrator.say("");
    narrator.say(`Stopped ${stage.instances.length} instances and deleted their data (${((Date.now() - stopping) / 1000).toFixed(1)} s).`);
  }
  result.elapsedMs = Date.now() - started;
  result.ok = result.failures.length === 0;
  return result;
}
