import { findBody, type ActorRow } from "../community/actors.ts";
import { failWith, ok, type Failure, type Result } from "../shared/result.ts";
import type { AppContext } from "../context.ts";
import { proposalUri } from "../shared/uris.ts";
import { isProposalEvent, type BodyState, type Bylaws, type BylawsVersion, type DecisionRule, type ProposalState } from "../governance/index.ts";
import { PROPOSAL_ID_PATTERN } from "./ids.ts";
import { proposalPageUrl, type BodyRef, type Outcome } from "./projection.ts";
import { loadRecord, loadRecords, replayRecord } from "./record.ts";
import { proposalDetail, redactEvent, register, type ProposalDetail, type RegisterEntry } from "./views.ts";

/** What {@link loadProposalState} gives for one proposal. */
export interface LoadedProposal {
  body: BodyRef;
  state: BodyState;
  proposal: ProposalState;
  detail: ProposalDetail;
}

/** A body's record replayed now (null until the body's record is founded). */
export async function replayBody(app: AppContext, bodyId: string): Promise<BodyState | null> {
  return replayRecord(await loadRecord(app.db, app.db, bodyId));
}

/**
 * Whether `viewer` (an actor URI, or null for anyone) may read what the bylaws (or the
 * proposal's frozen terms) make public or members-only.
 */
function readable(state: BodyState | null, p: ProposalState | null, viewer: string | null, handle: string): Failure | null {
  const visibility = p?.terms?.visibility ?? state?.bylaws.visibility ?? "public";
  if (visibility === "public") return null;
  if (viewer === null) return { code: "unauthorized", message: `the record of ${handle} is for its members: sign in` };
  if (state?.members.has(viewer) || p?.roll?.has(viewer)) return null;
  return { code: "forbidden", message: `the record of ${handle} is for its members only` };
}

/** Whether `viewer` (an actor URI, or null for anyone) may read proposal `p` of a body in `state`. */
export function mayReadProposal(state: BodyState, p: ProposalState, viewer: string | null): boolean {
  return readable(state, p, viewer, "") === null;
}

async function loadProposal(
  app: AppContext,
  viewer: string | null,
  bodyHandle: string,
  proposalId: string,
): Promise<Result<{ body: ActorRow; state: BodyState; p: ProposalState }>> {
  const body = await findBody(app, bodyHandle);
  if (!body.ok) return body;
  const missing = failWith("not-found", "no-such-proposal", `no proposal ${proposalId} in ${body.value.handle}`);
  if (!PROPOSAL_ID_PATTERN.test(proposalId)) return missing;
  const state = await replayBody(app, body.value.id);
  const p = state?.proposals.get(proposalUri(app.config.publicOrigin, proposalId).href);
  if (state === null || p === undefined) return missing;
  const denied = readable(state, p, viewer, body.value.handle);
  if (denied !== null) return { ok: false, error: denied };
  return ok({ body: body.value, state, p });
}

/** A proposal's state: the public view (secret ballots stay secret), counts per round, deadlines. */
export async function readProposal(app: AppContext, viewer: string | null, bodyHandle: string, proposalId: string): Promise<Result<ProposalDetail>> {
  const loaded = await loadProposal(app, viewer, bodyHandle, proposalId);
  if (!loaded.ok) return loaded;
  return ok(proposalDetail(app, loaded.value.body, loaded.value.state, loaded.value.p));
}

/** One entry of a proposal's history. */
export interface HistoryEntry {
  /** Position in the proposal's stream, from 0. */
  position: number;
  type: string;
  at: string;
  /** The event as recorded (under a secret ballot, without what would reveal a ballot). */
  event: Record<string, unknown>;
}

/** A proposal's full history: every event of its record, in order. */
export async function readHistory(app: AppContext, viewer: string | null, bodyHandle: string, proposalId: string): Promise<Result<HistoryEntry[]>> {
  const loaded = await loadProposal(app, viewer, bodyHandle, proposalId);
  if (!loaded.ok) return loaded;
  const { body, p } = loaded.value;
  const secret = p.terms?.ballot === "secret";
  const record = await loadRecord(app.db, app.db, body.id);
  const entries: HistoryEntry[] = [];
  for (const event of record.events) {
    if (!isProposalEvent(event) || event.proposal !== p.id) continue;
    entries.push({ position: entries.length, type: event.type, at: event.at, event: redactEvent(event, secret) });
  }
  return ok(entries);
}

