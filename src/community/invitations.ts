import { randomBytes } from "node:crypto";
import type { AppContext } from "../context.ts";
import { ok, type Result, failWith } from "../shared/result.ts";

// Invitations to sign up, for an instance whose sign-up is by invitation. An account
// uses one up as it is created (community/actors.ts, createAccount).

export interface Invitation {
  code: string;
  note: string;
  createdAt: Date;
  expiresAt: Date;
  usedBy: string | null;
  /** The handle of the account that used it (null while unused, or once that account is gone). */
  usedByHandle?: string | null;
  usedAt: Date | null;
}

/** Where an invitation stands: used, expired, or open (still usable). */
export type InvitationStatus = "used" | "expired" | "open";

export function invitationStatus(inv: Pick<Invitation, "usedAt" | "expiresAt">, now = new Date()): InvitationStatus {
  if (inv.usedAt !== null) return "used";
  return inv.expiresAt.getTime() <= now.getTime() ? "expired" : "open";
}

/** The page where someone signs up with this invitation. */
export function signupUrl(origin: URL, code: string): URL {
  const url = new URL("/signup", origin);
  url.searchParams.set("invitation", code);
  return url;
}

/** Makes an invitation valid for `days` days. */
export async function createInvitation(ctx: Pick<AppContext, "db">, input: { createdBy: string | null; note?: string; days?: number }): Promise<Result<Invitation>> {
  const days = input.days ?? 14;
  if (!Number.isSafeInteger(days) || days < 1 || days > 365) return failWith("invalid", "invitation-days", "an invitation lasts 1 to 365 days", { field: "days" });
  const note = (input.note ?? "").trim();
  if (note.length > 200) return failWith("invalid", "too-long", "a note has at most 200 characters", { field: "note", params: { max: 200 } });
  const code = randomBytes(12).toString("base64url");
  const expiresAt = new Date(Date.now() + days * 86_400_000);
  await ctx.db.insertInto("invitations").values({ code, created_by: input.createdBy, note, expires_at: expiresAt }).execute();
  return ok({ code, note, createdAt: new Date(), expiresAt, usedBy: null, usedAt: null });
}

/** Every invitation, newest first. */
export async function listInvitations(ctx: Pick<AppContext, "db">): Promise<Invitation[]> {
  const rows = await ctx.db
    .selectFrom("invitations")
    .leftJoin("actors", "actors.id", "invitations.used_by")
    .selectAll("invitations")
    .select("actors.handle as used_by_handle")
    .orderBy("invitations.created_at", "desc")
    .limit(500)
    .execute();
  return rows.map((r) => ({
    code: r.code,
    note: r.note,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    usedBy: r.used_by,
    usedByHandle: r.used_by_handle,
    usedAt: r.used_at,
  }));
}

/** How many invitations can still be used. */
export async function countOpenInvitations(ctx: Pick<AppContext, "db">, now = new Date()): Promise<number> {
  const row = await ctx.db
    .selectFrom("invitations")
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .where("used_at", "is", null)
    .where("expires_at", ">", now)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Withdraws an unused invitation. */
export async function withdrawInvitation(ctx: Pick<AppContext, "db">, code: string): Promise<Result<void>> {
  const r = await ctx.db.deleteFrom("invitations").where("code", "=", code.trim()).where("used_by", "is", null).where("used_at", "is", null).executeTakeFirst();
  return Number(r.numDeletedRows) === 1 ? ok(undefined) : failWith("not-found", "no-such-invitation", "no unused invitation with that code");
}

/** True for an account that may use the operator pages. */
export async function isAdministrator(ctx: Pick<AppContext, "db">, actorId: string): Promise<boolean> {
  const row = await ctx.db.selectFrom("accounts").select("is_admin").where("actor_id", "=", actorId).executeTakeFirst();
  return row?.is_admin === true;
}
