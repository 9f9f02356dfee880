import { Create, Mention, Note } from "@fedify/vocab";
import type { Transaction } from "kysely";
import { escapeHtml } from "../shared/text.ts";
import type { AppContext } from "../context.ts";
import type { Schema } from "../store/schema.ts";
import { recordActivity } from "../community/outbox.ts";
import { deliveryTargetFor, handleOf } from "../community/remote-actors.ts";
import { toInstant } from "../shared/time.ts";
import { activityUri, actorUri, noteUri } from "../shared/uris.ts";
import { noteAboutProposal } from "./notice-ids.ts";

/**
 * Queues, in `trx` (the transaction that took the activity in), a short direct note from
 * a body to one person: why their vote, act or request did not count, or that it did.
 * Nothing is queued for someone whose inbox is not known. With `about` (a proposal's id),
 * a reply to the note acts on that proposal (see notice-ids.ts).
 */
export async function queueAnswer(
  trx: Transaction<Schema>,
  app: AppContext,
  bodyId: string,
  to: string,
  inReplyTo: URL | null,
  text: string,
  about?: string | null,
): Promise<void> {
  const origin = app.config.publicOrigin;
  const target = await deliveryTargetFor(trx, to);
  if (!target) return;
  const bodyUri = actorUri(origin, bodyId);
  // The mention names the person (Hollo ignores a Mention without a name).
  const handle = `@${await handleOf(trx, to)}`;
  const reply = new Note({
    id: about ? noteAboutProposal(origin, about) : noteUri(origin, crypto.randomUUID()),
    attribution: bodyUri,
    to: new URL(to),
    replyTarget: inReplyTo,
    content: `<p><span class="h-card"><a href="${escapeHtml(to)}" class="u-url mention">${escapeHtml(handle)}</a></span> ${escapeHtml(text)}</p>`,
    tags: [new Mention({ href: new URL(to), name: handle })],
    published: toInstant(new Date()),
  });
  await recordActivity(trx, {
    actorId: bodyId,
    activity: new Create({ id: activityUri(origin), actor: bodyUri, object: reply, to: new URL(to) }),
    recipients: { followers: false, actors: [target] },
    isPublic: false,
  });
}
