import { findBody } from "../community/actors.ts";
import { fail, ok, type Result } from "../shared/result.ts";
import type { AppContext } from "../context.ts";
import { actorUri, INSTANCE_ACTOR_ID } from "../shared/uris.ts";
import { foundBody, validateBylaws, type BodyKind, type Bylaws } from "../governance/index.ts";
import { applyOnBody, foundingBylaws } from "./run.ts";

/**
 * Founds the record of a body that has members but no record yet (a body the operator
 * created and filled), with the bylaws it starts under: `bylaws` if given (the body's
 * admission follows them), else the defaults of its kind. A body created with a founder,
 * or that has decided anything, already has its record (conflict).
 */
export async function foundBodyRecord(app: AppContext, bodyHandle: string, input: { bylaws?: Bylaws } = {}): Promise<Result<{ version: number; bylaws: Bylaws; members: string[] }>> {
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
