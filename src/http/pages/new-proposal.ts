import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { findBody, lookUpHandles } from "../../community/actors.ts";
import type { AppContext } from "../../context.ts";
import { type DraftableKind, draftProposal, replayBody, tableProposal } from "../../decisions/index.ts";
import { type BodyKind, type Bylaws, DELEGATE_ROLES } from "../../governance/index.ts";
import type { Failure } from "../../shared/result.ts";
import { actorUri } from "../../shared/uris.ts";
import { FIELDS as BYLAWS_FORM_FIELDS, bylawsFieldOptions, bylawsFromForm, formFromBylaws } from "./found-body.ts";
import { failureInWords, formFields, requireSignedIn } from "./forms.ts";
import { type MessageKey, translator } from "./messages/index.ts";
import { type FieldErrors, sendPage } from "./render.ts";

// Putting a proposal forward from the browser: first the kind, then a form with that
// kind's fields (no script needed to show the right ones), then draft, or draft and table.

const t = translator();

/** The kinds a member can put forward from the page, in the order offered. (`bylaws` comes with the bylaws form.) */
const KINDS = ["policy", "membership", "delegation", "recall", "join", "leave", "adopt", "confederal", "bylaws"] as const satisfies readonly DraftableKind[];
type PageKind = (typeof KINDS)[number];

const PROPOSAL_FIELDS = [
  "kind",
  "title",
  "text",
  "implementation",
  "member",
  "role",
  "delegates",
  "scope",
  "instructions",
  "start",
  "end",
  "confederation",
  "implements",
  "mandate",
  "source",
  "topic",
  "intent",
] as const;
// A bylaws proposal carries the bylaws fields of the founding form too.
const FIELDS = [...PROPOSAL_FIELDS, ...BYLAWS_FORM_FIELDS.filter((x) => !(PROPOSAL_FIELDS as readonly string[]).includes(x))] as const;
type Form = Record<(typeof PROPOSAL_FIELDS)[number] | (typeof BYLAWS_FORM_FIELDS)[number], string>;

/** A day given as YYYY-MM-DD, as an instant: the start of that day (UTC). */
function day(value: string, endOfDay = false): string | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return null;
  const ms = Date.parse(`${value}T${endOfDay ? "23:59:59" : "00:00:00"}Z`);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

/** The payload for a kind from the form, or the field at fault. `current`: the body's bylaws, which a bylaws proposal changes. */
function payloadOf(kind: PageKind, f: Form, current: Bylaws | null, confederation: boolean): { payload?: unknown } | Failure {
  const need = (field: keyof Form, message: string): Failure | null => (f[field] ? null : { code: "invalid", message, field });
  switch (kind) {
    case "policy":
      return { payload: { implementation: f.implementation !== "no" } };
    case "membership":
      return need("member", t("new.error.member")) ?? { payload: { member: f.member } };
    case "delegation": {
      const missing = need("delegates", t("new.error.delegates")) ?? need("scope", t("new.error.scope")) ?? need("start", t("new.error.start")) ?? need("end", t("new.error.end"));
      if (missing) return missing;
      const start = day(f.start);
      const end = day(f.end, true);
      if (start === null) return { code: "invalid", message: t("new.error.startDate"), field: "start" };
      if (end === null) return { code: "invalid", message: t("new.error.endDate"), field: "end" };
      if (end <= start) return { code: "invalid", message: t("new.error.endAfterStart"), field: "end" };
      const delegates = f.delegates
        .split(/[,\s]+/)
        .map((s) => s.trim())
        .filter(Boolean);
      const confederal = f.role === "confederal-delegate";
      if (confederal && !f.confederation) return { code: "invalid", message: t("new.error.delegateConfederation"), field: "confederation" };
      return {
        payload: {
          role: f.role,
          delegates,
          mandate: { scope: f.scope, instructions: f.instructions, ...(confederal ? { covers: ["confederal"] } : {}) },
          start,
          end,
          ...(confederal ? { confederation: f.confederation } : {}),
          // Implementation delegates name the carried decision they implement (its id or address).
          ...(f.role === "implementation-delegate" && f.implements ? { implements: f.implements } : {}),
        },
      };
    }
    case "recall":
      return need("mandate", t("new.error.mandate")) ?? { payload: { mandate: f.mandate } };
    case "join":
    case "leave":
      return need("confederation", t("new.error.confederation")) ?? { payload: { confederation: f.confederation } };
    case "adopt":
      return need("source", t("new.error.source")) ?? { payload: { source: f.source } };
    case "bylaws": {
      if (current === null) return { code: "invalid", message: t("new.error.noBylaws"), field: "title" };
      const { bylaws, errors } = bylawsFromForm(f, confederation);
      const [field, message] = Object.entries(errors)[0] ?? [];
      if (field !== undefined && message !== undefined) return { code: "invalid", message, field };
      const next: Record<string, unknown> = { ...current, ...bylaws };
      for (const [k, v] of Object.entries(next)) if (v === null) delete next[k];
      return { payload: { bylaws: next } };
    }
    case "confederal":
      return (
        need("confederation", t("new.error.confederation")) ?? {
          payload: { confederation: f.confederation, title: f.title, text: f.text, ...(f.topic ? { topic: f.topic } : {}) },
        }
      );
  }
}

