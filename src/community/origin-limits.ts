// How much state one remote origin (scheme, host, port) may make here without anyone
// local deciding it: members gained by open admission, follow requests waiting for a
// member's approval, bodies' requests to join a confederation that admits by decision
// (each puts a question to every member body). Counted from the database, so every process of an instance agrees;
// the first refusal of an origin in an hour is logged as a warning, so an operator sees
// a flood (`folkmoot remote list`) and can remove it (`folkmoot remote remove`).
import { sql, type Kysely } from "kysely";
import type { Logger } from "../logging.ts";
import type { Failure } from "../shared/result.ts";
import { actorUri } from "../shared/uris.ts";
import type { Schema } from "../store/schema.ts";

export const ORIGIN_LIMITS = {
  /** Members one origin may gain in one body by open admission in an hour. */
  openAdmissionsPerHour: 10,
  /** Members from one origin admitted to one body by open admission, in all. */
  openAdmissionsInAll: 50,
  /** Follow requests from one origin waiting for one body's approval. */
  pendingFollowsPerFollowee: 20,
  /** A follow request nobody approved in this time expires. */
  pendingFollowExpiryMs: 14 * 24 * 3600_000,
  /** Bodies from one origin waiting for one confederation's member bodies to decide on their Join. */
  pendingJoinsPerConfederation: 5,
} as const;

// A body's Join to a confederation that admits by decision waits as the admission
// referral and, until the referral closes and the Join is answered, a `signed_documents`
// row `<referral>#join` of type `Join` (signed by the body). The operator's removal
// turns its type to `Join-withdrawn`: the Join is answered Reject at once and the
// referral admits no one.
export const PENDING_JOIN = "Join";
export const WITHDRAWN_JOIN = "Join-withdrawn";

/** How memberships gained by open admission are labelled in `memberships.admitted_by`. */
const OPEN_ADMISSION = "%(open admission)";

/** `https://example.org` of an actor URI; null if it is not a URL. */
export function originOf(uri: string): string | null {
  try {
    return new URL(uri).origin;
  } catch {
    return null;
  }
}

/** Matches URIs on `origin` (the origin followed by a path), for LIKE. */
export function onOrigin(origin: string): string {
  return `${origin.replace(/[\\%_]/g, (c) => `\\${c}`)}/%`;
}

/**
 * Why the body takes no more members from `memberUri`'s origin by open admission now
 * (inside the admitting transaction, with the body locked); null when it does.
 */
export async function openAdmissionRefusal(db: Kysely<Schema>, body: { id: string; handle: string }, memberUri: string, now = new Date()): Promise<Failure | null> {
  const origin = originOf(memberUri);
  if (origin === null) return null;
  const hourAgo = new Date(now.getTime() - 3600_000);
  const counted = await db
    .selectFrom("memberships")
    .select((eb) => [eb.fn.countAll<string>().as("all"), eb.fn.count<string>(sql`case when ${eb.ref("admitted_at")} > ${hourAgo} then 1 end`).as("lastHour")])
    .where("body_id", "=", body.id)
    .where("member_uri", "like", onOrigin(origin))
    .where("admitted_by", "like", OPEN_ADMISSION)
    .executeTakeFirstOrThrow();
  const host = new URL(origin).host;
  if (Number(counted.lastHour) >= ORIGIN_LIMITS.openAdmissionsPerHour) {
    return { code: "forbidden", message: `@${body.handle} takes at most ${ORIGIN_LIMITS.openAdmissionsPerHour} new members an hour from ${host}; try again later` };
  }
  if (Number(counted.all) >= ORIGIN_LIMITS.openAdmissionsInAll) {
    return {
      code: "forbidden",
      message: `@${body.handle} takes at most ${ORIGIN_LIMITS.openAdmissionsInAll} members from ${host} by open admission; a member may table a membership proposal`,
    };
  }
  return null;
}

