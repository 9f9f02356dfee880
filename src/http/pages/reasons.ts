import type { ProposalDetail } from "../../decisions/index.ts";
import { timeOf, word, type PersonView, type TimeView } from "./format.ts";
import { roundName } from "./record-entries.ts";
import type { Translate } from "./render.ts";

// The reasons members gave with their votes, on a proposal's page: the most recent first,
// a page at a time, so that a proposal with a thousand votes stays a light page.

/** Reasons shown on one page of a proposal. */
export const REASONS_PER_PAGE = 20;

export interface ReasonsView {
  total: number;
  items: { who: PersonView; choice: string; round: string; reason: string; at: TimeView | null }[];
  /** "Page 2 of 5", when there is more than one. */
  pageOf: string | null;
  newer: string | null;
  older: string | null;
}

/** The 1-based page asked for in `?reasons=N`, 1 when absent or not a number. */
export function reasonsPage(query: unknown): number {
  const raw = (query as Record<string, unknown> | null)?.reasons;
  const n = typeof raw === "string" && /^\d{1,6}$/.test(raw) ? Number(raw) : 1;
  return Math.max(1, n);
}

/** Every reason given on the proposal (named ballots only: a secret ballot shows none), newest first. */
export function reasonBallots(d: ProposalDetail): { voter: string; choice: string; reason: string; at: string; round: string }[] {
  const all = d.view.rounds.flatMap((r) =>
    (r.ballots ?? []).filter((b) => b.reason !== null && b.reason.trim() !== "").map((b) => ({ voter: b.voter, choice: b.choice, reason: b.reason!, at: b.at, round: r.id })),
  );
  return all.sort((x, y) => (x.at < y.at ? 1 : x.at > y.at ? -1 : 0));
}

export function reasonsView(t: Translate, ballots: ReturnType<typeof reasonBallots>, page: number, name: (uri: string) => PersonView): ReasonsView {
  const pages = Math.max(1, Math.ceil(ballots.length / REASONS_PER_PAGE));
  const shown = Math.min(page, pages);
  const link = (n: number) => (n === 1 ? "?#reasons" : `?reasons=${n}#reasons`);
  return {
    total: ballots.length,
    items: ballots.slice((shown - 1) * REASONS_PER_PAGE, shown * REASONS_PER_PAGE).map((b) => ({
      who: name(b.voter),
      choice: word(t, "choice", b.choice),
      round: roundName(t, b.round),
      reason: b.reason,
      at: timeOf(b.at),
    })),
    pageOf: pages > 1 ? t("proposal.reasonsPage", { page: shown, pages }) : null,
    newer: shown > 1 ? link(shown - 1) : null,
    older: shown < pages ? link(shown + 1) : null,
  };
}
