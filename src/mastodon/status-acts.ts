import type { AppContext } from "../context.ts";
import { type ActConfirmation, type PostTag, readHashtagAct, takeHashtagAct } from "../decisions/index.ts";
import { fail, type Result } from "../shared/result.ts";
import { actorUri } from "../shared/uris.ts";
import { mentionsIn } from "./mentions.ts";

// A status written in an app is an act of the process when its hashtags say so
// (`#agree because…`, `#object #cost #dealbreaker …`, `#propose Title`): the same grammar
// and the same service as a reply from any fediverse server (docs/governance.md).

/** Where the status is: the proposal it replies to, the body it goes to. */
export interface StatusPlace {
  proposalId: string | null;
  bodyHandle: string | null;
  bodyId: string | null;
}

/** Local people mentioned in `text` as tags (an advocate is elected by mentioning them); null if one cannot be resolved here. */
async function mentionTags(app: AppContext, text: string): Promise<PostTag[] | null> {
  const origin = app.config.publicOrigin;
  const tags: PostTag[] = [];
  for (const mention of await mentionsIn(app, text)) {
    if (!mention.here || !mention.actor || mention.actor.deleted_at) return null;
    tags.push({ type: "Mention", name: `@${mention.actor.handle}@${origin.host}`, href: actorUri(origin, mention.actor.id).href });
  }
  return tags;
}

/**
 * The act `text` makes, taken for `me`: its confirmation, a refusal saying why, or null
 * when the status is not an act (no act word; act words outside a reply to a proposal,
 * other than `#propose`, are ordinary words).
 */
export async function takeStatusAct(app: AppContext, me: string, text: string, place: StatusPlace): Promise<Result<ActConfirmation> | null> {
  const origin = app.config.publicOrigin;
  const addressed = place.bodyId ? [actorUri(origin, place.bodyId).href] : [];
  const tags = await mentionTags(app, text);
  const reading = readHashtagAct({ content: text, ...(tags ? { tags } : {}), addressed });
  if (reading === null) return null;
  if (place.proposalId === null) {
    const proposing = reading.ok ? reading.act.act === "propose" : /(^|\s)#propose\b/i.test(text);
    if (!proposing) return null;
  }
  if (!reading.ok) return fail("invalid", reading.refusal);
  return takeHashtagAct(app, actorUri(origin, me).href, { proposal: place.proposalId, round: null, bodyHandle: place.bodyHandle }, reading.act);
}
