import { type ActorRow, findActorByHandle } from "../community/actors.ts";
import type { AppContext } from "../context.ts";

// `@handle` and `@handle@host` in a status's text, as apps send them (plain text, no tags).

const MENTION = /(?:^|[^\p{L}\p{N}_@/])@([\p{L}\p{N}_.-]+)(?:@([\w.:-]+))?/gu;

/** One mention: an actor of this instance (undefined when there is none by that handle), or someone elsewhere. */
export type Mentioned = { here: true; actor: ActorRow | undefined } | { here: false };

/** The mentions in `text`, in order; a trailing full stop is not part of a handle or host. */
export async function mentionsIn(app: AppContext, text: string): Promise<Mentioned[]> {
  const origin = app.config.publicOrigin;
  const out: Mentioned[] = [];
  for (const m of text.matchAll(MENTION)) {
    const host = m[2]?.toLowerCase().replace(/\.$/, "");
    if (host && host !== origin.host.toLowerCase() && host !== origin.hostname.toLowerCase()) out.push({ here: false });
    else out.push({ here: true, actor: await findActorByHandle(app, m[1]!.replace(/\.$/, "")) });
  }
  return out;
}
