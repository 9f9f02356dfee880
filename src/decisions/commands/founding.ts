import type { Kysely } from "kysely";
import { createBodyActor, findBody, type ActorRow, type NewBody, type StartRecord } from "../../community/actors.ts";
import type { AppContext } from "../../context.ts";
import { foundBody, validateBylaws, type BodyKind, type Bylaws } from "../../governance/index.ts";
import { fail, ok, type Result } from "../../shared/result.ts";
import { actorUri, INSTANCE_ACTOR_ID } from "../../shared/uris.ts";
import type { Schema } from "../../store/schema.ts";
import type { BodyRef } from "../projection.ts";
import { applyOnBody, foundingBylaws, nothing } from "../run.ts";

// A body's record of decisions starts with its founding: when the body is created with a
// founder (in the same transaction as the body and the founder's membership), or later,
// when the operator founds the record of a body they created and filled.

/** A body to create, with the local person who founds it (not for confederations, whose members are bodies). */
export interface NewFoundedBody extends NewBody {
  founderId?: string;
  /**
   * Starts the body's record with its founder, in the creating transaction, instead of the
   * default founding (default bylaws): a fork starts it with `body-forked`.
   */
  startRecord?: StartRecord;
}

/** Creates a body; with a founder, its record starts in the same transaction (default bylaws, or as `startRecord` says). */
export function createBody(app: AppContext, input: NewFoundedBody): Promise<Result<ActorRow>> {
  const { founderId, startRecord, ...body } = input;
  if (founderId === undefined) return createBodyActor(app, body);
  return createBodyActor(app, body, {
    id: founderId,
    startRecord: startRecord ?? ((trx, created, founderUri) => recordBodyFounded(app, trx, created, founderUri)),
  });
}

/** Founds the record of a body just created with a founder: the default bylaws of its kind, with the admission it was created with. */
async function recordBodyFounded(app: AppContext, trx: Kysely<Schema>, body: BodyRef, founderUri: string): Promise<void> {
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
 * Founds the record of a body that has members but no record yet (a body the operator
 * created and filled), with the bylaws it starts under: `bylaws` if given (the body's
 * admission follows them), else the defaults of its kind. A body created with a founder,
 * or that has decided anything, already has its record (conflict).
 */
export async function foundBodyRecord(
  app: AppContext,
  bodyHandle: string,
  input: { bylaws?: Bylaws } = {},
): Promise<Result<{ version: number; bylaws: Bylaws; members: string[] }>> {
  const found = await findBody(app, bodyHandle);
  if (!found.ok) return found;
  const body = found.value;
  if (input.bylaws !== undefined) {
    const checked = validateBylaws(input.bylaws, body.kind as BodyKind);
    if (!checked.ok) return fail("invalid", checked.reason.message, "bylaws");
  }
  const members = (await app.db.selectFrom("memberships").select("member_uri").where("body_id", "=", body.id).orderBy("admitted_at").orderBy("id").execute()).map(
    (r) => r.member_uri,
  );
  if (members.length === 0 && body.kind !== "confederation") return fail("conflict", `${body.handle} has no members yet: add its first members, then found its record`);
  const bylaws = input.bylaws;
  const decide: Parameters<typeof applyOnBody<{ version: number; bylaws: Bylaws; members: string[] }>>[4] = ({ body: state, now }) => {
    if (state !== null) return { fail: { code: "conflict", message: `${body.handle} already has its record (founded ${state.foundedAt})` } };
    return {
      command: foundBody(
        {
          body: actorUri(app.config.publicOrigin, body.id).href,
          actor: actorUri(app.config.publicOrigin, INSTANCE_ACTOR_ID).href,
          kind: body.kind as BodyKind,
          name: body.name,
          bylaws: bylaws ?? foundingBylaws(body.kind as BodyKind, body.admission),
          members,
        },
        now,
      ),
      fields: { "invalid-bylaws": "bylaws", "invalid-input": "bylaws" },
      value: (after) => {
        if (after === null) throw new Error("invariant: founded");
        return { version: after.bylawsVersion, bylaws: after.bylaws, members: [...after.members].sort() };
      },
    };
  };
  return app.db.transaction().execute(async (trx) => {
    const { outcome } = await applyOnBody(app, trx, body, {}, decide);
    // How the body admits members follows its founding bylaws.
    if (outcome.ok && outcome.value.bylaws.admission !== body.admission) {
      await trx.updateTable("actors").set({ admission: outcome.value.bylaws.admission }).where("id", "=", body.id).execute();
    }
    return outcome.ok ? ok(outcome.value) : outcome;
  });
}
