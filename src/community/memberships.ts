import type { AppContext } from "../context.ts";
import { resolveRemoteActorWithHandle } from "./remote-actors.ts";
import { actorUri, localActorId } from "../shared/uris.ts";
import { findActorById, findActorByHandle, findBody, isBody, type ActorRow } from "./actors.ts";
import { failWith, ok, type Result } from "../shared/result.ts";

export interface Member {
  uri: string;
  handle: string | null;
  name: string | null;
  local: boolean;
  admittedAt: Date;
  admittedBy: string;
}

/**
 * Resolves who is meant by `ref`: a local handle (`alice`), a remote handle
 * (`@bob@example.org`) or an actor URL.
 */
export async function resolveMemberRef(app: AppContext, ref: string): Promise<Result<{ uri: string; local: ActorRow | null; isGroup: boolean; handle: string | null }>> {
  const trimmed = ref.trim();
  const localId = /^https?:\/\//.test(trimmed) ? localActorId(app.config.publicOrigin, trimmed) : null;
  const isLocalHandle = !/^https?:\/\//.test(trimmed) && !/^@?[^@]+@[^@]+$/.test(trimmed);
  const localHostHandle = /^@?([^@]+)@([^@]+)$/.exec(trimmed);
  if (localId || isLocalHandle || (localHostHandle && localHostHandle[2] === app.config.publicOrigin.host)) {
    const actor = localId ? await findActorById(app, localId) : await findActorByHandle(app, localHostHandle ? localHostHandle[1]! : trimmed);
    if (!actor || actor.kind === "instance") return failWith("not-found", "no-such-member", `no local account or body "${trimmed}"`, { field: "member", params: { who: trimmed } });
    return ok({ uri: actorUri(app.config.publicOrigin, actor.id).href, local: actor, isGroup: isBody(actor), handle: `${actor.handle}@${app.config.publicOrigin.host}` });
  }
  // A handle this instance already knows is looked up by its actor's URL: the pages name
  // remote bodies by handle, and an `acct:` look-up always goes over https.
  const known = localHostHandle ? await app.db.selectFrom("remote_actors").select("uri").where("handle", "=", trimmed.replace(/^@/, "")).executeTakeFirst() : undefined;
  const remote = await resolveRemoteActorWithHandle(app, known?.uri ?? trimmed);
  if (!remote?.actor.id) return failWith("unreachable", "member-unreachable", `could not find the remote actor "${trimmed}"`, { field: "member", params: { who: trimmed } });
  return ok({ uri: remote.actor.id.href, local: null, isGroup: remote.actor.constructor.name === "Group", handle: remote.handle });
}

export async function listMembers(app: AppContext, bodyHandle: string): Promise<Result<Member[]>> {
  const body = await findBody(app, bodyHandle);
  if (!body.ok) return body;
  const rows = await app.db
    .selectFrom("memberships")
    .leftJoin("remote_actors", "remote_actors.uri", "memberships.member_uri")
    .select(["memberships.member_uri", "memberships.admitted_at", "memberships.admitted_by", "remote_actors.handle as remote_handle", "remote_actors.name as remote_name"])
    .where("memberships.body_id", "=", body.value.id)
    .orderBy("memberships.admitted_at")
    .orderBy("memberships.id")
    .execute();
  const localIds = rows.map((r) => localActorId(app.config.publicOrigin, r.member_uri)).filter((x): x is string => x !== null);
  const locals = localIds.length ? await app.db.selectFrom("actors").select(["id", "handle", "name"]).where("id", "in", localIds).execute() : [];
  const byId = new Map(locals.map((a) => [a.id, a]));
  return ok(
    rows.map((r) => {
      const local = byId.get(localActorId(app.config.publicOrigin, r.member_uri) ?? "");
      return {
        uri: r.member_uri,
        handle: local ? `${local.handle}@${app.config.publicOrigin.host}` : r.remote_handle,
        name: local ? local.name : r.remote_name,
        local: local !== undefined,
        admittedAt: r.admitted_at,
        admittedBy: r.admitted_by,
      };
    }),
  );
}

export async function isMember(app: Pick<AppContext, "db">, bodyId: string, memberUri: string): Promise<boolean> {
  const row = await app.db.selectFrom("memberships").select("id").where("body_id", "=", bodyId).where("member_uri", "=", memberUri).executeTakeFirst();
  return row !== undefined;
}

/**
 * Of the local actors `ids`, the bodies `memberUri` is a member of and the people, in one
 * query (an incoming post asks this of everyone it is addressed to).
 */
export async function addressees(app: Pick<AppContext, "db">, ids: Iterable<string>, memberUri: string): Promise<{ bodies: string[]; people: string[] }> {
  const list = [...ids];
  if (list.length === 0) return { bodies: [], people: [] };
  const rows = await app.db
    .selectFrom("actors")
    .select((eb) => [
      "actors.id",
      "actors.kind",
      eb
        .exists(eb.selectFrom("memberships").select("memberships.id").whereRef("memberships.body_id", "=", "actors.id").where("memberships.member_uri", "=", memberUri))
        .as("member"),
    ])
    .where("actors.id", "in", list)
    .execute();
  const byId = new Map(rows.map((r) => [r.id, r]));
  const bodies: string[] = [];
  const people: string[] = [];
  for (const id of list) {
    const row = byId.get(id);
    if (row && isBody(row) && row.member) bodies.push(id);
    else if (row?.kind === "person") people.push(id);
  }
  return { bodies, people };
}

/** The local bodies `memberUri` belongs to, by name. */
export async function bodiesOf(app: Pick<AppContext, "db">, memberUri: string): Promise<{ handle: string; name: string; kind: string }[]> {
  return app.db
    .selectFrom("memberships")
    .innerJoin("actors", "actors.id", "memberships.body_id")
    .select(["actors.handle", "actors.name", "actors.kind"])
    .where("memberships.member_uri", "=", memberUri)
    .orderBy("actors.name")
    .execute();
}
