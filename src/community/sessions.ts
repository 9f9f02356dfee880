import type { Kysely } from "kysely";
import type { AppContext } from "../context.ts";
import { ok, type Result, failWith } from "../shared/result.ts";
import type { Schema } from "../store/schema.ts";

// One row per bearer token issued (its id is the token's `jti`): a token is honoured only
// while its row is live, so one token ends without changing the instance's signing secret.

/** Live sessions one account may keep; signing in again beyond this ends the oldest. */
const MAX_LIVE_SESSIONS = 100;
/** `last_used_at` is rewritten at most this often, not at every request. */
const TOUCH_EVERY_MS = 5 * 60_000;

export interface SessionView {
  id: string;
  label: string;
  createdAt: Date;
  lastUsedAt: Date;
  expiresAt: Date;
}

export interface NewSession {
  id: string;
  actorId: string;
  label: string;
  expiresAt: Date;
}

/** Records a new session; drops the account's ended ones and ends the oldest beyond MAX_LIVE_SESSIONS. */
export async function openSession(ctx: Pick<AppContext, "db">, s: NewSession): Promise<void> {
  const now = new Date();
  await ctx.db.transaction().execute(async (trx) => {
    await trx
      .deleteFrom("sessions")
      .where("actor_id", "=", s.actorId)
      .where((eb) => eb.or([eb("revoked_at", "is not", null), eb("expires_at", "<=", now)]))
      .execute();
    await trx
      .insertInto("sessions")
      .values({ id: s.id, actor_id: s.actorId, label: s.label.slice(0, 200), expires_at: s.expiresAt })
      .execute();
    const keep = trx
      .selectFrom("sessions")
      .select("id")
      .where("actor_id", "=", s.actorId)
      .where("revoked_at", "is", null)
      .orderBy("created_at", "desc")
      .orderBy("id")
      .limit(MAX_LIVE_SESSIONS);
    await trx.updateTable("sessions").set({ revoked_at: now }).where("actor_id", "=", s.actorId).where("revoked_at", "is", null).where("id", "not in", keep).execute();
  });
}

/** The account of a live session (not ended, not expired), noting its use; null otherwise. */
export async function liveSession(ctx: Pick<AppContext, "db">, id: string): Promise<{ actorId: string } | null> {
  const now = new Date();
  const row = await ctx.db
    .selectFrom("sessions")
    .select(["actor_id", "last_used_at"])
    .where("id", "=", id)
    .where("revoked_at", "is", null)
    .where("expires_at", ">", now)
    .executeTakeFirst();
  if (!row) return null;
  if (now.getTime() - new Date(row.last_used_at).getTime() > TOUCH_EVERY_MS) {
    await ctx.db.updateTable("sessions").set({ last_used_at: now }).where("id", "=", id).execute();
  }
  return { actorId: row.actor_id };
}

/** An account's live sessions, newest first. */
export async function listSessions(ctx: Pick<AppContext, "db">, actorId: string): Promise<SessionView[]> {
  const rows = await ctx.db
    .selectFrom("sessions")
    .select(["id", "label", "created_at", "last_used_at", "expires_at"])
    .where("actor_id", "=", actorId)
    .where("revoked_at", "is", null)
    .where("expires_at", ">", new Date())
    .orderBy("created_at", "desc")
    .orderBy("id")
    .execute();
  return rows.map((r) => ({ id: r.id, label: r.label, createdAt: new Date(r.created_at), lastUsedAt: new Date(r.last_used_at), expiresAt: new Date(r.expires_at) }));
}

/** Ends one of the account's live sessions: its token is refused from now on. */
export async function endSession(ctx: Pick<AppContext, "db">, actorId: string, id: string): Promise<Result<void>> {
  const now = new Date();
  const res = await ctx.db
    .updateTable("sessions")
    .set({ revoked_at: now })
    .where("id", "=", id)
    .where("actor_id", "=", actorId)
    .where("revoked_at", "is", null)
    .where("expires_at", ">", now)
    .executeTakeFirst();
  return res.numUpdatedRows > 0n ? ok(undefined) : failWith("not-found", "no-such-session", "no live session of yours with this id");
}

/** Ends every live session of the account but `keepId` (after a password change). */
export async function endOtherSessions(db: Kysely<Schema>, actorId: string, keepId: string | null): Promise<void> {
  let q = db.updateTable("sessions").set({ revoked_at: new Date() }).where("actor_id", "=", actorId).where("revoked_at", "is", null);
  if (keepId !== null) q = q.where("id", "<>", keepId);
  await q.execute();
}
