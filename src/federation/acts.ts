import { Create, Mention, Note, PropertyValue } from "@fedify/vocab";
import { findActorById } from "../community/actors.ts";
import { fail, type Result } from "../shared/result.ts";
import { textToHtml } from "../shared/text.ts";
import type { AppContext } from "../context.ts";
import { castVoteAs, electAdvocate, findProposal, proposeAmendment, recordGrievanceAgreement, recordObjection } from "../decisions/index.ts";
import type { VoteChoice } from "../governance/index.ts";
import { InboundActivity, takeInThrough } from "../community/inbound.ts";
import { queueAnswer } from "./answers.ts";
import { recordActivity } from "../community/outbox.ts";
import { pollTarget } from "./inbox/votes.ts";
import { deliveryTargetFor, resolveRemoteActor } from "../community/remote-actors.ts";
import { toInstant } from "../shared/time.ts";
import { activityUri, actorUri, followersUri, noteUri } from "../shared/uris.ts";

// Folkmoot acts on a proposal beyond a plain vote (an objection, an advocate
// vote, agreement with a grievance, an amendment, a vote with a reason) travel
// as a `Note` that replies to the proposal's Question, addressed to the body,
// with `PropertyValue` attachments carrying the fields. Every fediverse server
// shows such a note as a reply; Folkmoot reads the fields. PropertyValue is in
// every implementation's vocabulary, so the fields survive any relay.

export const ACT_PROPERTY = "folkmoot:act";
export const ACT_KINDS = ["objection", "advocate-vote", "grievance-agreement", "amendment", "vote"] as const;
export type ActKind = (typeof ACT_KINDS)[number];

export type Act =
  | { act: "objection"; category: string; dealBreaker: boolean; text: string }
  | { act: "advocate-vote"; category: string; candidate: string }
  | { act: "grievance-agreement"; category: string; shares: boolean }
  | { act: "amendment"; text: string; category?: string }
  | { act: "vote"; choice: VoteChoice; reason?: string; round?: string };

const CHOICES: readonly VoteChoice[] = ["agree", "disagree", "abstain", "block"];

/** Reads an act from a note's PropertyValue attachments; null if it is an ordinary reply. */
export async function readAct(note: Note): Promise<Act | { invalid: string } | null> {
  const fields = new Map<string, string>();
  for await (const a of note.getAttachments()) {
    if (a instanceof PropertyValue && a.name && a.value) fields.set(a.name.toString(), a.value.toString());
  }
  const kind = fields.get(ACT_PROPERTY);
  if (kind === undefined) return null;
  const text = (note.source?.content?.toString() ?? stripTags(note.content?.toString() ?? "")).trim();
  const category = fields.get("category")?.trim() ?? "";
  const bool = (name: string) => fields.get(name) === "true";
  switch (kind) {
    case "objection":
      if (!category) return { invalid: "an objection needs a category" };
      return { act: "objection", category, dealBreaker: bool("dealBreaker"), text };
    case "advocate-vote": {
      const candidate = fields.get("candidate")?.trim();
      if (!category || !candidate) return { invalid: "an advocate vote needs a category and a candidate" };
      return { act: "advocate-vote", category, candidate };
    }
    case "grievance-agreement":
      if (!category) return { invalid: "agreement with a grievance needs its category" };
      return { act: "grievance-agreement", category, shares: bool("shares") };
    case "amendment":
      if (!text) return { invalid: "an amendment needs its text" };
      return { act: "amendment", text, ...(category ? { category } : {}) };
    case "vote": {
      const choice = fields.get("choice") as VoteChoice | undefined;
      if (!choice || !CHOICES.includes(choice)) return { invalid: `a vote's choice is one of ${CHOICES.join(", ")}` };
      const round = fields.get("round");
      return { act: "vote", choice, ...(text ? { reason: text } : {}), ...(round ? { round } : {}) };
    }
    default:
      return { invalid: `unknown act "${kind}"` };
  }
}

function stripTags(html: string): string {
  return html
    .replace(/<br\s*\/?>/gi, "\n")
    .replace(/<\/p>/gi, "\n\n")
    .replace(/<[^>]*>/g, "")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&");
}

