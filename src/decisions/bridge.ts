import type { Kysely } from "kysely";
import type { Failure } from "../shared/result.ts";
import type { AppContext } from "../context.ts";
import { actorUri } from "../shared/uris.ts";
import { foundBody, joinBody, type BodyKind } from "../governance/index.ts";
import type { Schema } from "../store/schema.ts";
import type { BodyRef } from "./projection.ts";
import { applyOnBody, foundingBylaws, nothing } from "./run.ts";

// The community services (creating a body, adding a member) tell the record of decisions
// in their own transactions, so the record and the memberships never disagree. They reach
// these two functions through the AppContext.bodyRecord port (wired in instance.ts):
// decisions/ imports community/, never the other way.

/**
 * Founds the record of a body just created with a founder (inside createBody's
 * transaction): the default bylaws of its kind, with the admission it was created with.
 */
export async function recordBodyFounded(app: AppContext, trx: Kysely<Schema>, body: BodyRef, founderUri: string): Promise<void> {
  const { outcome } = await applyOnBody(app, trx, body, {}, ({ body: state, now }) =>
    state !== null
      ? nothing(() => undefined)
      : {
          command: foundBody(
            {
              body: actorUri(app.config.publicOrigin, body.id).href,
              actor: founderUri,
              kind: body.kind as BodyKind,
              name: body.name,
              bylaws: foundingBylaws(body.kind as BodyKind, body.admission),
              members: [founderUri],
            },
            now,
          ),
          value: () => undefined,
        },
  );
  if (!outcome.ok) throw new Error(`cannot found the record of ${body.handle}: ${outcome.error.message}`);
}

/**
 * Records that someone joined (inside addMember's transaction). A body without a
 * record yet (no member so far, or created before decisions) is founded with all its
 * members when it first decides something, so nothing is recorded now. A body that
 * admits by decision refuses: its members come in by `membership` proposals.
 *
 * @returns the failure to give the caller, having written nothing; null if recorded.
 */
export async function recordMemberJoined(app: AppContext, trx: Kysely<Schema>, body: BodyRef, memberUri: string): Promise<Failure | null> {
  const { outcome } = await applyOnBody(app, trx, body, {}, ({ body: state, now }) => {
    if (state === null || state.members.has(memberUri)) return nothing(() => undefined);
    return {
      command: joinBody(state, { actor: memberUri }, now),
      value: () => undefined,
      explain: (reason) =>
        reason.code === "admission-by-decision"
          ? { code: "forbidden", message: `${body.handle} admits members by decision: a member tables a membership proposal` }
          : { code: "conflict", message: reason.message, field: "member" },
    };
  });
  return outcome.ok ? null : outcome.error;
}
