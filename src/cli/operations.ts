import { createAccount, listBodies } from "../community/actors.ts";
import { setAdministrator } from "../community/administrators.ts";
import { createInvitation, invitationStatus, listInvitations, signupUrl, withdrawInvitation } from "../community/invitations.ts";
import { decideFollowRequest, listFollowRequests } from "../community/follows.ts";
import { listMembers, resolveMemberRef } from "../community/memberships.ts";
import { listRemoteOrigins } from "../community/origin-limits.ts";
import { signupMode } from "../community/settings.ts";
import { addMember, createBody, leaveBody, removeRemoteOrigin } from "../decisions/index.ts";
import { withdrawJoinsFrom } from "../federation/outbox/admissions.ts";
import type { Result } from "../shared/result.ts";
import type { AppContext } from "../context.ts";
import { actorUri, profileUrl } from "../shared/uris.ts";
import { BODY_KINDS, type BodyKind } from "../store/app-tables.ts";
import { CliError } from "./errors.ts";

export { CliError };

function unwrap<T>(result: Result<T>): T {
  if (!result.ok) throw new CliError(result.error.field ? `${result.error.field}: ${result.error.message}` : result.error.message);
  return result.value;
}

/**
 * Every CLI operation, run either in this process (PostgreSQL, or PGlite with
 * no server running) or inside the running server through its admin socket
 * (PGlite allows only one process per data directory).
 */
