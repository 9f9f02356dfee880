import type { Kysely } from "kysely";
import { faultPoint } from "../shared/faults.ts";
import { ok, type Failure, type Result, failWith } from "../shared/result.ts";
import type { AppContext } from "../context.ts";
import { actorUri, INSTANCE_ACTOR_ID } from "../shared/uris.ts";
import {
  advance,
  applyBodyEvent,
  bodyState,
  defaultBylaws,
  foundBody,
  isProposalEvent,
  type BodyKind,
  type BodyState,
  type Bylaws,
  type CommandResult,
  type Effect,
  type GovernanceEvent,
  type Instant,
  type Refusal,
} from "../governance/index.ts";
import type { Schema } from "../store/schema.ts";
import { proposalIdFromUri } from "./ids.ts";
import type { InboundActivity } from "../community/inbound.ts";
import { recordedForDelivery } from "../community/outbox.ts";
import { carryOutEffects, projectProposal, type BodyRef } from "./projection.ts";
import { appendEvents, isPositionConflict, loadRecord, lockBody, rememberAppended, replayRecord, type LoadedRecord, type NewEvent } from "./record.ts";
import { refusalToFailure, type FieldNames } from "./refusals.ts";

type Db = Kysely<Schema>;

/** What a command sees: the body as its record says now (null if not founded), and the time. */
export interface StepContext {
  readonly body: BodyState | null;
  readonly now: Instant;
}

/** A command's decision: a failure found by the adapter, or the core's result and how to present success. */
export type Step<T> =
  | { readonly fail: Failure }
  | {
      readonly command: CommandResult;
      /** The result on success, from the body after the command (null only if never founded) and the events appended. */
      readonly value: (after: BodyState | null, appended: readonly GovernanceEvent[]) => T;
      /** Field names for refusals of this command. */
      readonly fields?: FieldNames;
      /** A different wording of refusals (e.g. for remote voters). */
      readonly explain?: (reason: Refusal) => Failure;
    };

export interface RunOptions {
  /** The proposal (URI) the command is about: deadlines already passed are applied first. */
  readonly proposal?: string;
  /** Found the body's record from its memberships if it has none yet. */
  readonly found?: boolean;
  /** The instant to act at (default: the clock). */
  readonly now?: Date;
  /** Re-project `proposal` even when nothing is appended (to correct a stale row). */
  readonly refresh?: boolean;
  /**
   * The inbound activity this command carries out: claimed in the command's transaction,
   * its answers queued there too. A duplicate runs nothing (the outcome is a `conflict`).
   */
  readonly inbound?: InboundActivity;
}

/** The events a run appended to one proposal. */
export interface Change {
  readonly proposalId: string;
  readonly events: GovernanceEvent[];
}

/** The bylaws a body starts with: the defaults for its kind, with its current admission. */
export function foundingBylaws(kind: BodyKind, admission: "open" | "by-decision"): Bylaws {
  return { ...defaultBylaws(kind), admission };
}

/** The bylaws a body was created with and keeps until its record starts (undefined: the defaults of its kind). */
export function storedFoundingBylaws(body: { readonly founding_bylaws?: string | null }): Bylaws | undefined {
  if (body.founding_bylaws === null || body.founding_bylaws === undefined) return undefined;
  return JSON.parse(body.founding_bylaws) as Bylaws;
}

/**
 * The instant an event is recorded at: the clock, but never before the record's last
 * event. The record must stay in time order even when processes' clocks differ, and
 * deadlines computed from recorded times then stay consistent.
 */
function recordTime(clock: Date, lastAt: Instant | undefined): Instant {
  const last = lastAt === undefined ? Number.NEGATIVE_INFINITY : Date.parse(lastAt);
  return new Date(Math.max(clock.getTime(), last)).toISOString();
}