/** Whether `followeeUri` may keep one more pending follow request from `followerUri`'s origin. */
export async function pendingFollowsFull(db: Kysely<Schema>, followeeUri: string, followerUri: string, now = new Date()): Promise<boolean> {
  const origin = originOf(followerUri);
  if (origin === null) return false;
  const row = await db
    .selectFrom("follows")
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .where("followee_uri", "=", followeeUri)
    .where("state", "=", "pending")
    .where("follower_uri", "like", onOrigin(origin))
    .where("created_at", ">", pendingFollowCutoff(now))
    .executeTakeFirstOrThrow();
  return Number(row.n) >= ORIGIN_LIMITS.pendingFollowsPerFollowee;
}

/** Pending follow requests made before this have expired. */
export function pendingFollowCutoff(now = new Date()): Date {
  return new Date(now.getTime() - ORIGIN_LIMITS.pendingFollowExpiryMs);
}

/** Deletes the follow requests nobody approved in time (the worker's timer). @returns how many. */
export async function expirePendingFollows(db: Kysely<Schema>, now = new Date()): Promise<number> {
  const removed = await db.deleteFrom("follows").where("state", "=", "pending").where("created_at", "<=", pendingFollowCutoff(now)).executeTakeFirst();
  return Number(removed.numDeletedRows);
}

// Warnings: once per origin and limit an hour in each process, not once per request.
const WARN_EVERY_MS = 3600_000;
const lastWarned = new Map<string, number>();
/** Logs that `origin` hit `limit`, unless it was logged in the last hour. @returns whether it logged. */
export function warnOriginAtLimit(log: Logger, origin: string, limit: string, details: Record<string, unknown> = {}, now = Date.now()): boolean {
  const key = `${limit} ${origin}`;
  const last = lastWarned.get(key);
  if (last !== undefined && now - last < WARN_EVERY_MS) return false;
  for (const [k, at] of lastWarned) if (now - at >= WARN_EVERY_MS) lastWarned.delete(k);
  lastWarned.set(key, now);
  log.warn({ origin, limit, ...details }, "a remote origin reached a limit: see folkmoot remote list");
  return true;
}

/** What one remote origin holds here that nobody local decided. */
export interface RemoteOriginState {
  origin: string;
  /** Members gained by open admission, by body handle. */
  openAdmissions: Record<string, number>;
  /** Follow requests waiting for approval, by followee handle. */
  pendingFollows: Record<string, number>;
  /** Bodies' Joins waiting for the member bodies' decision, by confederation handle. */
  pendingJoins: Record<string, number>;
}

/** A body's Join waiting for a confederation's member bodies to decide. */
export interface PendingJoin {
  /** The admission referral. */
  readonly referral: string;
  /** The confederation (its actor id) and handle. */
  readonly confId: string;
  readonly confHandle: string;
  /** The body that asked, and its Join activity. */
  readonly member: string;
  readonly join: string;
}

/** The Joins waiting on open referrals, from `origin` only if given. */
export async function pendingJoins(db: Kysely<Schema>, origin?: string): Promise<PendingJoin[]> {
  let q = db
    .selectFrom("signed_documents")
    .innerJoin("referrals", (j) => j.on(sql`${sql.ref("referrals.uri")} || '#join'`, "=", sql.ref("signed_documents.uri")))
    .innerJoin("actors", "actors.id", "referrals.body_id")
    .select(["referrals.uri as referral", "referrals.body_id as confId", "actors.handle as confHandle", "signed_documents.signer as member", "signed_documents.document"])
    .where("signed_documents.type", "=", PENDING_JOIN)
    .where("referrals.closed_at", "is", null);
  if (origin !== undefined) q = q.where("signed_documents.signer", "like", onOrigin(origin));
  const rows = await q.orderBy("referrals.opened_at").execute();
  return rows.map((r) => ({ referral: r.referral, confId: r.confId, confHandle: r.confHandle, member: r.member, join: (JSON.parse(r.document) as { join: string }).join }));
}

