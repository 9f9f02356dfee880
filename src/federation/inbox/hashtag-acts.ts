import { type Create, Hashtag, Mention, type Note } from "@fedify/vocab";
import { InboundActivity, takeInThrough } from "../../community/inbound.ts";
import type { AppContext } from "../../context.ts";
import { type ActConfirmation, type PostTag, type Reading, readHashtagAct, takeHashtagAct } from "../../decisions/index.ts";
import { queueAnswer } from "../answers.ts";

// Acts written with hashtags in a plain reply (`#object #cost #dealbreaker …`), as any
// Mastodon app sends them: read with the grammar (decisions/hashtags), taken by the
// decisions service, and answered with a mention from the body that confirms or refuses.

/** At most this many tags of a note are read (Mastodon allows a few dozen). */
const MAX_TAGS = 128;

/** The `Hashtag` and `Mention` tags of a note, inlined ones only (nothing is fetched). */
export async function postTags(note: Note): Promise<PostTag[]> {
  const out: PostTag[] = [];
  try {
    for await (const tag of note.getTags({ suppressError: true })) {
      if (out.length >= MAX_TAGS) break;
      if (tag instanceof Hashtag) out.push({ type: "Hashtag", name: tag.name?.toString() ?? null, href: tag.href?.href ?? null });
      else if (tag instanceof Mention) out.push({ type: "Mention", name: tag.name?.toString() ?? null, href: tag.href?.href ?? null });
    }
  } catch {
    // A tag that is only a URL is not fetched: the text is read instead.
  }
  return out;
}

/** Reads a note as a hashtag act; `addressed` are the bodies it is sent to (never an advocate). */
export async function readNoteAct(note: Note, addressed: string[]): Promise<Reading> {
  return readHashtagAct({ content: note.content?.toString() ?? "", tags: await postTags(note), addressed });
}

/** Where the act is: the proposal (and round) replied to, or the body a `#propose` post mentions. */
export interface NoteActPlace {
  bodyId: string;
  bodyHandle: string;
  proposal: string | null;
  round: string | null;
  /** For a refusal's wording: what the post was about. */
  title: string | null;
}

/**
 * Takes a hashtag act (or the grammar's refusal) from a remote member, exactly once, and
 * answers it with a direct mention from the body, queued in the transaction that took it in.
 */
export async function receiveHashtagAct(app: AppContext, create: Create, note: Note, reading: NonNullable<Reading>, place: NoteActPlace): Promise<void> {
  if (!create.actorId || !create.id) return;
  const actor = create.actorId.href;
  const inbound = new InboundActivity({ activity: create.id.href, actor, type: "HashtagAct" }, async (trx, outcome) => {
    const text = outcome.ok
      ? `${(outcome.value as ActConfirmation).message}.`
      : `your reply${place.title ? ` to “${place.title}”` : ""} was not taken as an act: ${outcome.error.message}.`;
    await queueAnswer(trx, app, place.bodyId, actor, note.id, text);
  });
  const result = await takeInThrough(app, inbound, (inbound) =>
    reading.ok
      ? takeHashtagAct(app, actor, { proposal: place.proposal, round: place.round, bodyHandle: place.bodyHandle }, reading.act, inbound)
      : Promise.resolve({ ok: false as const, error: { code: "invalid" as const, message: reading.refusal } }),
  );
  if (result === null) return;
  if (result.ok) app.log.info({ proposal: result.value.proposalId, actor, act: reading.ok ? reading.act.act : null }, "hashtag act taken in");
  else app.log.info({ proposal: place.proposal, actor, reason: result.error.message }, "hashtag act refused");
}
