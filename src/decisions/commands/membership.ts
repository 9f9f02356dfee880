import type { Kysely } from "kysely";
import { findActorById, findBody } from "../../community/actors.ts";
import type { InboundActivity } from "../../community/inbound.ts";
import { resolveMemberRef, type Member } from "../../community/memberships.ts";
import type { AppContext } from "../../context.ts";
import { joinBody as coreJoinBody, leaveBody as coreLeaveBody } from "../../governance/index.ts";
import { faultPoint } from "../../shared/faults.ts";
import { failWith, ok, type Failure, type Result } from "../../shared/result.ts";
import { actorUri } from "../../shared/uris.ts";
import type { Schema } from "../../store/schema.ts";
import type { BodyRef } from "../projection.ts";
import { lockBody } from "../record.ts";
import { dropPendingFollowsFrom, openAdmissionRefusal, openAdmissionsFrom, originOf, warnOriginAtLimit } from "../../community/origin-limits.ts";
import { applyOnBody, nothing } from "../run.ts";

// Admitting a member appends to the body's record of decisions, in the same transaction
// as the membership, so the record and the memberships never disagree.

/** Admits `ref` to the body. A confederation's members are bodies; other bodies' members are people. */
export async function addMember(app: AppContext, bodyHandle: string, ref: string, admittedBy: string, inbound?: InboundActivity): Promise<Result<Member>> {
  const body = await findBody(app, bodyHandle);
  if (!body.ok) return body;
  const who = await resolveMemberRef(app, ref);
  if (!who.ok) return who;
  if (body.value.kind === "confederation" && !who.value.isGroup) {
    return failWith("invalid", "members-are-bodies", "the members of a confederation are bodies", { field: "member" });
  }
  if (body.value.kind !== "confederation" && who.value.isGroup) {
    return failWith("invalid", "members-are-people", `the members of ${body.value.kind === "assembly" ? "an assembly" : `a ${body.value.kind}`} are people`, {
      field: "member",
      params: { handle: body.value.handle },
    });
  }
  if (who.value.local?.id === body.value.id) return failWith("invalid", "own-member", "a body cannot be its own member", { field: "member" });
  const added = await app.db.transaction().execute(async (trx) => {
    // A Join from another server is claimed in the transaction that admits its actor.
    if (inbound && !(await inbound.claimIn(trx))) return { refused: { code: "conflict" as const, message: "this Join was taken in before" } };
    // Open admission from another server: at most so many members per origin (the body locked, so processes agree).
    if (inbound && who.value.local === null && (await lockBody(trx, body.value.id))) {
      const capped = await openAdmissionRefusal(trx, body.value, who.value.uri);
      if (capped) {
        warnOriginAtLimit(app.log, originOf(who.value.uri) ?? who.value.uri, "open admission", { body: body.value.handle });
        await inbound.settle(trx, { ok: false, error: capped });
        return { refused: capped };
      }
    }
    // The body's record of decisions learns of the member in the same transaction.
    const refused = await recordMemberJoined(app, trx, body.value, who.value.uri);
    if (refused) {
      await inbound?.settle(trx, { ok: false, error: refused });
      faultPoint("command-before-commit", { body: body.value.handle });
      return { refused };
    }
    const row = await trx
      .insertInto("memberships")
      .values({ body_id: body.value.id, member_uri: who.value.uri, admitted_by: admittedBy })
      .onConflict((oc) => oc.columns(["body_id", "member_uri"]).doNothing())
      .returningAll()
      .executeTakeFirst();
    await inbound?.settle(trx, row ? { ok: true, value: row } : { ok: false, error: { code: "conflict", message: "already a member" } });
    faultPoint("command-before-commit", { body: body.value.handle });
    return { row };
  });
  if (inbound?.state === "claimed") app.deliveries.kick();
  if (added.refused) return { ok: false, error: added.refused };
  const row = added.row;
  if (!row)
    return failWith("conflict", "already-a-member", `${ref} is already a member of ${body.value.handle}`, { field: "member", params: { who: ref, handle: body.value.handle } });
  return ok({
    uri: row.member_uri,
    handle: who.value.handle,
    name: who.value.local?.name ?? null,
    local: who.value.local !== null,
    admittedAt: row.admitted_at,
    admittedBy: row.admitted_by,
  });
}

/** A local person joins a body that admits members openly. */
export async function joinBody(app: AppContext, personId: string, bodyHandle: string): Promise<Result<Member>> {
  const body = await findBody(app, bodyHandle);
  if (!body.ok) return body;
  if (body.value.kind === "confederation") return failWith("forbidden", "people-join-assemblies", "people join assemblies and councils; bodies join confederations");
  if (body.value.admission !== "open") {
    return failWith("forbidden", "admits-by-decision", `${body.value.handle} admits members by decision: ask for a membership proposal`, { params: { handle: body.value.handle } });
  }
  const person = await findActorById(app, personId);
  if (!person) return failWith("not-found", "no-such-account", "no such account");
  return addMember(app, body.value.handle, actorUri(app.config.publicOrigin, person.id).href, "self (open admission)");
}

