import type { Kysely } from "kysely";
import { createBodyActor, findBody, type ActorRow, type NewBody, type StartRecord } from "../../community/actors.ts";
import type { AppContext } from "../../context.ts";
import { BYLAWS_TEMPLATES, bylawsFromTemplate, defaultBylaws, foundBody, validateBylaws, type BodyKind, type Bylaws, type BylawsTemplate } from "../../governance/index.ts";
import type { Reason, ReasonCode } from "../../shared/reasons.ts";
import { fail, ok, type Result, failWith } from "../../shared/result.ts";
import { actorUri, INSTANCE_ACTOR_ID } from "../../shared/uris.ts";
import type { Schema } from "../../store/schema.ts";
import type { BodyRef } from "../projection.ts";
import { applyOnBody, foundingBylaws, nothing, storedFoundingBylaws } from "../run.ts";

// A body's record of decisions starts with its founding: when the body is created with a
// founder (in the same transaction as the body and the founder's membership), or later,
// when the operator founds the record of a body they created and filled.

/** A body to create, with the local person who founds it (not for confederations, whose members are bodies). */
export interface NewFoundedBody extends Omit<NewBody, "foundingBylaws"> {
  founderId?: string;
  /**
   * Starts the body's record with its founder, in the creating transaction, instead of the
   * default founding (default bylaws): a fork starts it with `body-forked`.
   */
  startRecord?: StartRecord;
  /** Found it under a template's bylaws (see {@link bylawsTemplates}). */
  template?: string;
  /**
   * Bylaws to found it under: complete bylaws, or any of their fields to change in the
   * template's (or, without a template, in the defaults). Checked; every problem is named.
   */
  bylaws?: unknown;
}

/** What a form shows of a template: its id, title, plain description, the kinds it suits and its complete bylaws. */
export type TemplateInfo = BylawsTemplate;

/** The founding bylaws templates, drawn from the seeds, each with a plain description (for forms, the API and the CLI). */
export function bylawsTemplates(): readonly TemplateInfo[] {
  return BYLAWS_TEMPLATES;
}

/**
 * The bylaws a body of `kind` would be founded under with this template and these
 * overrides, checked without creating anything (a form can show them, or the problems,
 * before founding). `admission`, when given, is the bylaws' admission. Invalid input is
 * one `invalid` failure naming every problem, with a message per field in `fields`
 * (`bylaws.quorum`, `template`, ...).
 */
export function resolveFoundingBylaws(input: { kind: BodyKind; template?: string | undefined; bylaws?: unknown; admission?: "open" | "by-decision" | undefined }): Result<Bylaws> {
  const base: Bylaws = { ...defaultBylaws(input.kind), admission: input.admission ?? "open" };
  const overrides = input.bylaws;
  const given = typeof overrides === "object" && overrides !== null ? (overrides as Record<string, unknown>).admission : undefined;
  const resolved = bylawsFromTemplate({ kind: input.kind, template: input.template, overrides }, base);
  // Each problem with its reason: the core's bylaws problems as `bylaws.<code>`, for the pages' catalogue.
  const problems: { field: string; message: string; reason: Reason }[] = resolved.ok
    ? []
    : resolved.problems.map((p) => ({
        field: p.field,
        message: p.message,
        reason: p.params === undefined ? { code: `bylaws.${p.code}` } : { code: `bylaws.${p.code}`, params: p.params },
      }));
  if (input.admission !== undefined && given !== undefined && given !== input.admission) {
    problems.push({
      field: "admission",
      message: `admission is ${input.admission} but bylaws.admission is ${String(given)}: give one`,
      reason: { code: "admission-mismatch" satisfies ReasonCode },
    });
  }
  if (problems.length > 0 || !resolved.ok) {
    const fields: Record<string, string> = {};
    const fieldReasons: Record<string, Reason> = {};
    for (const p of problems) {
      const key = p.field === "template" || p.field === "kind" || p.field === "admission" ? p.field : p.field === "bylaws" ? "bylaws" : `bylaws.${p.field}`;
      fields[key] = fields[key] === undefined ? p.message : `${fields[key]}; ${p.message}`;
      // The first problem of a field is the one a form shows next to it.
      fieldReasons[key] ??= p.reason;
    }
    return { ok: false, error: { code: "invalid", message: `the bylaws cannot be founded: ${problems.map((p) => p.message).join("; ")}`, fields, fieldReasons } };
  }
  const bylaws = input.admission !== undefined && given === undefined ? { ...resolved.bylaws, admission: input.admission } : resolved.bylaws;
  return ok(bylaws);
}

/**
 * Creates a body; with a founder, its record starts in the same transaction (default
 * bylaws, the bylaws chosen with `template` and `bylaws`, or as `startRecord` says).
 * Chosen bylaws are checked first: invalid ones create nothing. A confederation founded
 * with chosen bylaws starts its record at once, with no member body yet; a body the
 * operator creates without a founder keeps its chosen bylaws until its record starts.
 */
export async function createBody(app: AppContext, input: NewFoundedBody): Promise<Result<ActorRow>> {
  const { founderId, startRecord, template, bylaws: overrides, ...body } = input;
  let chosen: Bylaws | undefined;
  if (template !== undefined || overrides !== undefined) {
    const resolved = resolveFoundingBylaws({ kind: body.kind as BodyKind, template, bylaws: overrides, admission: body.admission });
    if (!resolved.ok) return resolved;
    chosen = resolved.value;
  }
  const created: NewBody = { ...body, ...(chosen ? { admission: chosen.admission, foundingBylaws: JSON.stringify(chosen) } : {}) };
  // A confederation's founder is not a member (its members are bodies) but is who founded it, on the record.
  const founder = founderId === undefined ? undefined : actorUri(app.config.publicOrigin, founderId).href;
  const start: StartRecord = startRecord ?? ((trx, row, founderUri) => recordBodyFounded(app, trx, row, founderUri, chosen, founder));
  if (founderId === undefined) {
    // The operator's confederation starts its record at once with its chosen bylaws.
    return chosen && body.kind === "confederation" ? createBodyActor(app, created, { startRecord: start, confederationRecord: true }) : createBodyActor(app, created);
  }
  return createBodyActor(app, created, { id: founderId, startRecord: start, confederationRecord: chosen !== undefined });
}

/**
 * Founds the record of a body just created: with its founder as first member (or, a
 * confederation, with no member), under the chosen bylaws or the default bylaws of its
 * kind with the admission it was created with.
 */
async function recordBodyFounded(app: AppContext, trx: Kysely<Schema>, body: BodyRef, founderUri: string | null, chosen?: Bylaws, foundedBy?: string): Promise<void> {
  const actor = founderUri ?? foundedBy ?? actorUri(app.config.publicOrigin, INSTANCE_ACTOR_ID).href;
  const { outcome } = await applyOnBody(app, trx, body, {}, ({ body: state, now }) =>
    state !== null
      ? nothing(() => undefined)
      : {
          command: foundBody(
            {
              body: actorUri(app.config.publicOrigin, body.id).href,
              actor,
              kind: body.kind as BodyKind,
              name: body.name,
              bylaws: chosen ?? foundingBylaws(body.kind as BodyKind, body.admission),
              members: founderUri === null ? [] : [founderUri],
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
  if (members.length === 0 && body.kind !== "confederation")
    return failWith("conflict", "no-members-yet", `${body.handle} has no members yet: add its first members, then found its record`, { params: { handle: body.handle } });
  const bylaws = input.bylaws ?? storedFoundingBylaws(body);
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
