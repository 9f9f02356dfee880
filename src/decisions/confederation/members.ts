import type { Kysely } from "kysely";
import type { AppContext } from "../../context.ts";
import type { ReferralBody } from "../../governance/index.ts";
import type { Schema } from "../../store/schema.ts";

// A confederation's member bodies as its projection keeps them (`memberships`, with the
// weight each advertised), and the referrals it opened (`referrals`).

/** The member bodies of a confederation with their weights, as the list a referral freezes. */
export async function memberBodies(app: AppContext, confId: string): Promise<ReferralBody[]> {
  const rows = await app.db.selectFrom("memberships").select(["member_uri", "member_count"]).where("body_id", "=", confId).execute();
  return rows.map((r) => ({ body: r.member_uri, members: Math.max(1, r.member_count ?? 1) }));
}

/** A member body's weight (its advertised `Members`) for the referrals opened from now on. */
export async function setWeight(db: Kysely<Schema>, confId: string, member: string, count: number | null): Promise<void> {
  await db.updateTable("memberships").set({ member_count: count }).where("body_id", "=", confId).where("member_uri", "=", member).execute();
}

/** Used by tests and the demo: a local body's confederation's referrals, newest first. */
export async function listReferrals(
  app: AppContext,
  confId: string,
): Promise<{ uri: string; title: string; openedAt: Date; deadline: Date; closedAt: Date | null; outcome: string | null }[]> {
  const rows = await app.db.selectFrom("referrals").selectAll().where("body_id", "=", confId).orderBy("opened_at", "desc").execute();
  return rows.map((r) => ({ uri: r.uri, title: r.title, openedAt: r.opened_at, deadline: r.deadline, closedAt: r.closed_at, outcome: r.outcome }));
}