/** The admission referrals whose Join from `origin` the operator withdrew. */
export async function withdrawnJoinReferrals(db: Kysely<Schema>, origin: string): Promise<Set<string>> {
  const rows = await db.selectFrom("signed_documents").select("uri").where("type", "=", WITHDRAWN_JOIN).where("signer", "like", onOrigin(origin)).execute();
  return new Set(rows.map((r) => r.uri.replace(/#join$/, "")));
}

/** Every remote origin with members gained by open admission, pending follow requests or pending Joins, the most first. */
export async function listRemoteOrigins(db: Kysely<Schema>, localOrigin: URL): Promise<RemoteOriginState[]> {
  const members = await db
    .selectFrom("memberships")
    .innerJoin("actors", "actors.id", "memberships.body_id")
    .select(["memberships.member_uri", "actors.handle"])
    .where("memberships.admitted_by", "like", OPEN_ADMISSION)
    .execute();
  const follows = await db.selectFrom("follows").select(["follower_uri", "followee_uri"]).where("state", "=", "pending").where("created_at", ">", pendingFollowCutoff()).execute();
  const handles = new Map((await db.selectFrom("actors").select(["id", "handle"]).execute()).map((a) => [actorUri(localOrigin, a.id).href, a.handle]));
  const byOrigin = new Map<string, RemoteOriginState>();
  const entry = (origin: string) => {
    const known = byOrigin.get(origin);
    if (known) return known;
    const e: RemoteOriginState = { origin, openAdmissions: {}, pendingFollows: {}, pendingJoins: {} };
    byOrigin.set(origin, e);
    return e;
  };
  for (const m of members) {
    const origin = originOf(m.member_uri);
    if (origin === null || origin === localOrigin.origin) continue;
    const e = entry(origin);
    e.openAdmissions[m.handle] = (e.openAdmissions[m.handle] ?? 0) + 1;
  }
  for (const f of follows) {
    const origin = originOf(f.follower_uri);
    if (origin === null || origin === localOrigin.origin) continue;
    const e = entry(origin);
    const followee = handles.get(f.followee_uri) ?? f.followee_uri;
    e.pendingFollows[followee] = (e.pendingFollows[followee] ?? 0) + 1;
  }
  for (const j of await pendingJoins(db)) {
    const origin = originOf(j.member);
    if (origin === null || origin === localOrigin.origin) continue;
    const e = entry(origin);
    e.pendingJoins[j.confHandle] = (e.pendingJoins[j.confHandle] ?? 0) + 1;
  }
  const total = (e: RemoteOriginState) => [...Object.values(e.openAdmissions), ...Object.values(e.pendingFollows), ...Object.values(e.pendingJoins)].reduce((a, b) => a + b, 0);
  return [...byOrigin.values()].sort((a, b) => total(b) - total(a) || a.origin.localeCompare(b.origin));
}

/** The members `origin` gained by open admission, body by body. */
export async function openAdmissionsFrom(db: Kysely<Schema>, origin: string): Promise<{ bodyId: string; handle: string; memberUri: string }[]> {
  const rows = await db
    .selectFrom("memberships")
    .innerJoin("actors", "actors.id", "memberships.body_id")
    .select(["memberships.body_id", "actors.handle", "memberships.member_uri"])
    .where("memberships.admitted_by", "like", OPEN_ADMISSION)
    .where("memberships.member_uri", "like", onOrigin(origin))
    .orderBy("memberships.id")
    .execute();
  return rows.map((r) => ({ bodyId: r.body_id, handle: r.handle, memberUri: r.member_uri }));
}

/** Deletes every pending follow request from `origin`. @returns how many. */
export async function dropPendingFollowsFrom(db: Kysely<Schema>, origin: string): Promise<number> {
  const removed = await db.deleteFrom("follows").where("state", "=", "pending").where("follower_uri", "like", onOrigin(origin)).executeTakeFirst();
  return Number(removed.numDeletedRows);
}