/**
 * Records that someone joined (inside addMember's transaction). A body without a
 * record yet (no member so far, or created before decisions) is founded with all its
 * members when it first decides something, so nothing is recorded now. A body that
 * admits by decision refuses: its members come in by `membership` proposals.
 *
 * @returns the failure to give the caller, having written nothing; null if recorded.
 */
async function recordMemberJoined(app: AppContext, trx: Kysely<Schema>, body: BodyRef, memberUri: string): Promise<Failure | null> {
  const { outcome } = await applyOnBody(app, trx, body, {}, ({ body: state, now }) => {
    if (state === null || state.members.has(memberUri)) return nothing(() => undefined);
    return {
      command: coreJoinBody(state, { actor: memberUri }, now),
      value: () => undefined,
      explain: (reason) =>
        reason.code === "admission-by-decision"
          ? {
              code: "forbidden",
              message: `${body.handle} admits members by decision: a member tables a membership proposal`,
              reason: { code: "admits-by-decision", params: { handle: body.handle } },
            }
          : { code: "conflict", message: reason.message, field: "member", refusal: reason.code },
    };
  });
  return outcome.ok ? null : outcome.error;
}

/**
 * A member leaves the body: the record's `member-left` and the end of the membership in
 * one transaction, so the record and the memberships agree. (A body without a record yet
 * records nothing: it is founded from its memberships when it first decides.) With
 * `inbound` (a `Leave` from another server), the activity is claimed in that transaction.
 */
export async function removeMember(app: AppContext, body: BodyRef, memberUri: string, inbound?: InboundActivity): Promise<Result<{ removed: boolean }>> {
  const result = await app.db.transaction().execute(async (trx): Promise<Result<{ removed: boolean }>> => {
    if (inbound && !(await inbound.claimIn(trx))) return failWith("conflict", "taken-in-before", "this activity was taken in before");
    const { outcome } = await applyOnBody(app, trx, body, {}, ({ body: state, now }) => {
      if (state === null || !state.members.has(memberUri)) return nothing(() => undefined);
      return { command: coreLeaveBody(state, { actor: memberUri }, now), value: () => undefined };
    });
    if (!outcome.ok) {
      await inbound?.settle(trx, outcome);
      return outcome;
    }
    const removed = await trx.deleteFrom("memberships").where("body_id", "=", body.id).where("member_uri", "=", memberUri).executeTakeFirst();
    const value = ok({ removed: Number(removed.numDeletedRows) > 0 });
    await inbound?.settle(trx, value);
    faultPoint("command-before-commit", { body: body.handle });
    return value;
  });
  if (inbound?.state === "claimed") app.deliveries.kick();
  return result;
}

/**
 * A member leaves a body (an assembly, council or committee) of their own accord: always
 * allowed, effective at once, a `member-left` on the body's record. Votes already cast
 * stay, and rolls already frozen keep the member (as for anyone who leaves). A body leaves
 * a confederation by its own `leave` proposal instead.
 */
export async function leaveBody(app: AppContext, memberUri: string, bodyHandle: string, inbound?: InboundActivity): Promise<Result<{ body: string; member: string }>> {
  const body = await findBody(app, bodyHandle);
  if (!body.ok) return body;
  if (body.value.kind === "confederation") {
    return failWith("invalid", "bodies-leave-by-proposal", `the members of ${body.value.handle} are bodies: a body leaves a confederation by its own leave proposal`, {
      params: { handle: body.value.handle },
    });
  }
  const left = await removeMember(app, body.value, memberUri, inbound);
  if (!left.ok) return left;
  if (!left.value.removed) return failWith("conflict", "not-a-member", `you are not a member of ${body.value.handle}`, { params: { handle: body.value.handle } });
  app.log.info({ body: body.value.handle, member: memberUri }, "a member left");
  return ok({ body: body.value.handle, member: memberUri });
}

/**
 * The operator removes a flood from one remote origin: its members admitted by open
 * admission leave every body (on each body's record), its pending follow requests go.
 */
export async function removeRemoteOrigin(
  app: AppContext,
  origin: string,
): Promise<Result<{ origin: string; members: { body: string; member: string }[]; pendingFollows: number }>> {
  let normal: string;
  try {
    normal = new URL(/^https?:\/\//.test(origin) ? origin : `https://${origin}`).origin;
  } catch {
    return failWith("invalid", "origin-invalid", `"${origin}" is not an origin (https://example.org)`, { field: "origin", params: { origin } });
  }
  if (normal === app.config.publicOrigin.origin) return failWith("invalid", "origin-own", "that is this instance's own origin", { field: "origin" });
  const members: { body: string; member: string }[] = [];
  for (const m of await openAdmissionsFrom(app.db, normal)) {
    const body = await findBody(app, m.handle);
    if (!body.ok) continue;
    const left = await removeMember(app, body.value, m.memberUri);
    if (!left.ok) return left;
    members.push({ body: m.handle, member: m.memberUri });
  }
  const pendingFollows = await dropPendingFollowsFrom(app.db, normal);
  app.log.warn({ origin: normal, members: members.length, pendingFollows }, "the operator removed a remote origin's open admissions and follow requests");
  return ok({ origin: normal, members, pendingFollows });
}