/** The fields of an act as PropertyValues, for sending. */
export function actAttachments(act: Act): PropertyValue[] {
  const pv = (name: string, value: string) => new PropertyValue({ name, value });
  const out = [pv(ACT_PROPERTY, act.act)];
  switch (act.act) {
    case "objection":
      out.push(pv("category", act.category), pv("dealBreaker", String(act.dealBreaker)));
      break;
    case "advocate-vote":
      out.push(pv("category", act.category), pv("candidate", act.candidate));
      break;
    case "grievance-agreement":
      out.push(pv("category", act.category), pv("shares", String(act.shares)));
      break;
    case "amendment":
      if (act.category) out.push(pv("category", act.category));
      break;
    case "vote":
      out.push(pv("choice", act.choice));
      if (act.round) out.push(pv("round", act.round));
      break;
  }
  return out;
}

function actText(act: Act): string {
  switch (act.act) {
    case "objection":
      return `Objection (${act.dealBreaker ? "a deal-breaker" : "not a deal-breaker"}), category “${act.category}”: ${act.text}`;
    case "advocate-vote":
      return `My vote for advocate of “${act.category}”: ${act.candidate}`;
    case "grievance-agreement":
      return `${act.shares ? "I share" : "I do not share"} the grievance “${act.category}”.`;
    case "amendment":
      return act.text;
    case "vote":
      return act.reason ?? `I vote ${act.choice}.`;
  }
}

/** Runs a received act with the decisions service, as the remote member, in the claiming transaction. */
async function apply(app: AppContext, actor: string, bodyHandle: string, proposalId: string, act: Act, inbound: InboundActivity): Promise<Result<unknown>> {
  switch (act.act) {
    case "objection":
      return recordObjection(app, actor, bodyHandle, proposalId, { category: act.category, dealBreaker: act.dealBreaker, ...(act.text ? { text: act.text } : {}) }, inbound);
    case "advocate-vote":
      return electAdvocate(app, actor, bodyHandle, proposalId, { category: act.category, candidate: act.candidate }, inbound);
    case "grievance-agreement":
      return recordGrievanceAgreement(app, actor, bodyHandle, proposalId, { category: act.category, shares: act.shares }, inbound);
    case "amendment":
      return proposeAmendment(app, actor, bodyHandle, proposalId, { text: act.text, ...(act.category ? { category: act.category } : {}) }, inbound);
    case "vote":
      // The same path as a Mastodon vote, with its explanations for the voter.
      return castVoteAs(
        app,
        { proposalId, voterUri: actor, choice: act.choice, ...(act.reason ? { reason: act.reason } : {}), ...(act.round ? { round: act.round } : {}) },
        inbound,
      );
  }
}

/**
 * Takes in an act sent by a member on another server, exactly once. Accepted acts show
 * in the next `Update(Question)`; a refused one is answered with a short direct note,
 * queued in the transaction that took the act in.
 */
export async function receiveAct(app: AppContext, create: Create, note: Note, act: Act | { invalid: string }): Promise<void> {
  const origin = app.config.publicOrigin;
  const target = note.replyTargetId ? pollTarget(origin, note.replyTargetId) : null;
  if (!target || !create.actorId || !create.id) return;
  const actor = create.actorId.href;
  const ref = await findProposal(app, target.proposalId);
  if (!ref) return;
  const what = "act" in act ? act.act.replace("-", " ") : "act";
  const inbound = new InboundActivity({ activity: create.id.href, actor, type: "Act" }, async (trx, outcome) => {
    if (!outcome.ok) await queueAnswer(trx, app, ref.bodyId, actor, note.id, `Your ${what} on “${ref.title}” was not taken in: ${outcome.error.message}.`, ref.id);
  });
  const result = await takeInThrough(app, inbound, (inbound) =>
    "invalid" in act
      ? Promise.resolve(fail("invalid", act.invalid))
      : apply(app, actor, ref.bodyHandle, ref.id, target.roundId && act.act === "vote" ? { ...act, round: act.round ?? target.roundId } : act, inbound),
  );
  if (result === null) return;
  if (result.ok) app.log.info({ proposal: ref.id, actor, act: "act" in act ? act.act : "invalid" }, "remote act taken in");
  else app.log.info({ proposal: ref.id, actor, reason: result.error.message }, "remote act refused");
}

