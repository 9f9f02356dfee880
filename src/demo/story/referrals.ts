import { runDueDeadlines } from "../../decisions/index.ts";
import { listReferrals } from "../../decisions/confederation/members.ts";
import type { DemoInstance } from "../instances.ts";
import { eventually } from "../steps.ts";
import { WAIT, type Story } from "./cast.ts";
import type { ReferralDoc, Tally } from "./result.ts";
import { ratificationRuleText } from "./wording.ts";

// Referrals as anyone reads them: the signed document a confederation publishes, waited
// for until it opens or closes, and its tally as the story reports it.

const AP_JSON = "application/activity+json";

/** The local id at the end of an actor URI (what the federation services take). */
export const localId = (uri: string) => uri.split("/").at(-1)!;

export async function fetchReferral(url: string): Promise<ReferralDoc> {
  const res = await fetch(url, { headers: { accept: AP_JSON }, signal: AbortSignal.timeout(15_000) });
  if (!res.ok) throw new Error(`GET ${url}: ${res.status}`);
  return (await res.json()) as ReferralDoc;
}

/** The newest referral of council `conf` once it has more than `known`. */
export async function waitReferral(story: Story, inst: DemoInstance, conf: string, known: number, label: string) {
  return eventually(
    async () => {
      const list = await listReferrals(inst.app, localId(story.cast.uri[conf]!));
      return list.length > known ? list[0] : null;
    },
    WAIT,
    label,
  );
}

/** The referral at `url` once it is closed and tallied (its council's deadlines moved on meanwhile). */
export async function waitClosed(inst: DemoInstance, url: string, label: string): Promise<ReferralDoc> {
  return eventually(
    async () => {
      await runDueDeadlines(inst.app);
      const doc = await fetchReferral(url);
      return doc.status === "closed" && doc.tally ? doc : null;
    },
    WAIT,
    label,
  );
}

/** A closed referral's tally, with names for URIs. */
export function tallyOf(story: Story, doc: ReferralDoc): Tally {
  return {
    referral: doc.id,
    rule: ratificationRuleText(doc.rule),
    counts: doc.tally!.counts,
    outcome: doc.tally!.outcome,
    ratifiedBy: doc.tally!.ratifiedBy.map(story.nameOf),
    rejectedBy: doc.tally!.rejectedBy.map(story.nameOf),
    abstained: doc.tally!.abstained.map(story.nameOf),
    bound: doc.tally!.bound.map(story.nameOf),
    reason: doc.tally!.reason,
  };
}

/** Says council `conf`'s tally of `doc`, followed by `what`. */
export function sayTally(story: Story, conf: string, doc: ReferralDoc, what: string): void {
  const t = doc.tally!;
  story.say(
    `${story.at(conf)} tally of “${doc.name}” by ${ratificationRuleText(doc.rule)}: ${t.outcome} — ratify ${t.counts.ratify}, reject ${t.counts.reject}, abstain ${t.counts.abstain}; ${t.reason} Binds: ${story.namesOf(t.bound)}${what}`,
  );
}
