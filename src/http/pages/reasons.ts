import type { ProposalDetail } from "../../decisions/index.ts";
import { timeOf, word, type PersonView, type TimeView } from "./format.ts";
import { pageOf, type Pager } from "./pager.ts";
import { roundName } from "./record-entries.ts";
import type { Translate } from "./render.ts";

// The reasons members gave with their votes, on a proposal's page: the most recent first,
// a page at a time.

/** Reasons shown on one page of a proposal. */
export const REASONS_PER_PAGE = 20;

export interface ReasonView {
  who: PersonView;
  choice: string;
  round: string;
  reason: string;
  at: TimeView | null;
}

export interface ReasonBallot {
  voter: string;
  choice: string;
  reason: string;
  at: string;
  round: string;
}

/** Every reason given on the proposal (named ballots only: a secret ballot shows none), newest first. */
export function reasonBallots(d: ProposalDetail): ReasonBallot[] {
  const all = d.view.rounds.flatMap((r) =>
    (r.ballots ?? []).filter((b) => b.reason !== null && b.reason.trim() !== "").map((b) => ({ voter: b.voter, choice: b.choice, reason: b.reason!, at: b.at, round: r.id })),
  );
  return all.sort((x, y) => (x.at < y.at ? 1 : x.at > y.at ? -1 : 0));
}

/** Page `page` of the reasons. */
export function reasonsPage(t: Translate, ballots: readonly ReasonBallot[], page: number): Pager<ReasonBallot> {
  return pageOf(t, ballots, page, REASONS_PER_PAGE, "reasons", "reasons");
}

export function reasonsView(t: Translate, shown: Pager<ReasonBallot>, name: (uri: string) => PersonView): Pager<ReasonView> {
  return {
    ...shown,
    items: shown.items.map((b) => ({ who: name(b.voter), choice: word(t, "choice", b.choice), round: roundName(t, b.round), reason: b.reason, at: timeOf(b.at) })),
  };
}