/** Checks an act given through the API; the failure names the field at fault. */
export function parseAct(input: {
  act: string;
  category?: string;
  dealBreaker?: boolean;
  candidate?: string;
  shares?: boolean;
  text?: string;
  choice?: string;
  round?: string;
}): Result<Act> {
  const need = (field: string, message: string) => fail("invalid", message, field);
  const category = input.category?.trim() ?? "";
  switch (input.act) {
    case "objection":
      if (!category) return need("category", "an objection needs a category");
      return { ok: true, value: { act: "objection", category, dealBreaker: input.dealBreaker ?? false, text: input.text ?? "" } };
    case "advocate-vote":
      if (!category) return need("category", "an advocate vote needs the category");
      if (!input.candidate) return need("candidate", "an advocate vote needs a candidate (an actor URL)");
      return { ok: true, value: { act: "advocate-vote", category, candidate: input.candidate } };
    case "grievance-agreement":
      if (!category) return need("category", "agreement with a grievance needs its category");
      return { ok: true, value: { act: "grievance-agreement", category, shares: input.shares ?? true } };
    case "amendment":
      if (!input.text?.trim()) return need("text", "an amendment needs its text");
      return { ok: true, value: { act: "amendment", text: input.text, ...(category ? { category } : {}) } };
    case "vote":
      if (!CHOICES.includes(input.choice as VoteChoice)) return need("choice", `choice is one of ${CHOICES.join(", ")}`);
      return {
        ok: true,
        value: { act: "vote", choice: input.choice as VoteChoice, ...(input.text ? { reason: input.text } : {}), ...(input.round ? { round: input.round } : {}) },
      };
    default:
      return need("act", `act is one of ${ACT_KINDS.join(", ")}`);
  }
}

/**
 * A local person acts on a proposal of a body on another server: the act goes
 * to that body as a signed note. (Local proposals are acted on through the
 * decisions API directly.)
 */
export async function sendAct(app: AppContext, personId: string, proposal: string, act: Act): Promise<Result<{ activity: string }>> {
  const origin = app.config.publicOrigin;
  const person = await findActorById(app, personId);
  if (person?.kind !== "person") return fail("forbidden", "only people act on proposals");
  let proposalUrl: URL;
  try {
    proposalUrl = new URL(proposal);
  } catch {
    return fail("invalid", "the proposal is its URL", "proposal");
  }
  if (proposalUrl.origin === origin.origin) return fail("invalid", "act on this instance's proposals through /bodies/{handle}/proposals", "proposal");
  const ctx = app.federation.createContext(origin, app);
  const question = await ctx.lookupObject(proposalUrl.href).catch(() => null);
  if (question?.constructor.name !== "Question" || !question.id) return fail("unreachable", "could not fetch that proposal", "proposal");
  const bodyRef = (question as Note).attributionId;
  const body = bodyRef ? await resolveRemoteActor(app, bodyRef.href) : null;
  if (!body?.id) return fail("unreachable", "could not find the body that owns that proposal", "proposal");
  const target = await deliveryTargetFor(app.db, body.id.href);
  if (!target) return fail("unreachable", "could not find the body's inbox", "proposal");
  const personUri = actorUri(origin, person.id);
  const published = new Date();
  const note = new Note({
    id: noteUri(origin, crypto.randomUUID()),
    attribution: personUri,
    to: body.id,
    cc: followersUri(origin, person.id),
    replyTarget: question.id,
    content: textToHtml(actText(act)),
    attachments: actAttachments(act),
    tags: [new Mention({ href: body.id })],
    published: toInstant(published),
  });
  const create = new Create({ id: activityUri(origin), actor: personUri, object: note, to: body.id, published: toInstant(published) });
  await app.db.transaction().execute(async (trx) => {
    await trx
      .insertInto("objects")
      .values({
        uri: note.id!.href,
        local_id: note.id!.pathname.split("/").at(-1)!,
        type: "Note",
        attributed_to: personUri.href,
        audience: body.id!.href,
        in_reply_to: question.id!.href,
        content: note.content?.toString() ?? "",
        url: null,
        published,
      })
      .execute();
    await recordActivity(trx, { actorId: person.id, activity: create, recipients: { followers: false, actors: [target] }, isPublic: false });
  });
  app.deliveries.kick();
  return { ok: true, value: { activity: create.id!.href } };
}
