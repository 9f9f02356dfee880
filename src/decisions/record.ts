import type { Kysely } from "kysely";
import { bodyState, bodyStateAfter, type BodyState, type GovernanceEvent } from "../governance/index.ts";
import type { Schema } from "../store/schema.ts";

type Db = Kysely<Schema>;

/** A body's record as read: its events in order and the next free position of each stream. */
export interface LoadedRecord {
  readonly events: readonly GovernanceEvent[];
  /** Next position per stream: `""` for the body's own events, else the proposal id. */
  readonly next: ReadonlyMap<string, number>;
  readonly lastSeq: string | null;
  /** The body replayed from exactly `events`, once computed (see {@link replayRecord}). */
  state?: BodyState | null;
  /** A replay of the first `count` events, from which `state` is computed by applying the rest. */
  readonly from?: { readonly state: BodyState | null; readonly count: number };
}

/** An event to append, with the stream it belongs to. */
export interface NewEvent {
  readonly event: GovernanceEvent;
  /** The proposal's short id, or null for the body's own events. */
  readonly proposalId: string | null;
}

// Parsed records by database and body. Entries are replaced, never changed (but for the
// memo of their replay), so a caller holding one across an await keeps a consistent
// snapshot. Replayed states are shared: nothing may mutate them (the core never does).
const caches = new WeakMap<object, Map<string, LoadedRecord>>();
const CACHED_BODIES = 64;

const EMPTY: LoadedRecord = { events: [], next: new Map(), lastSeq: null };

/**
 * Reads a body's record through `executor` (the database or a transaction), reading
 * only the rows added since this process last read it. Every append to a body is made
 * under the body's lock, so a body's `seq` values are committed in increasing order and
 * "everything after the last seq seen" never skips a row. Call it before appending in a
 * transaction, never after (the cache must only ever hold committed rows).
 */
export async function loadRecord(root: Db, executor: Db, bodyId: string): Promise<LoadedRecord> {
  const cache = cacheOf(root);
  const cached = cache.get(bodyId) ?? EMPTY;
  const rows = await executor
    .selectFrom("governance_events")
    .select(["seq", "proposal_id", "position", "event"])
    .where("body_id", "=", bodyId)
    .$if(cached.lastSeq !== null, (q) => q.where("seq", ">", cached.lastSeq!))
    .orderBy("seq")
    .execute();
  return absorb(cache, bodyId, cached, rows);
}

/** {@link loadRecord} for several bodies in one statement (a timeline page shows proposals of many). */
export async function loadRecords(root: Db, executor: Db, bodyIds: readonly string[]): Promise<Map<string, LoadedRecord>> {
  const ids = [...new Set(bodyIds)];
  const out = new Map<string, LoadedRecord>();
  if (ids.length === 0) return out;
  const cache = cacheOf(root);
  const since = new Map(ids.map((id) => [id, cache.get(id) ?? EMPTY]));
  const rows = await executor
    .selectFrom("governance_events")
    .select(["body_id", "seq", "proposal_id", "position", "event"])
    .where((eb) =>
      eb.or(
        ids.map((id) => {
          const lastSeq = since.get(id)!.lastSeq;
          return lastSeq === null ? eb("body_id", "=", id) : eb.and([eb("body_id", "=", id), eb("seq", ">", lastSeq)]);
        }),
      ),
    )
    .orderBy("seq")
    .execute();
  const byBody = new Map<string, typeof rows>();
  for (const r of rows) byBody.set(r.body_id, [...(byBody.get(r.body_id) ?? []), r]);
  for (const id of ids) out.set(id, absorb(cache, id, since.get(id)!, byBody.get(id) ?? []));
  return out;
}

function cacheOf(root: Db): Map<string, LoadedRecord> {
  let cache = caches.get(root);
  if (cache === undefined) {
    cache = new Map();
    caches.set(root, cache);
  }
  return cache;
}