/** The founding event of a body that has members but no record yet (created before decisions, or by the operator). */
async function foundFromMemberships(trx: Db, app: AppContext, body: BodyRef, now: Instant): Promise<GovernanceEvent | null> {
  const rows = await trx.selectFrom("memberships").select("member_uri").where("body_id", "=", body.id).orderBy("admitted_at").orderBy("id").execute();
  if (rows.length === 0 && body.kind !== "confederation") return null;
  const origin = app.config.publicOrigin;
  const chosen = storedFoundingBylaws((await trx.selectFrom("actors").select("founding_bylaws").where("id", "=", body.id).executeTakeFirst()) ?? {});
  const result = foundBody(
    {
      body: actorUri(origin, body.id).href,
      actor: actorUri(origin, INSTANCE_ACTOR_ID).href,
      kind: body.kind as BodyKind,
      name: body.name,
      bylaws: chosen ?? foundingBylaws(body.kind as BodyKind, body.admission),
      members: rows.map((r) => r.member_uri),
    },
    now,
  );
  if (!result.ok) throw new Error(`cannot found the record of ${body.handle}: ${result.reason.message}`);
  return result.events[0] ?? null;
}

/**
 * Decides one command on a body inside `trx`: takes the body's lock, replays its record,
 * applies the proposal's passed deadlines, runs `decide`, and appends every resulting
 * event together with the projection and the effects. Events that happened regardless
 * of the command (founding, deadlines) are kept even when the command is refused.
 */
export async function applyOnBody<T>(
  app: AppContext,
  trx: Db,
  body: BodyRef,
  opts: RunOptions,
  decide: (ctx: StepContext) => Step<T>,
): Promise<{ outcome: Result<T>; changes: Change[]; appended: Appended | null }> {
  if (!(await lockBody(trx, body.id)))
    return { outcome: failWith("not-found", "no-such-body", `no body ${body.handle}`, { params: { handle: body.handle } }), changes: [], appended: null };
  const record = await loadRecord(app.db, trx, body.id);
  const pending: GovernanceEvent[] = [];
  const effects: Effect[] = [];
  let state = replayRecord(record);
  const initial = state;
  const now = recordTime(opts.now ?? new Date(), state?.lastAt);

  if (state === null && opts.found) {
    const founded = await foundFromMemberships(trx, app, body, now);
    if (founded !== null) {
      pending.push(founded);
      state = bodyState([founded]);
    }
  }
  const current = opts.proposal === undefined ? undefined : state?.proposals.get(opts.proposal);
  if (state !== null && current !== undefined) {
    const due = advance(current, now, state);
    if (!due.ok) app.log.warn({ proposal: current.id, reason: due.reason }, "a due transition was refused");
    else if (due.events.length > 0) {
      pending.push(...due.events);
      effects.push(...due.effects);
      state = bodyState([...record.events, ...pending]);
    }
  }

  const step = decide({ body: state, now });
  let outcome: Result<T> | null = null;
  // `state` is the record plus every pending event so far; the command's events follow.
  let after = state;
  if ("fail" in step) outcome = { ok: false, error: step.fail };
  else if (!step.command.ok) outcome = { ok: false, error: step.explain?.(step.command.reason) ?? refusalToFailure(step.command.reason, step.fields) };
  else {
    pending.push(...step.command.events);
    effects.push(...step.command.effects);
    // The body after the command, from `state` on (as a replay of the whole record would
    // give, without replaying it: a confederation's record grows with every verdict).
    for (const event of step.command.events) {
      if (after !== null && event.body !== after.id) continue;
      after = applyBodyEvent(after, event);
    }
  }

  const changes: Change[] = [];
  let appended: Appended | null = null;
  if (pending.length > 0) {
    const origin = app.config.publicOrigin;
    const byProposal = new Map<string, { uri: string; events: GovernanceEvent[] }>();
    const rows = pending.map((event) => {
      if (!isProposalEvent(event)) return { event, proposalId: null };
      const id = proposalIdFromUri(origin, event.proposal);
      if (id === null) throw new Error(`invariant: ${event.proposal} is not a local proposal URI`);
      const entry = byProposal.get(id) ?? { uri: event.proposal, events: [] };
      entry.events.push(event);
      byProposal.set(id, entry);
      return { event, proposalId: id };
    });
    const written = await appendEvents(trx, body.id, record, rows);
    if (after === null) throw new Error("invariant: appended events leave the body founded");
    appended = { record, events: written, after };
    await carryOutEffects(trx, body, effects);
    // What crosses instances (Join, verdicts, revocations, referrals) is queued in the same transaction.
    await app.decisions?.federate?.(trx, app, body, { before: initial, after, events: pending, effects });
    for (const [proposalId, { uri, events }] of byProposal) {
      const p = after.proposals.get(uri);
      if (p === undefined) throw new Error(`invariant: proposal ${proposalId} replays`);
      await projectProposal(
        trx,
        app,
        body,
        after,
        p,
        events.some((e) => e.type === "proposal-drafted"),
      );
      changes.push({ proposalId, events });
    }
  }
  if (pending.length === 0 && opts.refresh && opts.proposal !== undefined && state !== null) {
    const p = state.proposals.get(opts.proposal);
    if (p !== undefined) await projectProposal(trx, app, body, state, p, false);
  }
  if (outcome === null) {
    if ("fail" in step) throw new Error("invariant: a failed step has an outcome");
    outcome = ok(step.value(after, pending));
  }
  return { outcome, changes, appended };
}

