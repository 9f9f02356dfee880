import { listReferrals } from "../../decisions/confederation/members.ts";
import { sendConfederalOffer, tableConfederalProposal } from "../../federation/outbox/tabling.ts";
import { mandateUrl } from "../../federation/mandates.ts";
import { decide, eventually } from "../steps.ts";
import { WAIT, type Story } from "./cast.ts";
import { fetchReferral, localId } from "./referrals.ts";
import { countsText } from "./wording.ts";

// Within act 5, while North's assemblies vote: riverside recalls bob. North receives
// the signed revocation while the municipal referral is still open; bob's next act is
// refused by his own instance, and by North when sent anyway (as a hostile instance would).

const secondTitle = "A second proposal after the recall";

export async function recallMidVote(story: Story, municipalReferral: string, bobMandate: string): Promise<void> {
  const { say, check, result, at, readable } = story;
  const { instances, people: p, uri } = story.cast;
  const { ashford, north } = instances;
  say(`${at("riverside")} carol moves to recall bob (a recall is always decided by simple majority)`);
  const d = await decide(ashford, null, {
    body: "riverside",
    author: p.carol!,
    kind: "recall",
    title: "Recall bob",
    payload: { delegate: p.bob },
    votes: { [p.alice!]: "agree", [p.carol!]: "agree", [p.bob!]: "disagree" },
  });
  result.recall.outcome = d.outcome;
  say(`${at("riverside")} recalled bob: ${d.outcome} ${countsText(d.counts)}; his mandate is revoked at once and riverside sends the signed revocation (Remove) to north`);
  const received = await eventually(
    async () => {
      const rows = await north.app.db.selectFrom("governance_events").select("event").where("type", "=", "mandate-revocation-received").execute();
      return rows.length > 0 ? rows : null;
    },
    WAIT,
    "the revocation reaches north",
  ).catch(() => null);
  result.recall.revocationReceived = received !== null;
  const openNow = (await fetchReferral(municipalReferral)).status === "open";
  result.recall.referralOpenWhenReceived = openNow;
  check(result.recall.revocationReceived, "north received the revocation");
  check(openNow, "the municipal referral was still open when north received the revocation");
  say(`${at("north")} received and checked riverside's revocation of bob's mandate; the referral is still ${openNow ? "open" : "closed"}`);
  // bob tries again.
  const count = (await listReferrals(north.app, localId(uri.north!))).length;
  const again = await tableConfederalProposal(ashford.app, localId(p.bob!), { confederation: uri.north!, title: secondTitle, text: "…", topic: "commons", mandate: bobMandate });
  result.recall.refusedLocally = again.ok ? null : again.error.message;
  check(!again.ok, "bob's own instance refused his act after the recall");
  say(
    `[bob@ashford] tries to table another proposal: refused by his own instance: ${again.ok ? "(it was not!)" : again.error.message.replace(/\(recalled by .*\)/, "(recalled by riverside)")}`,
  );
  // As a hostile instance would: send the Offer anyway.
  const sent = await sendConfederalOffer(ashford.app, localId(p.bob!), {
    confederation: uri.north!,
    title: secondTitle,
    text: "…",
    topic: "commons",
    mandateUrl: mandateUrl(ashford.app.config.publicOrigin, bobMandate).href,
  });
  if (!sent.ok) throw new Error(sent.error.message);
  const answer = await eventually(
    async () => {
      const rows = await north.app.db.selectFrom("activities").select(["payload"]).where("type", "=", "Create").execute();
      for (const r of rows) {
        const content = String((JSON.parse(r.payload) as { object?: { content?: string } }).object?.content ?? "");
        const m = /was not tabled in @north: (.*?)\.?<\/p>/.exec(content);
        if (m && content.includes(secondTitle))
          return m[1]!
            .replace(/&quot;/g, '"')
            .replace(/&#39;/g, "'")
            .replace(/&amp;/g, "&");
      }
      return null;
    },
    WAIT,
    "north's answer to the Offer sent anyway",
  ).catch(() => null);
  result.recall.refusedByCouncil = answer;
  result.recall.noNewReferral = (await listReferrals(north.app, localId(uri.north!))).length === count;
  check(answer !== null && /revoked/.test(answer), "north refused the recalled delegate's act (mandate revoked)");
  check(result.recall.noNewReferral, "no referral was opened for the recalled delegate");
  say(`[bob@ashford] sends the Offer anyway, as a hostile instance would: ${at("north")} refuses it: ${answer ? readable(answer) : "(no answer)"}; no referral opened`);
}