export const operations = {
  async "account.create"(app: AppContext, a: { handle: string; password: string; name?: string; admin?: boolean }) {
    const actor = unwrap(await createAccount(app, { handle: a.handle, password: a.password, name: a.name, admin: a.admin === true }));
    return { id: actorUri(app.config.publicOrigin, actor.id).href, handle: `${actor.handle}@${app.config.publicOrigin.host}`, admin: a.admin === true };
  },
  async "account.admin"(app: AppContext, a: { handle: string; revoke?: boolean }) {
    const done = unwrap(await setAdministrator(app, a.handle, a.revoke !== true));
    return { handle: `${done.handle}@${app.config.publicOrigin.host}`, admin: done.admin, changed: done.changed };
  },
  async "invitation.create"(app: AppContext, a: { days?: string | number; note?: string }) {
    let days: number | undefined;
    if (a.days !== undefined) {
      if (!/^\d{1,4}$/.test(String(a.days).trim())) throw new CliError("days: an invitation lasts 1 to 365 days (a whole number)");
      days = Number(String(a.days).trim());
    }
    const inv = unwrap(await createInvitation(app, { createdBy: null, note: a.note, days }));
    const mode = await signupMode(app);
    return {
      code: inv.code,
      url: signupUrl(app.config.publicOrigin, inv.code).href,
      expiresAt: inv.expiresAt.toISOString(),
      note: inv.note,
      ...(mode === "invitation" ? {} : { warning: `sign-up is ${mode}: the sign-up page does not ask for invitations` }),
    };
  },
  async "invitation.list"(app: AppContext) {
    const now = new Date();
    return (await listInvitations(app)).map((i) => ({
      code: i.code,
      status: invitationStatus(i, now),
      note: i.note,
      createdAt: i.createdAt.toISOString(),
      expiresAt: i.expiresAt.toISOString(),
      usedBy: i.usedByHandle ?? (i.usedAt ? "(account deleted)" : ""),
    }));
  },
  async "invitation.withdraw"(app: AppContext, a: { code: string }) {
    unwrap(await withdrawInvitation(app, a.code));
    return { code: a.code.trim(), withdrawn: true };
  },
  async "body.create"(
    app: AppContext,
    a: { handle: string; kind: string; name?: string; summary?: string; approveFollowers?: boolean; admission?: string; template?: string; bylaws?: unknown },
  ) {
    if (!BODY_KINDS.includes(a.kind as BodyKind)) throw new CliError(`--kind is one of ${BODY_KINDS.join(", ")}`);
    if (a.admission !== undefined && a.admission !== "open" && a.admission !== "by-decision") throw new CliError("--admission is open or by-decision");
    const chosen = a.template !== undefined || a.bylaws !== undefined;
    const body = unwrap(
      await createBody(app, {
        handle: a.handle,
        kind: a.kind as BodyKind,
        name: a.name,
        summary: a.summary,
        manuallyApprovesFollowers: a.approveFollowers ?? false,
        // With chosen bylaws, admission is theirs unless --admission says otherwise.
        ...(a.admission !== undefined ? { admission: a.admission as "open" | "by-decision" } : chosen ? {} : { admission: "open" as const }),
        ...(a.template !== undefined ? { template: a.template } : {}),
        ...(a.bylaws !== undefined ? { bylaws: a.bylaws } : {}),
      }),
    );
    return {
      id: actorUri(app.config.publicOrigin, body.id).href,
      handle: `${body.handle}@${app.config.publicOrigin.host}`,
      kind: body.kind,
      admission: body.admission,
      url: profileUrl(app.config.publicOrigin, body.handle).href,
      ...(chosen ? { bylaws: body.founding_bylaws === null ? null : (JSON.parse(body.founding_bylaws) as unknown) } : {}),
    };
  },
  async "body.list"(app: AppContext) {
    return (await listBodies(app)).map((b) => ({
      handle: b.handle,
      kind: b.kind,
      name: b.name,
      members: b.members,
      admission: b.admission,
      approvesFollowers: b.manually_approves_followers,
    }));
  },
  async "member.add"(app: AppContext, a: { body: string; member: string }) {
    const m = unwrap(await addMember(app, a.body, a.member, "operator (cli)"));
    return { body: a.body, member: m.uri, handle: m.handle, admittedAt: m.admittedAt.toISOString() };
  },
  async "member.leave"(app: AppContext, a: { body: string; member: string }) {
    const who = unwrap(await resolveMemberRef(app, a.member));
    const left = unwrap(await leaveBody(app, who.uri, a.body));
    return { body: left.body, member: left.member, left: true };
  },
  async "member.list"(app: AppContext, a: { body: string }) {
    return unwrap(await listMembers(app, a.body)).map((m) => ({ member: m.uri, handle: m.handle, name: m.name, admittedAt: m.admittedAt.toISOString(), admittedBy: m.admittedBy }));
  },
  async "follower.requests"(app: AppContext, a: { body: string }) {
    return unwrap(await listFollowRequests(app, a.body, null)).map((r) => ({ id: r.id, follower: r.follower, handle: r.handle, requestedAt: r.requestedAt.toISOString() }));
  },
  async "remote.list"(app: AppContext) {
    const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);
    return (await listRemoteOrigins(app.db, app.config.publicOrigin)).map((o) => ({
      origin: o.origin,
      members: sum(o.openAdmissions),
      pendingFollows: sum(o.pendingFollows),
      pendingJoins: sum(o.pendingJoins),
      where: [
        ...Object.entries(o.openAdmissions).map(([body, n]) => `${body}: ${n} member${n === 1 ? "" : "s"}`),
        ...Object.entries(o.pendingFollows).map(([body, n]) => `${body}: ${n} pending`),
        ...Object.entries(o.pendingJoins).map(([body, n]) => `${body}: ${n} Join${n === 1 ? "" : "s"} waiting`),
      ].join(", "),
    }));
  },
  async "remote.remove"(app: AppContext, a: { origin: string }) {
    const removed = unwrap(await removeRemoteOrigin(app, a.origin));
    const joins = await withdrawJoinsFrom(app, removed.origin);
    if (joins.length > 0) app.log.warn({ origin: removed.origin, joins: joins.length }, "the operator withdrew a remote origin's pending Joins");
    return { ...removed, pendingJoins: joins.map((j) => ({ confederation: j.confHandle, member: j.member })) };
  },
  async "follower.decide"(app: AppContext, a: { body: string; id: string; decision: "accept" | "reject" }) {
    return unwrap(await decideFollowRequest(app, a.body, a.id, a.decision, null));
  },
} satisfies Record<string, (app: AppContext, args: never) => Promise<unknown>>;

export type OperationName = keyof typeof operations;

export function isOperation(name: string): name is OperationName {
  return Object.hasOwn(operations, name);
}
