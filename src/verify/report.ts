import type { RatificationTally } from "../governance/confederation.ts";
import type { ChoiceCounts, RoundRule } from "../governance/rules/types.ts";
import type { KeyFetcher } from "../proofs/integrity.ts";

// What `folkmoot verify` reports, and what it needs from the outside world.

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

export interface Verification {
  ok: boolean;
  /** The proposal (or, for a confederal decision, the referral) verified, once known. */
  proposal: string | null;
  checks: Check[];
  /** The body that signed the decision's record (or the confederation that signed the referral), once known. */
  body?: string;
  /**
   * A local decision: the counts of its last round recomputed from the record (the
   * last closed round, else the last one). Absent under a secret ballot, or when the
   * record could not be replayed.
   */
  counts?: ChoiceCounts;
  /** A local decision: that round, with its roll size and required turnout once closed (else null). */
  lastRound?: { id: string; rule: RoundRule; counts: ChoiceCounts; roll: number | null; quorum: number | null };
  /** A local decision under a secret ballot: counts cannot be recomputed. */
  secret?: boolean;
  /** A confederal decision: the tally recomputed from the referral's valid verdicts. */
  tally?: RatificationTally;
}

export interface VerifyDeps {
  /** GETs a URL as ActivityStreams JSON; null when it cannot be had. */
  fetchJson(url: string): Promise<unknown>;
  fetchKey: KeyFetcher;
}

/** The report on `proposal`: it passes when every check holds. */
export function reportOf(proposal: string | null, checks: Check[], extra: Partial<Verification>): Verification {
  return { ok: checks.every((c) => c.ok), proposal, checks, ...extra };
}