/** The record after `cached` and the rows read since, remembered as the body's newest. */
function absorb(
  cache: Map<string, LoadedRecord>,
  bodyId: string,
  cached: LoadedRecord,
  rows: readonly { seq: string; proposal_id: string | null; position: number; event: string }[],
): LoadedRecord {
  let record = cached;
  if (rows.length > 0) {
    const next = new Map(cached.next);
    for (const r of rows) {
      const key = r.proposal_id ?? "";
      next.set(key, Math.max(next.get(key) ?? 0, r.position + 1));
    }
    record = {
      events: cached.events.concat(rows.map((r) => JSON.parse(r.event) as GovernanceEvent)),
      next,
      lastSeq: String(rows.at(-1)!.seq),
      // Another worker appended meanwhile: replay only what is new, not the whole record.
      ...(cached.state !== undefined ? { from: { state: cached.state, count: cached.events.length } } : {}),
    };
  }
  cache.delete(bodyId);
  cache.set(bodyId, record);
  if (cache.size > CACHED_BODIES) cache.delete(cache.keys().next().value!);
  return record;
}

/** The body as `record` says (null before it is founded), replayed once per record. */
export function replayRecord(record: LoadedRecord): BodyState | null {
  if (record.state === undefined) {
    record.state = record.from ? bodyStateAfter(record.from.state, record.events.slice(record.from.count)) : bodyState(record.events);
  }
  return record.state;
}

/**
 * After a commit, remembers what this process appended after `record`, and the body it
 * led to, so the next command on the body need not read or replay it again. Skipped if
 * the cache has moved on meanwhile (another read already saw these rows).
 */
export function rememberAppended(root: Db, bodyId: string, record: LoadedRecord, appended: readonly (NewEvent & { seq: string })[], after: BodyState): void {
  const cache = caches.get(root);
  if (cache === undefined || cache.get(bodyId) !== record || appended.length === 0) return;
  const next = new Map(record.next);
  for (const { proposalId } of appended) next.set(proposalId ?? "", (next.get(proposalId ?? "") ?? 0) + 1);
  cache.set(bodyId, {
    events: record.events.concat(appended.map((a) => a.event)),
    next,
    lastSeq: appended.reduce((max, a) => (BigInt(a.seq) > BigInt(max) ? a.seq : max), appended[0]!.seq),
    state: after,
  });
}

/**
 * Takes the body's lock for the rest of the transaction. Every change to a body's record
 * is decided under it, so decisions see every earlier event (membership, bylaws, other
 * proposals) and the record's order is the order decisions were taken in. `FOR NO KEY
 * UPDATE` leaves foreign-key checks (posts, memberships) unblocked.
 *
 * @returns false when there is no such body.
 */
export async function lockBody(trx: Db, bodyId: string): Promise<boolean> {
  const row = await trx.selectFrom("actors").select("id").where("id", "=", bodyId).forNoKeyUpdate().executeTakeFirst();
  return row !== undefined;
}

/**
 * Appends events after `record` (which must be what the transaction read). Each event
 * takes the next position of its stream; if another writer already took it, the insert
 * fails with a unique violation (see {@link isPositionConflict}) and nothing is written.
 */
export async function appendEvents(trx: Db, bodyId: string, record: LoadedRecord, events: readonly NewEvent[]): Promise<(NewEvent & { seq: string })[]> {
  if (events.length === 0) return [];
  const next = new Map(record.next);
  const rows = events.map(({ event, proposalId }) => {
    const key = proposalId ?? "";
    const position = next.get(key) ?? 0;
    next.set(key, position + 1);
    return { body_id: bodyId, proposal_id: proposalId, position, type: event.type, event: JSON.stringify(event) };
  });
  const inserted = await trx.insertInto("governance_events").values(rows).returning("seq").execute();
  return events.map((e, i) => ({ ...e, seq: String(inserted[i]!.seq) }));
}

/** True when `err` is a second append at a position already taken. */
export function isPositionConflict(err: unknown): boolean {
  const e = err as { code?: string; constraint?: string } | null;
  return e?.code === "23505" && e.constraint === "governance_events_stream_position";
}
