import type { Instant } from "../time.ts";
import type { ProposalState } from "./state.ts";

/** How a proposal ended, or null while it is undecided. */
export type Outcome = "passed" | "rejected" | "tabled" | "withdrawn";

/** The outcome of a proposal and when it came about; null while undecided (contention included). */
export function outcomeOf(p: ProposalState): { outcome: Outcome; at: Instant } | null {
  switch (p.status) {
    case "withdrawn":
      return { outcome: "withdrawn", at: p.withdrawal?.at ?? p.endedAt ?? p.lastAt };
    case "rejected":
      return { outcome: "rejected", at: p.decision?.at ?? p.endedAt ?? p.lastAt };
    case "tabled":
      return { outcome: "tabled", at: p.endedAt ?? p.lastAt };
    case "passed":
    case "implementing":
    case "done":
      return { outcome: "passed", at: p.effectiveAt ?? p.decision?.at ?? p.lastAt };
    default:
      return null;
  }
}
