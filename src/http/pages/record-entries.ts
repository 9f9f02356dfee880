import type { AppContext } from "../../context.ts";
import { proposalIdFromUri, type RecordEvent } from "../../decisions/index.ts";
import type { BodyState } from "../../governance/index.ts";
import { peopleNamer, timeOf, word, type PersonView, type TimeView } from "./format.ts";
import type { Translate } from "./render.ts";

// A body's record as readable entries: what happened, who, when, and a link to the page
// about it. Built from the body's recorded events (the same record every decision is
// recomputed from); the links go to pages, never to ActivityPub documents.

export interface RecordEntryView {
  at: TimeView | null;
  who: PersonView | null;
  what: string;
  link: { href: string; text: string } | null;
}

/** The page of a local referral: `/@conf/referrals/:id`; null for another instance's. */
export function referralPagePath(app: AppContext, confHandle: string, referral: string): string | null {
  const u = URL.canParse(referral) ? new URL(referral) : null;
  if (!u || u.origin !== app.config.publicOrigin.origin) return null;
  const m = /^\/ap\/referrals\/([^/]+)$/.exec(u.pathname);
  return m ? `/@${confHandle}/referrals/${m[1]}` : null;
}

const str = (v: unknown): string | null => (typeof v === "string" && v !== "" ? v : null);

/** Every actor URI the entries will name. */
function actorsOf(events: readonly RecordEvent[]): string[] {
  const uris: string[] = [];
  for (const { event } of events) {
    for (const k of ["actor", "delegate", "origin"] as const) {
      const v = str(event[k]);
      if (v) uris.push(v);
    }
  }
  return uris;
}

/** Readable entries for `events` of the body `handle` (whose state is `state`). */
export async function recordEntries(app: AppContext, t: Translate, handle: string, state: BodyState | null, events: readonly RecordEvent[]): Promise<RecordEntryView[]> {
  const name = await peopleNamer(app, t, actorsOf(events));
  const origin = app.config.publicOrigin;
  return events.map(({ event }) => {
    const actor = str(event.actor);
    // What the instance did itself (founding a body from the command line) is nobody's act.
    const named = actor ? name(actor) : null;
    const who = named?.kind === "instance" ? null : named;
    let link: RecordEntryView["link"] = null;
    const proposalUri = str(event.proposal);
    const p = proposalUri ? state?.proposals.get(proposalUri) : undefined;
    if (proposalUri) {
      const id = proposalIdFromUri(origin, proposalUri);
      if (id) link = { href: `/@${handle}/proposals/${id}`, text: p?.title ?? id };
    }
    const referralUri = str(event.referral);
    if (referralUri) {
      const href = referralPagePath(app, handle, referralUri);
      const r = state?.referrals.get(referralUri);
      if (href) link = { href, text: r?.title ?? str(event.title) ?? t("conf.theReferral") };
    }
    let what: string;
    switch (event.type) {
      case "body-founded":
        what = who ? t("record.founded") : t("record.foundedPlain");
        break;
      case "body-forked":
        what = t("record.forked");
        {
          const o = str(event.origin);
          const from = o ? name(o) : null;
          if (from?.href) link = { href: from.href, text: from.label };
        }
        break;
      case "member-joined":
        what = t("record.joined");
        break;
      case "member-left":
        what = t("record.left");
        break;
      case "proposal-drafted":
        what = t("record.drafted");
        break;
      case "proposal-seconded":
        what = t("record.seconded");
        break;
      case "proposal-tabled":
        what = t("record.tabled");
        break;
      case "voting-opened":
        what = who ? t("record.votingOpenedBy") : t("record.votingOpened");
        break;
      case "vote-cast": {
        const choice = str(event.choice);
        const round = str(event.round);
        what = choice ? t("record.voted", { choice: word(t, "choice", choice) }) : t("record.votedSecret");
        if (round && round !== "main") what += ` (${roundName(t, round)})`;
        break;
      }
      case "stage-ended": {
        const decided = p?.decision && p.decision.at === event.at ? p.decision : null;
        what = decided ? t("record.decided", { outcome: word(t, "outcome", decided.outcome) }) : t("record.stageEnded", { stage: word(t, "status", str(event.stage) ?? "") });
        break;
      }
      case "objection-recorded":
        what = t("record.objected", { category: str(event.category) ?? "" });
        break;
      case "advocate-vote-cast":
        what = t("record.advocateVote", { category: str(event.category) ?? "" });
        break;
      case "grievance-agreement-recorded":
        what = t(event.shares === true ? "record.grievanceShared" : "record.grievanceNotShared", { category: str(event.category) ?? "" });
        break;
      case "amendment-proposed":
        what = t("record.amendment");
        break;
      case "proposal-withdrawn":
        what = t("record.withdrawn");
        break;
      case "implementation-delegates-elected":
        what = t("record.implementationDelegates");
        break;
      case "implementation-completed":
        what = t("record.implementationDone");
        break;
      case "member-body-admitted":
        what = t("record.bodyAdmitted");
        break;
      case "member-body-left":
        what = t("record.bodyLeft");
        break;
      case "join-refused":
        what = t("record.joinRefused");
        break;
      case "referral-opened":
        what = t("record.referralOpened");
        break;
      case "verdict-received": {
        const v = (event.verdict as { verdict?: unknown } | undefined)?.verdict;
        what = t("record.verdict", { verdict: word(t, "verdict", typeof v === "string" ? v : "") });
        break;
      }
      case "referral-closed": {
        const tally = referralUri ? state?.referrals.get(referralUri)?.tally : null;
        what = tally ? `${t("record.referralClosed")}: ${word(t, "outcome", tally.outcome)}` : t("record.referralClosed");
        break;
      }
      case "mandate-revocation-received": {
        const d = str(event.delegate);
        what = t("record.mandateRevoked", { delegate: d ? name(d).label : t("person.someone") });
        break;
      }
      default:
        what = t("record.other", { type: event.type });
    }
    return { at: timeOf(event.at), who, what, link };
  });
}

/** A round of voting in words: "final vote", "amendment 2". */
export function roundName(t: Translate, round: string): string {
  if (round.startsWith("amendment:")) return t("round.amendment", { id: round.slice("amendment:".length) });
  return word(t, "round", round);
}
