import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { AppContext } from "../../context.ts";
import type { Failure } from "../../shared/result.ts";
import { bylawsTemplates, createBody } from "../../decisions/index.ts";
import { BODY_KINDS, type BodyKind, type Bylaws, type DecisionRule, type Quorum, type RatificationRule } from "../../governance/index.ts";
import { failureInWords, formFields, requireSignedIn } from "./forms.ts";
import { isMessageKey, type MessageKey, reasonWords, translator } from "./messages/index.ts";
import { type FieldErrors, sendPage } from "./render.ts";

// Founding a body from the browser: choose a template (a link each, no script needed),
// then a form with every field of its bylaws filled in from it, to change before founding.

const t = translator();

const RULES: Record<string, DecisionRule> = {
  "simple-majority": { kind: "simple-majority" },
  "supermajority-2/3": { kind: "supermajority", fraction: { num: 2, den: 3 } },
  "supermajority-3/5": { kind: "supermajority", fraction: { num: 3, den: 5 } },
  consensus: { kind: "consensus" },
  "graduated-consensus": { kind: "graduated-consensus" },
};
const RATIFICATIONS: Record<string, RatificationRule> = {
  majority: { kind: "majority" },
  "supermajority-2/3": { kind: "supermajority", fraction: { num: 2, den: 3 } },
  "double-majority": { kind: "double-majority", bodies: { num: 3, den: 5 }, people: { num: 3, den: 5 } },
  unanimity: { kind: "unanimity" },
  "weighted-1/2": { kind: "weighted", fraction: { num: 1, den: 2 } },
};
const UNITS = ["minutes", "hours", "days", "weeks"] as const;
type Unit = (typeof UNITS)[number];

export const FIELDS = [
  "template",
  "name",
  "handle",
  "summary",
  "kind",
  "rule",
  "quorumKind",
  "quorumValue",
  "deliberationAmount",
  "deliberationUnit",
  "votingAmount",
  "votingUnit",
  "minimumAmount",
  "minimumUnit",
  "admission",
  "visibility",
  "ballot",
  "seconds",
  "maxTerms",
  "ratification",
  "bylawsText",
] as const;
export type Form = Record<(typeof FIELDS)[number], string>;

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const keyOf = <T>(table: Record<string, T>, value: T | undefined): string => Object.entries(table).find(([, v]) => same(v, value))?.[0] ?? "keep";

/** An ISO 8601 period as an amount in its largest whole unit. */
export function periodToForm(period: string | undefined): { amount: string; unit: Unit } {
  const m = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$/.exec(period ?? "");
  if (!m) return { amount: "", unit: "days" };
  const minutes = (Number(m[1] ?? 0) * 7 * 24 + Number(m[2] ?? 0) * 24 + Number(m[3] ?? 0)) * 60 + Number(m[4] ?? 0);
  if (minutes % (7 * 24 * 60) === 0) return { amount: String(minutes / (7 * 24 * 60)), unit: "weeks" };
  if (minutes % (24 * 60) === 0) return { amount: String(minutes / (24 * 60)), unit: "days" };
  if (minutes % 60 === 0) return { amount: String(minutes / 60), unit: "hours" };
  return { amount: String(minutes), unit: "minutes" };
}

/** An amount and unit as an ISO 8601 period, or null if the amount is not a whole number from 1. */
export function periodFromForm(amount: string, unit: string): string | null {
  if (!/^\d{1,5}$/.test(amount) || Number(amount) < 1) return null;
  const n = Number(amount);
  return unit === "weeks" ? `P${n}W` : unit === "days" ? `P${n}D` : unit === "hours" ? `PT${n}H` : unit === "minutes" ? `PT${n}M` : null;
}

/** A body's bylaws as the form shows them. */
export function formFromBylaws(b: Bylaws, kind: BodyKind): Partial<Form> {
  const d = periodToForm(b.deliberationPeriod);
  const v = periodToForm(b.votingPeriod);
  const min = b.minimumPeriod ? periodToForm(b.minimumPeriod) : { amount: "", unit: "minutes" as Unit };
  return {
    kind,
    rule: keyOf(RULES, b.decisionRule),
    quorumKind: b.quorum.kind,
    quorumValue: b.quorum.kind === "count" ? String(b.quorum.count) : String(Math.round((b.quorum.share.num / b.quorum.share.den) * 100)),
    deliberationAmount: d.amount,
    deliberationUnit: d.unit,
    votingAmount: v.amount,
    votingUnit: v.unit,
    minimumAmount: min.amount,
    minimumUnit: min.unit,
    admission: b.admission,
    visibility: b.visibility,
    ballot: b.ballot,
    seconds: b.tabling.who === "seconded" ? String(b.tabling.seconds) : "0",
    maxTerms: b.delegates.maxConsecutiveTerms === null ? "" : String(b.delegates.maxConsecutiveTerms),
    ratification: keyOf(RATIFICATIONS, b.ratification),
    bylawsText: b.text ?? "",
  };
}

