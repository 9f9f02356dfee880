import { outcomeOf } from "../decisions/projection.ts";
import type { RatificationTally } from "../governance/confederation.ts";
import { replayProposal, type GovernanceEvent } from "../governance/index.ts";
import type { ChoiceCounts, RoundRule } from "../governance/rules/types.ts";
import { verifyDocument, type KeyFetcher } from "./integrity.ts";
import { verifyReferral } from "./verify-confederal.ts";

// `folkmoot verify <url>`: fetch a decision and recompute it from its signed
// record alone. Nothing here trusts the server's own summary: the summary is
// what gets checked.

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

/** Options of {@link verifyDecision}. */
export interface VerifyDecisionOptions {
  /**
   * For a confederal decision (a `Referral`): how many levels of decisions below the
   * verdicts to verify as well (0: only the referral and the signed documents it
   * embeds; 1, the default: also each member body's own decision; 2: and, for nested
   * confederations, their members' decisions; …).
   */
  depth?: number;
}

export interface VerifyDeps {
  /** GETs a URL as ActivityStreams JSON; null when it cannot be had. */
  fetchJson(url: string): Promise<unknown>;
  fetchKey: KeyFetcher;
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function idOf(v: unknown): string | null {
  if (typeof v === "string") return v;
  if (isObject(v) && typeof v.id === "string") return v.id;
  return null;
}

/**
 * Verifies the decision a URL names: a proposal (or one of its rounds' polls), or a
 * confederation's `Referral` (see {@link verifyReferral}).
 */
export async function verifyDecision(url: string, deps: VerifyDeps, opts: VerifyDecisionOptions = {}): Promise<Verification> {
  const fetched = await deps.fetchJson(url);
  if (isObject(fetched) && fetched.type === "Referral") return verifyReferral(fetched, url, deps, { depth: opts.depth ?? 1 });
  return verifyProposalDecision(url, deps, fetched);
}

/**
 * Verifies a local decision: the proposal (or one of its rounds' polls) at `url`,
 * recomputed from its body-signed record. `fetched` is the document at `url` if the
 * caller already has it.
 */
export async function verifyProposalDecision(url: string, deps: VerifyDeps, fetched?: unknown): Promise<Verification> {
  const checks: Check[] = [];
  const extra: Partial<Verification> = {};
  const done = (proposal: string | null): Verification => ({ ok: checks.every((c) => c.ok), proposal, checks, ...extra });
  let question = fetched === undefined ? await deps.fetchJson(url) : fetched;
  if (!isObject(question) || question.type !== "Question") {
    checks.push({ name: "fetch", ok: false, detail: `${url} is not a proposal (no Question there)` });
    return done(null);
  }
  // A round's poll names the proposal it belongs to.
  if (typeof question.proposal === "string" && question.proposal !== question.id) {
    const main = await deps.fetchJson(question.proposal);
    if (isObject(main) && main.type === "Question") question = main;
  }
  const q = question as Json;
  const proposalUri = idOf(q.id);
  const body = idOf(q.attributedTo);
  checks.push({ name: "fetch", ok: proposalUri !== null && body !== null, detail: `proposal ${proposalUri ?? "?"} of body ${body ?? "?"}` });
  if (!proposalUri || !body) return done(proposalUri);
  extra.body = body;

  const record = await deps.fetchJson(`${proposalUri}/record`);
  if (!isObject(record)) {
    checks.push({ name: "record", ok: false, detail: `no record at ${proposalUri}/record` });
    return done(proposalUri);
  }
  const signature = await verifyDocument(record, { fetchKey: deps.fetchKey, expectedSigner: new URL(body) });
  checks.push(
    signature.ok
      ? { name: "signature", ok: true, detail: `the record is signed by ${signature.signer.href} (${signature.created.toISOString()})` }
      : { name: "signature", ok: false, detail: `the record's signature does not hold: ${signature.reason}` },
  );
  checks.push({ name: "record names the proposal", ok: record.proposal === proposalUri, detail: `record.proposal = ${String(record.proposal)}` });
  if (!Array.isArray(record.events)) {
    checks.push({ name: "replay", ok: false, detail: "the record has no events" });
    return done(proposalUri);
  }

  const state = replayProposal(record.events as GovernanceEvent[], { proposal: proposalUri });
  if (state === null) {
    checks.push({ name: "replay", ok: false, detail: "the record never drafts this proposal" });
    return done(proposalUri);
  }
  const ignored = state.ignored?.length ?? 0;
  checks.push({ name: "replay", ok: ignored === 0, detail: `${record.events.length} events replayed; ${ignored} refused by the rules` });
  const secret = state.terms?.ballot === "secret";
  if (secret) extra.secret = true;
  else {
    const rounds = [...state.rounds.values()];
    const last = rounds.findLast((r) => r.result !== null) ?? rounds.at(-1);
    if (last) {
      extra.counts = { ...(last.result?.counts ?? last.counts) };
      extra.lastRound = {
        id: last.id,
        rule: last.rule,
        counts: extra.counts,
        roll: last.result?.rollSize ?? null,
        quorum: last.result?.quorum.required ?? null,
      };
    }
  }

  const recomputed = outcomeOf(state)?.outcome ?? null;
  const claimed = (q.outcome as string | null | undefined) ?? null;
  checks.push({
    name: "outcome",
    ok: recomputed === claimed,
    detail: recomputed === claimed ? `recomputed outcome: ${recomputed ?? "not decided yet"} (${state.status})` : `the server says ${claimed ?? "undecided"}, the record gives ${recomputed ?? "undecided"}`,
  });

  const claimedRounds = Array.isArray(q.rounds) ? (q.rounds as Json[]) : [];
  for (const round of state.rounds.values()) {
    const claim = claimedRounds.find((r) => r.id === round.id);
    if (secret) {
      checks.push({ name: `round ${round.id}`, ok: true, detail: `secret ballot: ${round.ballots.size} ballots cast (only eligibility can be checked)` });
      continue;
    }
    const counts = round.result?.counts ?? round.counts;
    const claimedCounts = isObject(claim?.counts) ? claim.counts : null;
    const same = claimedCounts !== null && (Object.keys(counts) as (keyof typeof counts)[]).every((k) => claimedCounts[k] === counts[k]);
    checks.push({
      name: `round ${round.id}`,
      ok: same,
      detail: same
        ? `counts recomputed: ${Object.entries(counts).map(([k, n]) => `${k} ${n}`).join(", ")}${round.result ? `; ${round.result.reason}` : ""}`
        : `the server's counts ${JSON.stringify(claimedCounts)} differ from the record's ${JSON.stringify(counts)}`,
    });
  }
  return done(proposalUri);
}