/** A proposal in a list. */
export interface ProposalSummary {
  id: string;
  uri: string;
  url: string;
  kind: string;
  title: string;
  status: string;
  rule: DecisionRule | null;
  nextDeadline: string | null;
  outcome: Outcome | null;
  decidedAt: string | null;
  draftedAt: string;
  updatedAt: string;
}

/** A body's proposals, newest first, optionally only those with a given status. */
export async function listProposals(
  app: AppContext,
  viewer: string | null,
  bodyHandle: string,
  filter: { status?: string; limit?: number } = {},
): Promise<Result<ProposalSummary[]>> {
  const body = await findBody(app, bodyHandle);
  if (!body.ok) return body;
  const denied = readable(await replayBody(app, body.value.id), null, viewer, body.value.handle);
  if (denied !== null) return { ok: false, error: denied };
  const rows = await app.db
    .selectFrom("proposals")
    .selectAll()
    .where("body_id", "=", body.value.id)
    .$if(filter.status !== undefined, (q) => q.where("status", "=", filter.status!))
    .orderBy("drafted_at", "desc")
    .orderBy("id")
    .limit(Math.min(Math.max(filter.limit ?? 100, 1), 500))
    .execute();
  const origin = app.config.publicOrigin;
  return ok(
    rows.map((r) => ({
      id: r.id,
      uri: r.uri,
      url: proposalPageUrl(origin, body.value.handle, r.id).href,
      kind: r.kind,
      title: r.title,
      status: r.status,
      rule: r.rule === null ? null : (JSON.parse(r.rule) as DecisionRule),
      nextDeadline: r.next_deadline?.toISOString() ?? null,
      outcome: r.outcome,
      decidedAt: r.decided_at?.toISOString() ?? null,
      draftedAt: r.drafted_at.toISOString(),
      updatedAt: r.updated_at.toISOString(),
    })),
  );
}

/** The body's decision register: every decided proposal with its text, rule, counts, dates and outcome. */
export async function decisionRegister(app: AppContext, viewer: string | null, bodyHandle: string): Promise<Result<RegisterEntry[]>> {
  const body = await findBody(app, bodyHandle);
  if (!body.ok) return body;
  const state = await replayBody(app, body.value.id);
  const denied = readable(state, null, viewer, body.value.handle);
  if (denied !== null) return { ok: false, error: denied };
  return ok(state === null ? [] : register(app, body.value, state));
}

/** A body's bylaws in force and their versions. */
export interface BylawsInfo {
  version: number;
  bylaws: Bylaws;
  members: string[];
  history: BylawsVersion[];
}

/** The bylaws in force (the defaults of its kind until its record is founded) and every version. */
export async function readBylaws(app: AppContext, viewer: string | null, bodyHandle: string): Promise<Result<BylawsInfo | null>> {
  const body = await findBody(app, bodyHandle);
  if (!body.ok) return body;
  const state = await replayBody(app, body.value.id);
  const denied = readable(state, null, viewer, body.value.handle);
  if (denied !== null) return { ok: false, error: denied };
  if (state === null) return ok(null);
  return ok({ version: state.bylawsVersion, bylaws: state.bylaws, members: [...state.members].sort(), history: state.bylawsHistory });
}

/** A local proposal and its body, as the projection knows them. */
export interface ProposalRef {
  id: string;
  uri: string;
  bodyId: string;
  bodyHandle: string;
  kind: string;
  title: string;
  status: string;
  nextDeadline: Date | null;
}

async function proposalRef(app: AppContext, column: "id" | "uri", value: string): Promise<ProposalRef | null> {
  const row = await app.db
    .selectFrom("proposals")
    .innerJoin("actors", "actors.id", "proposals.body_id")
    .select(["proposals.id", "proposals.uri", "proposals.body_id", "actors.handle", "proposals.kind", "proposals.title", "proposals.status", "proposals.next_deadline"])
    .where(`proposals.${column}`, "=", value)
    .executeTakeFirst();
  if (!row) return null;
  return {
    id: row.id,
    uri: row.uri,
    bodyId: row.body_id,
    bodyHandle: row.handle,
    kind: row.kind,
    title: row.title,
    status: row.status,
    nextDeadline: row.next_deadline,
  };
}

