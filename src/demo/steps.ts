import { operations } from "../cli/operations.ts";
import type { AppContext } from "../context.ts";
import { draftProposal, foundBodyRecord, readProposal, runDueDeadlines, tableProposal, vote } from "../decisions/index.ts";
import { defaultBylaws, type BodyKind, type Bylaws, type ChoiceCounts, type RatificationRule, type VoteChoice } from "../governance/index.ts";

// Steps of a confederation story, shared by the demonstration (`npm run demo`) and the
// integration tests (test/support/confederation.ts re-exports them): people, bodies with
// short periods, proposals decided in real time. Every instance's clock is the real one,
// as between real servers; deadlines are moved on by running them as soon as they pass.

/** Anything that has a running instance's app (a test instance, a demo instance). */
export interface HasApp {
  readonly app: AppContext;
}

/** Polls `check` until it returns a truthy value, for at most `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | null | undefined | false>, timeoutMs = 15_000, label = "condition"): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${label}${last ? `: ${String(last)}` : ""}`);
}

export class ForwardClock {
  #t = Date.now();
  /** Now, or later than every instant given before. */
  now(): Date {
    this.#t = Math.max(this.#t, Date.now());
    return new Date(this.#t);
  }
  /** Moves on by `ms` and returns the new instant. */
  advance(ms: number): Date {
    this.now();
    this.#t += ms;
    return new Date(this.#t);
  }
}

export interface People {
  [handle: string]: string;
}

/** Creates accounts; returns handle → actor URI. */
export async function createPeople(inst: HasApp, handles: readonly string[]): Promise<People> {
  const out: People = {};
  for (const handle of handles) out[handle] = (await operations["account.create"](inst.app, { handle, password: `${handle}-password-long` })).id;
  return out;
}

/**
 * Short periods so a whole decision runs in seconds of real time (deliberation 1 s,
 * voting 6 s unless `extra` says otherwise).
 */
export function quickBylaws(kind: BodyKind, extra: Partial<Bylaws> = {}): Bylaws {
  return { ...defaultBylaws(kind), deliberationPeriod: "PT1S", votingPeriod: "PT6S", ...extra };
}

/** Creates a body with members and founds its record with `bylaws`; returns its actor URI. */
export async function createBody(
  inst: HasApp,
  input: { handle: string; kind: BodyKind; name?: string; members?: readonly string[]; bylaws?: Bylaws; admission?: "open" | "by-decision" },
): Promise<string> {
  const body = await operations["body.create"](inst.app, {
    handle: input.handle,
    kind: input.kind,
    ...(input.name ? { name: input.name } : {}),
    ...(input.admission ? { admission: input.admission } : {}),
  });
  for (const m of input.members ?? []) await operations["member.add"](inst.app, { body: input.handle, member: m });
  const founded = await foundBodyRecord(inst.app, input.handle, { bylaws: input.bylaws ?? quickBylaws(input.kind) });
  if (!founded.ok) throw new Error(`found ${input.handle}: ${founded.error.message}`);
  return body.id;
}

/** A ratification rule for a confederation's bylaws (a referral's deadline is deliberation + voting). */
export function confederationBylaws(rule: RatificationRule, periods: { deliberation?: string; voting?: string } = {}): Bylaws {
  return { ...quickBylaws("confederation"), admission: "open", ratification: rule, deliberationPeriod: periods.deliberation ?? "PT1S", votingPeriod: periods.voting ?? "PT29S" };
}

/** Moves deadlines on (real time) until the proposal's status satisfies `done`. */
export async function settle(inst: HasApp, body: string, id: string, done: (status: string) => boolean, label: string, timeoutMs = 30_000): Promise<string> {
  return eventually(
    async () => {
      await runDueDeadlines(inst.app);
      const read = await readProposal(inst.app, null, body, id);
      return read.ok && done(read.value.view.status) ? read.value.view.status : null;
    },
    timeoutMs,
    label,
  );
}

const decided = (s: string) => ["passed", "rejected", "tabled", "withdrawn", "implementing", "done"].includes(s);

/** A decided proposal: its outcome and the counts of its deciding round. */
async function outcomeOf(inst: HasApp, body: string, id: string): Promise<{ uri: string; outcome: string | null; counts: ChoiceCounts | null; reason: string | null }> {
  const read = await readProposal(inst.app, null, body, id);
  if (!read.ok) throw new Error(read.error.message);
  const round = read.value.rounds.filter((r) => r.closedAt !== null).at(-1) ?? read.value.rounds.at(-1);
  return { uri: read.value.uri, outcome: read.value.outcome, counts: round?.counts ?? null, reason: round?.reason ?? null };
}

/** Drafts, tables and carries a proposal: everyone in `votes` votes once voting opens. */
export async function decide(
  inst: HasApp,
  _clock: ForwardClock | null,
  input: { body: string; author: string; kind: string; title: string; payload?: unknown; votes: Record<string, VoteChoice> },
): Promise<{ id: string; uri: string; outcome: string | null; counts: ChoiceCounts | null }> {
  const drafted = await draftProposal(inst.app, input.author, input.body, {
    kind: input.kind as never,
    title: input.title,
    text: input.title,
    ...(input.payload === undefined ? {} : { payload: input.payload }),
  });
  if (!drafted.ok) throw new Error(`draft ${input.title}: ${drafted.error.message}`);
  const id = drafted.value.id;
  const tabled = await tableProposal(inst.app, input.author, input.body, id);
  if (!tabled.ok) throw new Error(`table ${input.title}: ${tabled.error.message}`);
  await settle(inst, input.body, id, (s) => s === "voting", `voting on ${input.title}`);
  for (const [who, choice] of Object.entries(input.votes)) {
    const v = await vote(inst.app, who, input.body, id, { choice });
    if (!v.ok) throw new Error(`vote ${input.title} by ${who}: ${v.error.message}`);
  }
  await settle(inst, input.body, id, decided, `the decision on ${input.title}`);
  const { uri, outcome, counts } = await outcomeOf(inst, input.body, id);
  return { id, uri, outcome, counts };
}

/**
 * A body elects a confederal delegate by a carried `delegation` proposal; returns the
 * decision and the URL of the mandate the body signs for the delegate.
 */
export async function electDelegate(
  inst: HasApp,
  clock: ForwardClock | null,
  input: {
    body: string;
    author: string;
    delegate: string;
    confederation: string;
    title: string;
    scope: string;
    instructions: string;
    covers: string[];
    start: string;
    end: string;
    votes: Record<string, VoteChoice>;
  },
): Promise<{ outcome: string | null; counts: ChoiceCounts | null; mandate: string }> {
  const d = await decide(inst, clock, {
    body: input.body,
    author: input.author,
    kind: "delegation",
    title: input.title,
    payload: {
      role: "confederal-delegate",
      delegates: [input.delegate],
      mandate: { scope: input.scope, instructions: input.instructions, covers: input.covers },
      start: input.start,
      end: input.end,
      confederation: input.confederation,
    },
    votes: input.votes,
  });
  return { outcome: d.outcome, counts: d.counts, mandate: `${d.uri}#mandate:${input.delegate}` };
}

/** The ratification proposal a body put before its members for `referral`, once it exists. */
export async function ratificationFor(inst: HasApp, bodyHandle: string, referral: string): Promise<{ id: string; uri: string } | null> {
  const rows = await inst.app.db
    .selectFrom("proposals")
    .innerJoin("actors", "actors.id", "proposals.body_id")
    .select(["proposals.id", "proposals.uri"])
    .where("actors.handle", "=", bodyHandle)
    .where("proposals.kind", "=", "ratification")
    .execute();
  for (const row of rows) {
    const read = await readProposal(inst.app, null, bodyHandle, row.id);
    if (read.ok && JSON.stringify(read.value).includes(referral)) return { id: row.id, uri: row.uri };
  }
  return null;
}

/** Members vote on their bodies' ratifications once voting opens; returns the outcomes once decided. */
export async function ratifyAll(
  _clock: ForwardClock | null,
  ballots: readonly { inst: HasApp; body: string; proposal: string; votes: Record<string, VoteChoice> }[],
): Promise<(string | null)[]> {
  for (const b of ballots) await settle(b.inst, b.body, b.proposal, (s) => s === "voting" || decided(s), `voting in ${b.body}`);
  for (const b of ballots) {
    for (const [who, choice] of Object.entries(b.votes)) {
      const v = await vote(b.inst.app, who, b.body, b.proposal, { choice });
      if (!v.ok) throw new Error(`ratification vote in ${b.body} by ${who}: ${v.error.message}`);
    }
  }
  const outcomes: (string | null)[] = [];
  for (const b of ballots) {
    await settle(b.inst, b.body, b.proposal, decided, `the ratification in ${b.body}`);
    const read = await readProposal(b.inst.app, null, b.body, b.proposal);
    outcomes.push(read.ok ? read.value.outcome : null);
  }
  return outcomes;
}

/**
 * One body's ratification of `referral`, from start to end: waits for the body to put it
 * before its members, votes as soon as voting opens, and waits for the decision. Several
 * run at once (each body's vote opens when the referral reaches it).
 */
export async function ratify(
  inst: HasApp,
  body: string,
  referral: string,
  votes: Record<string, VoteChoice>,
  timeoutMs = 40_000,
): Promise<{ id: string; uri: string; outcome: string | null; counts: ChoiceCounts | null; reason: string | null }> {
  const p = await eventually(() => ratificationFor(inst, body, referral), timeoutMs, `${body}'s ratification of ${referral}`);
  await settle(inst, body, p.id, (s) => s === "voting" || decided(s), `voting in ${body}`, timeoutMs);
  for (const [who, choice] of Object.entries(votes)) {
    const v = await vote(inst.app, who, body, p.id, { choice });
    if (!v.ok) throw new Error(`ratification vote in ${body} by ${who}: ${v.error.message}`);
  }
  await settle(inst, body, p.id, decided, `the ratification in ${body}`, timeoutMs);
  return { id: p.id, ...(await outcomeOf(inst, body, p.id)) };
}

/** Members of a local body (URIs), from the database. */
export async function membersOf(inst: HasApp, handle: string): Promise<string[]> {
  const rows = await inst.app.db
    .selectFrom("memberships")
    .innerJoin("actors", "actors.id", "memberships.body_id")
    .select("memberships.member_uri")
    .where("actors.handle", "=", handle)
    .execute();
  return rows.map((r) => r.member_uri);
}
