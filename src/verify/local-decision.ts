import { outcomeOf, replayProposal, type GovernanceEvent } from "../governance/index.ts";
import { verifyDocument } from "../proofs/integrity.ts";
import { reportOf, type Check, type Verification, type VerifyDeps } from "./report.ts";
import { proofFailureInWords } from "./signature.ts";
import { idOf, isObject, type Json } from "./untrusted-json.ts";

// A local decision recomputed from its body-signed record alone. Nothing here trusts
// the server's own summary: the summary is what gets checked.

/**
 * Verifies a local decision: the proposal (or one of its rounds' polls) at `url`,
 * recomputed from its body-signed record. `fetched` is the document at `url` if the
 * caller already has it.
 */
export async function verifyLocalDecision(url: string, deps: VerifyDeps, fetched?: unknown): Promise<Verification> {
  const checks: Check[] = [];
  const extra: Partial<Verification> = {};
  const done = (proposal: string | null): Verification => reportOf(proposal, checks, extra);
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
      : { name: "signature", ok: false, detail: `the record's signature does not hold: ${proofFailureInWords(signature.reason)}` },
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
    detail:
      recomputed === claimed
        ? `recomputed outcome: ${recomputed ?? "not decided yet"} (${state.status})`
        : `the server says ${claimed ?? "undecided"}, the record gives ${recomputed ?? "undecided"}`,
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
        ? `counts recomputed: ${Object.entries(counts)
            .map(([k, n]) => `${k} ${n}`)
            .join(", ")}${round.result ? `; ${round.result.reason}` : ""}`
        : `the server's counts ${JSON.stringify(claimedCounts)} differ from the record's ${JSON.stringify(counts)}`,
    });
  }
  return done(proposalUri);
}