/** The changes a form asks for, on top of the template, or the fields at fault. */
export function bylawsFromForm(f: Form, confederation: boolean): { bylaws: Record<string, unknown>; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const out: Record<string, unknown> = {};
  if (f.rule !== "keep") {
    const rule = RULES[f.rule];
    if (rule) out.decisionRule = rule;
    else errors.rule = t("found.error.rule");
  }
  const q = Number(f.quorumValue);
  if (!/^\d{1,6}$/.test(f.quorumValue) || q < 1) errors.quorumValue = t("found.error.quorum");
  else if (f.quorumKind === "share" && q > 100) errors.quorumValue = t("found.error.share");
  else out.quorum = (f.quorumKind === "share" ? { kind: "share", share: { num: q, den: 100 } } : { kind: "count", count: q }) satisfies Quorum;
  const deliberation = periodFromForm(f.deliberationAmount, f.deliberationUnit);
  if (deliberation === null) errors.deliberationAmount = t("found.error.deliberation");
  else out.deliberationPeriod = deliberation;
  const voting = periodFromForm(f.votingAmount, f.votingUnit);
  if (voting === null) errors.votingAmount = t("found.error.voting");
  else out.votingPeriod = voting;
  if (f.minimumAmount) {
    const minimum = periodFromForm(f.minimumAmount, f.minimumUnit);
    if (minimum === null) errors.minimumAmount = t("found.error.minimum");
    else out.minimumPeriod = minimum;
  } else out.minimumPeriod = null;
  if (f.admission === "open" || f.admission === "by-decision") out.admission = f.admission;
  if (f.visibility === "public" || f.visibility === "members") out.visibility = f.visibility;
  if (f.ballot === "named" || f.ballot === "secret") out.ballot = f.ballot;
  if (!/^\d{1,3}$/.test(f.seconds)) errors.seconds = t("found.error.seconds");
  else out.tabling = Number(f.seconds) === 0 ? { who: "any-member" } : { who: "seconded", seconds: Number(f.seconds) };
  if (f.maxTerms !== "" && (!/^\d{1,3}$/.test(f.maxTerms) || Number(f.maxTerms) < 1)) errors.maxTerms = t("found.error.maxTerms");
  else out.delegates = { maxConsecutiveTerms: f.maxTerms === "" ? null : Number(f.maxTerms) };
  if (confederation && f.ratification !== "keep") {
    const r = RATIFICATIONS[f.ratification];
    if (r) out.ratification = r;
    else errors.ratification = t("found.error.ratification");
  }
  out.text = f.bylawsText;
  return { bylaws: out, errors };
}

/**
 * What a refused founding says, by the service's field (`handle`, `bylaws.quorum`, ...): the
 * catalogue's words for each field's reason code; the service's own message only for a field
 * whose code the catalogue lacks (a last resort, in English).
 */
export async function foundingFailureWords(app: Pick<AppContext, "db" | "config">, failure: Failure): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [k, message] of Object.entries(failure.fields ?? {})) out[k] = reasonWords(failure.fieldReasons?.[k]) ?? message;
  if (failure.field !== undefined && out[failure.field] === undefined) out[failure.field] = await failureInWords(app, failure);
  return out;
}

/** Where the core's field names (bylaws.quorum, …) are on the form. */
export const FIELD_OF: Record<string, keyof Form> = {
  handle: "handle",
  name: "name",
  kind: "kind",
  template: "template",
  "bylaws.decisionRule": "rule",
  "bylaws.quorum": "quorumValue",
  "bylaws.deliberationPeriod": "deliberationAmount",
  "bylaws.votingPeriod": "votingAmount",
  "bylaws.minimumPeriod": "minimumAmount",
  "bylaws.ratification": "ratification",
  "bylaws.tabling": "seconds",
  "bylaws.delegates": "maxTerms",
  "bylaws.delegates.maxConsecutiveTerms": "maxTerms",
  "bylaws.text": "bylawsText",
};