/** The local proposal with this short id, or null. */
export function findProposal(app: AppContext, id: string): Promise<ProposalRef | null> {
  if (!PROPOSAL_ID_PATTERN.test(id)) return Promise.resolve(null);
  return proposalRef(app, "id", id);
}

/** The local proposal with this ActivityPub URI (a `Question`'s id), or null. */
export function proposalByUri(app: AppContext, uri: string): Promise<ProposalRef | null> {
  return proposalRef(app, "uri", uri);
}

/** Replays one proposal for federation code: its body, the body's state and the proposal's, with no visibility check. */
export async function loadProposalState(app: AppContext, id: string): Promise<LoadedProposal | null> {
  const ref = await findProposal(app, id);
  if (ref === null) return null;
  const body = await findBody(app, ref.bodyHandle);
  if (!body.ok) return null;
  const state = await replayBody(app, body.value.id);
  const proposal = state?.proposals.get(ref.uri);
  if (state === null || proposal === undefined) return null;
  return { body: body.value, state, proposal, detail: proposalDetail(app, body.value, state, proposal) };
}

/**
 * {@link loadProposalState} for several proposals (a timeline page): their bodies in one
 * query, each body's record once. Proposals not found are left out of the map.
 */
export async function loadProposalStates(app: AppContext, ids: readonly string[]): Promise<Map<string, LoadedProposal>> {
  const out = new Map<string, LoadedProposal>();
  const wanted = [...new Set(ids)].filter((id) => PROPOSAL_ID_PATTERN.test(id));
  if (wanted.length === 0) return out;
  const rows = await app.db
    .selectFrom("proposals")
    .innerJoin("actors", "actors.id", "proposals.body_id")
    .select(["proposals.id as proposal_id", "proposals.uri as proposal_uri", "actors.id", "actors.handle", "actors.kind", "actors.name", "actors.admission"])
    .where("proposals.id", "in", wanted)
    .execute();
  // Each body's record once, all in one statement.
  const records = await loadRecords(
    app.db,
    app.db,
    rows.map((r) => r.id),
  );
  for (const r of rows) {
    const record = records.get(r.id);
    const state = record ? replayRecord(record) : null;
    const proposal = state?.proposals.get(r.proposal_uri);
    if (!state || !proposal) continue;
    const body: BodyRef = { id: r.id, handle: r.handle, kind: r.kind, name: r.name, admission: r.admission as BodyRef["admission"] };
    out.set(r.proposal_id, { body, state, proposal, detail: proposalDetail(app, body, state, proposal) });
  }
  return out;
}

/** One event of a body's record, as the public may see it, with its place in the record (from 0). */
export interface RecordEvent {
  readonly index: number;
  readonly event: Record<string, unknown> & { readonly type: string; readonly at: string };
}

/**
 * A body's record for reading: its state now and its events, newest first, paged by
 * `before` (an index). Votes and acts under a secret ballot are redacted as in a history.
 */
export async function readBodyRecord(
  app: AppContext,
  viewer: string | null,
  bodyHandle: string,
  page: { before?: number; limit?: number } = {},
): Promise<Result<{ body: ActorRow; state: BodyState | null; events: RecordEvent[]; next: number | null; total: number }>> {
  const body = await findBody(app, bodyHandle);
  if (!body.ok) return body;
  const record = await loadRecord(app.db, app.db, body.value.id);
  const state = replayRecord(record);
  const denied = readable(state, null, viewer, body.value.handle);
  if (denied !== null) return { ok: false, error: denied };
  const limit = Math.min(Math.max(page.limit ?? 50, 1), 200);
  const all = record.events;
  const end = page.before === undefined ? all.length : Math.max(0, Math.min(page.before, all.length));
  const start = Math.max(0, end - limit);
  const events: RecordEvent[] = [];
  for (let i = end - 1; i >= start; i--) {
    const event = all[i]!;
    const p = isProposalEvent(event) ? state?.proposals.get(event.proposal) : undefined;
    events.push({ index: i, event: redactEvent(event, p?.terms?.ballot === "secret") as RecordEvent["event"] });
  }
  return ok({ body: body.value, state, events, next: start > 0 ? start : null, total: all.length });
}
