import { createAccount, listBodies } from "../community/actors.ts";
import { decideFollowRequest, listFollowRequests } from "../community/follows.ts";
import { listMembers, resolveMemberRef } from "../community/memberships.ts";
import { listRemoteOrigins } from "../community/origin-limits.ts";
import { addMember, createBody, leaveBody, removeRemoteOrigin } from "../decisions/index.ts";
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
  async "account.create"(app: AppContext, a: { handle: string; password: string; name?: string }) {
    const actor = unwrap(await createAccount(app, a));
    return { id: actorUri(app.config.publicOrigin, actor.id).href, handle: `${actor.handle}@${app.config.publicOrigin.host}` };
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
      where: [
        ...Object.entries(o.openAdmissions).map(([body, n]) => `${body}: ${n} member${n === 1 ? "" : "s"}`),
        ...Object.entries(o.pendingFollows).map(([body, n]) => `${body}: ${n} pending`),
      ].join(", "),
    }));
  },
  async "remote.remove"(app: AppContext, a: { origin: string }) {
    return unwrap(await removeRemoteOrigin(app, a.origin));
  },
  async "follower.decide"(app: AppContext, a: { body: string; id: string; decision: "accept" | "reject" }) {
    return unwrap(await decideFollowRequest(app, a.body, a.id, a.decision, null));
  },
} satisfies Record<string, (app: AppContext, args: never) => Promise<unknown>>;

export type OperationName = keyof typeof operations;

export function isOperation(name: string): name is OperationName {
  return Object.hasOwn(operations, name);
}