/** A template's name, description and source from the catalogue (the core's English only for a template the catalogue lacks). */
export function templateWords(x: { id: string; title: string; description: string; drawnFrom: string }): { title: string; description: string; drawnFrom: string } {
  const words = (part: "title" | "description" | "drawnFrom") => {
    const key = `template.${x.id}.${part}`;
    return isMessageKey(key) ? t(key) : x[part];
  };
  return { title: words("title"), description: words("description"), drawnFrom: words("drawnFrom") };
}

/** The choices of the bylaws fields (views/bylaws-fields.eta). */
export function bylawsFieldOptions() {
  return {
    bodyKinds: BODY_KINDS.map((k) => [k, t(`found.kind.${k}` as MessageKey)]),
    rules: Object.keys(RULES).map((k) => [k, t(`found.rule.${k}` as MessageKey)]),
    ratifications: Object.keys(RATIFICATIONS).map((k) => [k, t(`found.ratification.${k}` as MessageKey)]),
    units: UNITS.map((u) => [u, t(`found.unit.${u}` as MessageKey)]),
    quorumKinds: [
      ["count", t("found.quorumKind.count")],
      ["share", t("found.quorumKind.share")],
    ],
    admissions: [
      ["open", t("found.admission.open")],
      ["by-decision", t("found.admission.by-decision")],
    ],
    visibilities: [
      ["public", t("found.visibility.public")],
      ["members", t("found.visibility.members")],
    ],
    ballots: [
      ["named", t("found.ballot.named")],
      ["secret", t("found.ballot.secret")],
    ],
  };
}

export function foundBodyPages(app: AppContext) {
  return async (f: FastifyInstance) => {
    const templates = bylawsTemplates();
    const options = bylawsFieldOptions();
    const show = (req: FastifyRequest, reply: FastifyReply, template: string | null, values: Partial<Form>, errors: FieldErrors, formError: string | null, status = 200) => {
      const chosen = templates.find((x) => x.id === template) ?? null;
      return sendPage(
        app,
        req,
        reply,
        "found",
        {
          title: t("found.title"),
          templates: templates.map((x) => ({ id: x.id, ...templateWords(x) })),
          chosen: chosen ? { id: chosen.id, title: templateWords(chosen).title } : null,
          values,
          errors,
          formError,
          ...options,
        },
        status,
      );
    };

    f.get<{ Querystring: { template?: string; kind?: string } }>("/bodies/new", { preHandler: requireSignedIn }, async (req, reply) => {
      const chosen = templates.find((x) => x.id === req.query.template);
      if (!chosen) return show(req, reply, null, {}, {}, null);
      const kind = (chosen.kinds as readonly string[]).includes(req.query.kind ?? "") ? (req.query.kind as BodyKind) : chosen.kinds[0]!;
      return show(req, reply, chosen.id, { ...formFromBylaws(chosen.bylaws, kind), template: chosen.id }, {}, null);
    });

    f.post("/bodies/new", { preHandler: [requireSignedIn, f.csrfProtection] }, async (req, reply) => {
      const form = formFields(req, FIELDS);
      const template = templates.find((x) => x.id === form.template);
      if (!template) return show(req, reply, null, {}, {}, null, 400);
      const errors: FieldErrors = {};
      if (!form.name) errors.name = t("found.error.name");
      if (!form.handle) errors.handle = t("found.error.handle");
      if (!(BODY_KINDS as readonly string[]).includes(form.kind)) errors.kind = t("found.error.kind");
      const { bylaws, errors: bylawsErrors } = bylawsFromForm(form, form.kind === "confederation");
      Object.assign(errors, bylawsErrors);
      if (Object.keys(errors).length) return show(req, reply, template.id, form, errors, null, 400);
      const created = await createBody(app, {
        handle: form.handle,
        kind: form.kind as BodyKind,
        name: form.name,
        summary: form.summary,
        template: template.id,
        bylaws,
        founderId: req.actorId!,
      });
      if (!created.ok) {
        const fieldErrors: FieldErrors = {};
        let general: string | null = null;
        for (const [k, words] of Object.entries(await foundingFailureWords(app, created.error))) {
          const field = FIELD_OF[k] ?? FIELD_OF[k.split(".").slice(0, 2).join(".")];
          if (field) fieldErrors[field] = words;
          else general = general ? `${general} ${words}` : words;
        }
        if (Object.keys(fieldErrors).length === 0 && general === null) general = await failureInWords(app, created.error);
        return show(req, reply, template.id, form, fieldErrors, general, created.error.code === "conflict" ? 409 : 400);
      }
      return reply.redirect(`/@${encodeURIComponent(created.value.handle)}`, 303);
    });
  };
}
