import { findBody, type ActorRow } from "../community/actors.ts";
import { createBody } from "./commands/founding.ts";
import { ok, type Failure, type Result, failWith } from "../shared/result.ts";
import type { AppContext } from "../context.ts";
import { actorUri, localActorId } from "../shared/uris.ts";
import { forkBody as coreForkBody, type BodyState, type Instant } from "../governance/index.ts";
import { loadRecord } from "./record.ts";
import { replayBody } from "./read.ts";
import { applyOnBody } from "./run.ts";

// A fork founds a new local body from a copy of another body's bylaws. Its record starts
// with `body-forked` (naming the origin and the bylaws version copied) instead of
// `body-founded`; the forker is its only member, and it has its own record from then on.

/** What someone writes to fork a body. */
export interface ForkRequest {
  handle: string;
  name: string;
  summary?: string;
}

/** Where a forked body came from, as its first event says. */
export interface ForkOrigin {
  /** The origin body's actor URI. */
  readonly origin: string;
  /** Its local handle, if it is a body of this instance. */
  readonly originHandle: string | null;
  /** The version of the origin's bylaws copied. */
  readonly bylawsVersion: number | null;
  readonly forkedAt: Instant;
  readonly forkedBy: string;
}

/** A body just forked. */
export interface Forked {
  readonly body: ActorRow;
  readonly forkedFrom: ForkOrigin;
}

/** Whether `viewer` may read the record of `state` (its bylaws' visibility). */
function readable(state: BodyState, viewer: string | null, handle: string): Failure | null {
  if (state.bylaws.visibility === "public") return null;
  if (viewer === null) return { code: "unauthorized", message: `the record of ${handle} is for its members: sign in` };
  return state.members.has(viewer) ? null : { code: "forbidden", message: `the record of ${handle} is for its members only` };
}

/**
 * A signed-in person forks a local body: a new body of the same kind, with the origin's
 * bylaws in force now, the forker as its only member. Anyone signed in may fork a body
 * whose record is public; a members-only body may be forked by its members only.
 * Confederations are not forked (their members are bodies, not the person forking).
 */
export async function forkBody(app: AppContext, forkerId: string, originHandle: string, input: ForkRequest): Promise<Result<Forked>> {
  const origin = app.config.publicOrigin;
  const found = await findBody(app, originHandle);
  if (!found.ok) return found;
  const source = found.value;
  const state = await replayBody(app, source.id);
  if (state === null)
    return failWith("conflict", "fork-no-record", `${source.handle} has no record yet: there are no bylaws on record to copy`, { params: { handle: source.handle } });
  const forker = actorUri(origin, forkerId).href;
  const denied = readable(state, forker, source.handle);
  if (denied !== null) return { ok: false, error: { ...denied, message: `${denied.message}; only its members may fork it` } };
  if (state.kind === "confederation") return failWith("invalid", "fork-confederation", "a confederation's members are bodies: forking one is not offered");
  if (typeof input.name !== "string" || input.name.trim() === "") return failWith("invalid", "fork-name-missing", "a fork needs a name", { field: "name" });

  const created = await createBody(app, {
    handle: input.handle,
    kind: state.kind,
    name: input.name,
    ...(input.summary !== undefined ? { summary: input.summary } : {}),
    admission: state.bylaws.admission,
    founderId: forkerId,
    startRecord: async (trx, body, founderUri) => {
      const { outcome } = await applyOnBody(app, trx, body, {}, ({ body: existing, now }) =>
        existing !== null
          ? { fail: { code: "conflict", message: `${body.handle} already has its record` } }
          : {
              command: coreForkBody({ body: actorUri(origin, body.id).href, actor: founderUri ?? forker, name: body.name, origin: state }, now),
              value: () => undefined,
            },
      );
      if (!outcome.ok) throw new Error(`cannot start the record of the fork ${body.handle}: ${outcome.error.message}`);
    },
  });
  if (!created.ok) return created;
  const forkedFrom = await forkOriginOf(app, created.value.id);
  if (forkedFrom === null) throw new Error("invariant: a fork's record starts with body-forked");
  return ok({ body: created.value, forkedFrom });
}

/** The origin of a body, from the first event of its record; null if it was not forked. */
async function forkOriginOf(app: AppContext, bodyId: string): Promise<ForkOrigin | null> {
  const first = (await loadRecord(app.db, app.db, bodyId)).events[0];
  if (first?.type !== "body-forked") return null;
  const originId = localActorId(app.config.publicOrigin, first.origin);
  const local = originId === null ? undefined : await app.db.selectFrom("actors").select("handle").where("id", "=", originId).executeTakeFirst();
  return {
    origin: first.origin,
    originHandle: local?.handle ?? null,
    bylawsVersion: first.originBylawsVersion ?? null,
    forkedAt: first.at,
    forkedBy: first.actor,
  };
}

/**
 * Where a body was forked from (null if it was founded afresh), for anyone who may read
 * its record.
 */
export async function readForkOrigin(app: AppContext, viewer: string | null, bodyHandle: string): Promise<Result<ForkOrigin | null>> {
  const found = await findBody(app, bodyHandle);
  if (!found.ok) return found;
  const state = await replayBody(app, found.value.id);
  if (state === null || state.origin === null) return ok(null);
  const denied = readable(state, viewer, found.value.handle);
  if (denied !== null) return { ok: false, error: denied };
  return ok(await forkOriginOf(app, found.value.id));
}
