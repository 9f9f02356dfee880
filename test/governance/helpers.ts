import { expect } from "vitest";
import {
  advance,
  bodyState,
  defaultBylaws,
  draftProposal,
  foundBody,
  openVoting,
  tableProposal,
  type BodyState,
  type Bylaws,
  type CommandResult,
  type DecisionRule,
  type DraftInput,
  type GovernanceEvent,
  type ProposalState,
} from "../../src/governance/index.ts";

/** Instant `days` days (and `hours` hours) after 2026-03-01T00:00Z. */
export function t(days: number, hours = 0, minutes = 0): string {
  return new Date(Date.UTC(2026, 2, 1) + ((days * 24 + hours) * 60 + minutes) * 60_000).toISOString();
}

/** Member ids m0 … m(n-1). */
export function people(n: number, prefix = "https://x.example/users/m"): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}${i}`);
}

/** Unwraps a successful result; fails the test with the refusal otherwise. */
export function ok(result: CommandResult): readonly GovernanceEvent[] {
  if (!result.ok) throw new Error(`refused: ${result.reason.code}: ${result.reason.message}`);
  return result.events;
}

/** Asserts a refusal with the given code. */
export function refused(result: CommandResult, code: string): void {
  expect(result.ok).toBe(false);
  if (!result.ok) expect(result.reason.code).toBe(code);
}

/** Short bylaws for tests: 1-day periods everywhere, quorum of one. */
export function testBylaws(rule: DecisionRule, extra: Partial<Bylaws> = {}): Bylaws {
  return {
    ...defaultBylaws(),
    decisionRule: rule,
    quorum: { kind: "count", count: 1 },
    deliberationPeriod: "P1D",
    votingPeriod: "P1D",
    graduatedConsensus: { objectionPeriod: "P1D", grievancePeriod: "P1D", contentionPeriod: "P1D" },
    ...extra,
  };
}

export const BODY = "https://x.example/groups/riverside";

/** A body's record under construction, re-deriving state from it at every step. */
export class Ledger {
  readonly events: GovernanceEvent[] = [];

  /** Appends a command's events (it must succeed) and returns them. */
  run(result: CommandResult): readonly GovernanceEvent[] {
    const events = ok(result);
    this.events.push(...events);
    return events;
  }

  get body(): BodyState {
    const state = bodyState(this.events);
    if (state === null) throw new Error("no body");
    return state;
  }

  proposal(id = "p1"): ProposalState {
    const state = this.body.proposals.get(id);
    if (state === undefined) throw new Error(`no proposal ${id}`);
    return state;
  }

  /** advance() at `now` with the body, appending whatever it returns. */
  advance(now: string, id = "p1"): CommandResult {
    const result = advance(this.proposal(id), now, this.body);
    this.events.push(...ok(result));
    return result;
  }
}

/**
 * A founded body of `members` (the first is the founder) with a proposal `p1` drafted
 * at day 0, tabled, and (unless `open` is false) voting opened at day 1.
 */
export function setup(options: { rule?: DecisionRule; members?: string[]; bylaws?: Partial<Bylaws>; draft?: Partial<DraftInput>; open?: boolean }): Ledger {
  const members = options.members ?? people(5);
  const rec = new Ledger();
  const bylaws = testBylaws(options.rule ?? { kind: "simple-majority" }, options.bylaws);
  const founder = members[0] ?? "founder";
  rec.run(foundBody({ body: BODY, actor: founder, kind: "assembly", name: "Riverside", bylaws, members }, t(0)));
  rec.run(draftProposal(rec.body, { proposal: "p1", actor: founder, kind: "policy", title: "Community garden", text: "Plant it.", ...options.draft }, t(0)));
  rec.run(tableProposal(rec.proposal(), { actor: founder, body: rec.body }, t(0)));
  if (options.open !== false) rec.run(openVoting(rec.proposal(), { actor: founder, body: rec.body }, t(1)));
  return rec;
}