export function newProposalPages(app: AppContext) {
  const origin = app.config.publicOrigin;
  return async (f: FastifyInstance) => {
    const show = async (req: FastifyRequest, reply: FastifyReply, handle: string, kind: PageKind | null, values: Partial<Form>, errors: FieldErrors, status = 200) => {
      const body = await findBody(app, handle);
      if (!body.ok) return reply.callNotFound();
      const me = actorUri(origin, req.actorId!).href;
      const state = await replayBody(app, body.value.id);
      const member = (await app.db.selectFrom("memberships").select("id").where("body_id", "=", body.value.id).where("member_uri", "=", me).executeTakeFirst()) !== undefined;
      const live = state ? [...state.mandates.values()].filter((m) => m.revokedAt === null && Date.parse(m.end) > Date.now()) : [];
      const names = await lookUpHandles(app, [...live.map((m) => m.delegate), ...(state ? [...state.confederations] : [])]);
      return sendPage(
        app,
        req,
        reply,
        "proposals/new",
        {
          title: t("new.title", { body: body.value.name }),
          body: { handle: body.value.handle, name: body.value.name },
          member,
          kind,
          kinds: KINDS.map((k) => ({ kind: k, label: t(`new.kind.${k}` as MessageKey), explain: t(`new.kind.${k}Explain` as MessageKey) })),
          roles: DELEGATE_ROLES.map((r) => [r, t(`role.${r}` as MessageKey)]),
          mandates: live.map((m) => [m.id, `${names(m.delegate) ?? m.delegate} — ${t(`role.${m.role}` as MessageKey)} (${m.start.slice(0, 10)} – ${m.end.slice(0, 10)})`]),
          confederations: state ? [...state.confederations].map((c) => names(c) ?? c) : [],
          // Carried decisions waiting for the people who carry them out.
          implementing: state ? [...state.proposals.values()].filter((p) => p.status === "implementing").map((p) => [p.id.slice(p.id.lastIndexOf("/") + 1), p.title]) : [],
          ...bylawsFieldOptions(),
          confederation: body.value.kind === "confederation",
          values,
          errors,
        },
        status,
      );
    };

    f.get<{ Params: { handle: string }; Querystring: { kind?: string; role?: string; implements?: string } }>(
      "/@:handle/proposals/new",
      { preHandler: requireSignedIn },
      async (req, reply) => {
        const kind = (KINDS as readonly string[]).includes(req.query.kind ?? "") ? (req.query.kind as PageKind) : null;
        const role = (DELEGATE_ROLES as readonly string[]).includes(req.query.role ?? "") ? req.query.role! : "secretary";
        let prefill: Partial<Form> = {};
        if (kind === "bylaws") {
          const found = await findBody(app, req.params.handle);
          const current = found.ok ? ((await replayBody(app, found.value.id))?.bylaws ?? null) : null;
          if (found.ok && current) prefill = formFromBylaws(current, found.value.kind as BodyKind);
        }
        return show(
          req,
          reply,
          req.params.handle,
          kind,
          { ...prefill, kind: kind ?? "", implementation: "yes", role, implements: String(req.query.implements ?? "").slice(0, 200) },
          {},
        );
      },
    );

    f.post<{ Params: { handle: string } }>("/@:handle/proposals/new", { preHandler: [requireSignedIn, f.csrfProtection] }, async (req, reply) => {
      const form = formFields(req, FIELDS);
      const kind = (KINDS as readonly string[]).includes(form.kind) ? (form.kind as PageKind) : null;
      if (kind === null) return show(req, reply, req.params.handle, null, form, {}, 400);
      const errors: FieldErrors = {};
      if (!form.title) errors.title = t("new.error.title");
      const found = await findBody(app, req.params.handle);
      const current = found.ok ? ((await replayBody(app, found.value.id))?.bylaws ?? null) : null;
      const payload = payloadOf(kind, form, current, found.ok && found.value.kind === "confederation");
      if ("code" in payload) errors[payload.field ?? "title"] = payload.message;
      if (Object.keys(errors).length) return show(req, reply, req.params.handle, kind, form, errors, 400);
      const me = actorUri(origin, req.actorId!).href;
      const drafted = await draftProposal(app, me, req.params.handle, { kind, title: form.title, text: form.text, ...(payload as { payload?: unknown }) });
      if (!drafted.ok) {
        const field = (drafted.error.field ?? "").replace(/^payload\.?/, "") || (kind === "policy" ? "title" : (FIELDS.find((x) => x === kindField(kind)) ?? "title"));
        const status = drafted.error.code === "forbidden" ? 403 : drafted.error.code === "not-found" ? 404 : 400;
        return show(req, reply, req.params.handle, kind, form, { [FIELDS.includes(field as never) ? field : "title"]: await failureInWords(app, drafted.error) }, status);
      }
      if (form.intent !== "draft") {
        const tabled = await tableProposal(app, me, req.params.handle, drafted.value.id);
        if (!tabled.ok) return show(req, reply, req.params.handle, kind, form, { title: await failureInWords(app, tabled.error) }, 409);
      }
      return reply.redirect(`/@${encodeURIComponent(req.params.handle)}/proposals/${encodeURIComponent(drafted.value.id)}?done=acted`, 303);
    });
  };
}

/** The field a kind's payload problems are shown next to. */
function kindField(kind: PageKind): keyof Form {
  return (
    {
      policy: "title",
      membership: "member",
      delegation: "delegates",
      recall: "mandate",
      bylaws: "rule",
      join: "confederation",
      leave: "confederation",
      adopt: "source",
      confederal: "confederation",
    } as const
  )[kind];
}