/** What a run appended, to remember once committed. */
interface Appended {
  readonly record: LoadedRecord;
  readonly events: (NewEvent & { seq: string })[];
  readonly after: BodyState;
}

/** Tells the federation hook about committed changes; its failures are logged, never thrown. */
export async function publishChanges(app: AppContext, bodyId: string, changes: readonly Change[]): Promise<void> {
  const onChange = app.decisions?.onChange;
  if (onChange === undefined) return;
  for (const change of changes) {
    try {
      await onChange(app, { bodyId, proposalId: change.proposalId, events: change.events });
    } catch (err) {
      app.log.error({ err, proposal: change.proposalId }, "publishing a decision change failed");
    }
  }
}

/**
 * Runs a command on a body in its own transaction (see {@link applyOnBody}), retrying once
 * if another writer took the same position in the record, then publishes the change.
 */
export async function runOnBody<T>(app: AppContext, body: BodyRef, opts: RunOptions, decide: (ctx: StepContext) => Step<T>): Promise<Result<T>> {
  for (let attempt = 0; ; attempt++) {
    try {
      let handOff = false;
      const { outcome, changes, appended } = await app.db.transaction().execute(async (trx) => {
        const inbound = opts.inbound;
        if (inbound !== undefined && !(await inbound.claimIn(trx)))
          return { outcome: failWith("conflict", "taken-in-before", "this activity was taken in before"), changes: [], appended: null };
        const applied = await applyOnBody(app, trx, body, opts, decide);
        await inbound?.settle(trx, applied.outcome);
        // Everything the command writes is written: a failure from here leaves none of it.
        faultPoint("command-before-commit", { body: body.handle });
        handOff = recordedForDelivery(trx);
        return applied;
      });
      if (appended !== null) rememberAppended(app.db, body.id, appended.record, appended.events, appended.after);
      // Only when something was recorded for delivery: a kick that finds nothing costs a statement.
      if (handOff) app.deliveries.kick();
      await publishChanges(app, body.id, changes);
      return outcome;
    } catch (err) {
      if (attempt === 0 && isPositionConflict(err)) continue;
      throw err;
    }
  }
}

/** A step that succeeds without changing anything. */
export function nothing<T>(value: (after: BodyState | null, appended: readonly GovernanceEvent[]) => T): Step<T> {
  return { command: { ok: true, events: [], effects: [] }, value };
}
