import { sql } from "kysely";
import type { AppContext } from "../context.ts";
import { failWith, ok, type Failure, type Result } from "../shared/result.ts";
import type { ActorRow } from "./actors.ts";
import { checkNewPassword, dummyHash, hashPassword, needsRehash, verifyPassword } from "./passwords.ts";

export { checkNewPassword };
import { endOtherSessions } from "./sessions.ts";

// Signing in and changing one's password, with the per-account throttle.

/** Password checks per account within one window; past them, the account's sign-ins wait for the window's end. */
export const SIGN_IN_LIMIT = { attempts: 5, windowMs: 15 * 60_000 } as const;

/** A refusal because the account had too many attempts: answered 429 with Retry-After. */
export interface Throttled {
  ok: false;
  error: Failure;
  retryAfterSeconds: number;
}

export function isThrottled(r: Result<unknown> | Throttled): r is Throttled {
  return !r.ok && "retryAfterSeconds" in r;
}

/**
 * Checks a handle and password. An unknown handle costs one hash with the current parameters,
 * like a known one, so timing does not tell which handles have accounts. A stored hash made
 * with older parameters is replaced now that the password is known.
 */
export async function signIn(ctx: Pick<AppContext, "db">, handle: string, password: string): Promise<Result<ActorRow> | Throttled> {
  const row = await ctx.db
    .selectFrom("actors")
    .innerJoin("accounts", "accounts.actor_id", "actors.id")
    .selectAll("actors")
    .select("accounts.password_hash")
    .where("actors.handle", "=", handle.trim().replace(/^@/, "").toLowerCase())
    .executeTakeFirst();
  if (!row) {
    await verifyPassword(password, await dummyHash());
    return failWith("unauthorized", "wrong-sign-in", "wrong handle or password");
  }
  const { password_hash: stored, ...actor } = row;
  const throttled = await countAttempt(ctx, actor.id);
  if (throttled) return throttled;
  if (!(await verifyPassword(password, stored))) return failWith("unauthorized", "wrong-sign-in", "wrong handle or password");
  await clearAttempts(ctx, actor.id);
  if (needsRehash(stored)) {
    const upgraded = await hashPassword(password);
    // Only if unchanged meanwhile: a password change in between wins.
    await ctx.db.updateTable("accounts").set({ password_hash: upgraded }).where("actor_id", "=", actor.id).where("password_hash", "=", stored).execute();
  }
  return ok(actor);
}

/**
 * Replaces the account's password, given the current one, and ends every session but
 * `keepSessionId` (the one asking): whoever knew the old password is signed out.
 */
export async function changePassword(ctx: Pick<AppContext, "db">, actorId: string, keepSessionId: string | null, current: string, next: string): Promise<Result<void> | Throttled> {
  const valid = checkNewPassword(next, "newPassword");
  if (!valid.ok) return valid;
  const row = await ctx.db.selectFrom("accounts").select("password_hash").where("actor_id", "=", actorId).executeTakeFirst();
  if (!row) return failWith("not-found", "no-such-account", "no such account");
  const throttled = await countAttempt(ctx, actorId);
  if (throttled) return throttled;
  if (!(await verifyPassword(current, row.password_hash))) return failWith("forbidden", "wrong-password", "the current password is wrong", { field: "currentPassword" });
  await clearAttempts(ctx, actorId);
  const hash = await hashPassword(next);
  await ctx.db.transaction().execute(async (trx) => {
    await trx.updateTable("accounts").set({ password_hash: hash }).where("actor_id", "=", actorId).execute();
    await endOtherSessions(trx, actorId, keepSessionId);
  });
  return ok(undefined);
}

/**
 * Counts one password check for the account, before it is made, in one statement: several
 * web processes (and concurrent requests) share the count, so no more than
 * SIGN_IN_LIMIT.attempts checks run per window whatever the addresses. A row per account
 * at most, so the table stays as small as the accounts. Handles are public (WebFinger), so
 * throttling only real accounts tells nothing new.
 */
async function countAttempt(ctx: Pick<AppContext, "db">, actorId: string): Promise<Throttled | null> {
  const now = new Date();
  const stale = new Date(now.getTime() - SIGN_IN_LIMIT.windowMs).toISOString();
  const windowOver = sql<boolean>`sign_in_attempts.window_started_at <= ${stale}::timestamptz`;
  const row = await ctx.db
    .insertInto("sign_in_attempts")
    .values({ actor_id: actorId, attempts: 1, window_started_at: now })
    .onConflict((oc) =>
      oc.column("actor_id").doUpdateSet({
        attempts: sql`case when ${windowOver} then 1 else sign_in_attempts.attempts + 1 end`,
        window_started_at: sql`case when ${windowOver} then ${now.toISOString()}::timestamptz else sign_in_attempts.window_started_at end`,
      }),
    )
    .returning(["attempts", "window_started_at"])
    .executeTakeFirstOrThrow();
  if (row.attempts <= SIGN_IN_LIMIT.attempts) return null;
  const ends = new Date(row.window_started_at).getTime() + SIGN_IN_LIMIT.windowMs;
  const retryAfterSeconds = Math.max(1, Math.ceil((ends - now.getTime()) / 1000));
  const minutes = Math.ceil(retryAfterSeconds / 60);
  return {
    ...failWith("unauthorized", "too-many-attempts", `too many failed sign-ins for this account; try again in ${minutes} minutes`, { params: { minutes } }),
    retryAfterSeconds,
  };
}

async function clearAttempts(ctx: Pick<AppContext, "db">, actorId: string): Promise<void> {
  await ctx.db.deleteFrom("sign_in_attempts").where("actor_id", "=", actorId).execute();
}

/** Checks a person's password (counting towards the throttle), for acts that need it again. */
export async function confirmPassword(ctx: Pick<AppContext, "db">, actorId: string, password: string, field = "password"): Promise<Result<void> | Throttled> {
  const row = await ctx.db.selectFrom("accounts").select("password_hash").where("actor_id", "=", actorId).executeTakeFirst();
  if (!row) return failWith("not-found", "no-such-account", "no such account");
  const throttled = await countAttempt(ctx, actorId);
  if (throttled) return throttled;
  if (!(await verifyPassword(password, row.password_hash))) return failWith("forbidden", "wrong-password", "the password is wrong", { field });
  await clearAttempts(ctx, actorId);
  return ok(undefined);
}

/**
 * Deletes what is private to an account: its password, sessions, notifications, and its
 * profile (name and summary). The actor stays, with its handle and keys, so nobody can take
 * the handle and what it signed can still be checked; the record keeps what it did.
 */
export async function eraseAccount(ctx: Pick<AppContext, "db">, actorId: string): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    await trx.deleteFrom("sessions").where("actor_id", "=", actorId).execute();
    await trx.deleteFrom("sign_in_attempts").where("actor_id", "=", actorId).execute();
    await trx.deleteFrom("notifications").where("recipient_id", "=", actorId).execute();
    await trx.deleteFrom("accounts").where("actor_id", "=", actorId).execute();
    await trx.updateTable("actors").set({ name: "", summary: "", deleted_at: new Date() }).where("id", "=", actorId).execute();
  });
}
