import { Note, Offer, PropertyValue, Source } from "@fedify/vocab";
import type { ProposalKind } from "../../governance/index.ts";
import { toInstant } from "../../shared/time.ts";
import { textToHtml } from "../../shared/text.ts";
import { activityUri, noteUri } from "../../shared/uris.ts";

// The `Offer` that tables a confederal proposal: a note (`name` the title, `source` the
// text as written) whose PropertyValue attachments carry the act, the topic, the
// mandate's URL and the confederation's own decision, if any.

/** The act name on an `Offer`'s note that tables a confederal proposal. */
export const REFER_ACT = "refer";

/** What an `Offer`'s note tables. */
export interface OfferedProposal {
  title: string;
  text: string;
  topic?: string;
  mandate?: string;
  decides?: { kind: ProposalKind; payload: unknown };
}

/** Builds the `Offer` that tables a confederal proposal in `confederation`. */
export function referOffer(
  origin: URL,
  actor: URL,
  confederation: URL,
  input: { title: string; text: string; topic?: string | undefined; mandateUrl?: string | undefined; decides?: { kind: ProposalKind; payload: unknown } | undefined },
): Offer {
  const fields = [new PropertyValue({ name: "folkmoot:act", value: REFER_ACT })];
  if (input.topic) fields.push(new PropertyValue({ name: "topic", value: input.topic }));
  if (input.mandateUrl) fields.push(new PropertyValue({ name: "mandate", value: input.mandateUrl }));
  if (input.decides) {
    fields.push(new PropertyValue({ name: "decides", value: input.decides.kind }), new PropertyValue({ name: "payload", value: JSON.stringify(input.decides.payload) }));
  }
  const note = new Note({
    id: noteUri(origin, crypto.randomUUID()),
    attribution: actor,
    to: confederation,
    name: input.title,
    content: textToHtml(input.text),
    source: new Source({ content: input.text, mediaType: "text/plain" }),
    attachments: fields,
    published: toInstant(new Date()),
  });
  return new Offer({ id: activityUri(origin), actor, object: note, target: confederation, to: confederation });
}

/** Reads an `Offer`'s note: a confederal proposal tabled by a delegate (or a member body); null when it is not one. */
export async function readOfferNote(note: Note): Promise<OfferedProposal | { invalid: string } | null> {
  const fields = new Map<string, string>();
  for await (const a of note.getAttachments()) {
    if (a instanceof PropertyValue && a.name && a.value) fields.set(a.name.toString(), a.value.toString());
  }
  if (fields.get("folkmoot:act") !== REFER_ACT) return null;
  const title = note.name?.toString().trim() ?? "";
  const text = (note.source?.content?.toString() ?? (note.content?.toString() ?? "").replace(/<[^>]*>/g, "")).trim();
  const topic = fields.get("topic")?.trim();
  const mandate = fields.get("mandate")?.trim();
  let decides: { kind: ProposalKind; payload: unknown } | undefined;
  const kind = fields.get("decides")?.trim();
  if (kind) {
    try {
      decides = { kind: kind as ProposalKind, payload: JSON.parse(fields.get("payload") ?? "null") as unknown };
    } catch {
      return { invalid: "its payload is not JSON" };
    }
  }
  return { title, text, ...(topic ? { topic } : {}), ...(mandate ? { mandate } : {}), ...(decides ? { decides } : {}) };
}
