// Time to tally a proposal with 10,000 votes, and to replay its whole record
// (what the decisions adapter does before each command).
// Usage: npm run bench:tally   (BENCH_VOTES=10000)
import {
  bodyState,
  castVote,
  defaultBylaws,
  draftProposal,
  foundBody,
  fraction,
  openVoting,
  tableProposal,
  tally,
  type GovernanceEvent,
  type VoteChoice,
} from "../src/governance/index.ts";

const N = Number(process.env.BENCH_VOTES ?? 10_000);
const choices: VoteChoice[] = ["agree", "agree", "disagree", "abstain"];
const roll = Array.from({ length: N }, (_, i) => `https://example.org/users/u${i}`);
const deadline = "2026-12-01T00:00:00.000Z";
const votes = roll.map((voter, i) => ({ voter, choice: choices[i % choices.length]!, at: "2026-11-30T12:00:00.000Z" }));

function median(xs: number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
}
function time(runs: number, fn: () => void): number {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    samples.push(performance.now() - t0);
  }
  return median(samples);
}

for (const rule of [{ kind: "simple-majority" }, { kind: "consensus" }, { kind: "supermajority", fraction: fraction(2, 3) }] as const) {
  const ms = time(21, () => tally(rule, roll, votes, { kind: "share", share: fraction(1, 3) }, { deadline }));
  console.log(`tally, ${rule.kind}, ${N} votes: median ${ms.toFixed(2)} ms over 21 runs`);
}

// The same election as a record of events, replayed from scratch.
const body = "https://example.org/ap/actors/body";
const proposal = "https://example.org/ap/proposals/p1";
const events: GovernanceEvent[] = [];
const t = (s: number) => new Date(Date.UTC(2026, 10, 1) + s * 1000).toISOString();
const push = (r: { ok: true; events: readonly GovernanceEvent[] } | { ok: false; reason: { message: string } }) => {
  if (!r.ok) throw new Error(r.reason.message);
  events.push(...r.events);
};
push(foundBody({ body, actor: roll[0]!, kind: "assembly", name: "Bench", bylaws: { ...defaultBylaws("assembly"), admission: "open" }, members: roll }, t(0)));
let state = bodyState(events)!;
push(draftProposal(state, { proposal, actor: roll[0]!, kind: "policy", title: "Bench", text: "…" }, t(1)));
state = bodyState(events)!;
push(tableProposal(state.proposals.get(proposal)!, { actor: roll[0]!, body: state }, t(2)));
state = bodyState(events)!;
push(openVoting(state.proposals.get(proposal)!, { actor: roll[0]!, body: state }, t(3 + 7 * 86400)));
state = bodyState(events)!;
let p = state.proposals.get(proposal)!;
const t0 = performance.now();
for (let i = 0; i < N; i++) {
  const r = castVote(p, { actor: roll[i]!, choice: choices[i % choices.length]! }, t(4 + 7 * 86400 + i));
  if (!r.ok) throw new Error(r.reason.message);
  events.push(...r.events);
}
const castMs = performance.now() - t0;
const replayMs = time(5, () => {
  state = bodyState(events)!;
});
p = state.proposals.get(proposal)!;
console.log(
  `record of ${events.length} events (${N} votes): replayed from scratch in ${replayMs.toFixed(0)} ms (median of 5); ${N} castVote checks against one state: ${castMs.toFixed(0)} ms`,
);
