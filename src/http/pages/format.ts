import { escapeHtml as e } from "../../community/text.ts";
import type { AppContext } from "../../context.ts";
import { localActorId } from "../../federation/uris.ts";
import { formatFraction, type Quorum } from "../../governance/index.ts";

/** A timestamp as a <time> element, to the minute, in UTC. */
export function when(at: string | null | undefined): string {
  return at ? `<time datetime="${e(at)}">${e(at.slice(0, 16).replace("T", " "))} UTC</time>` : "–";
}

export function quorumText(q: Quorum | null | undefined): string {
  if (!q) return "–";
  return q.kind === "count" ? `${q.count} voters` : `${formatFraction(q.share)} of the roll`;
}

/** Names for actor URIs: local handles where we know them, else the URI. */
export async function namer(app: AppContext, uris: Iterable<string>): Promise<(uri: string) => string> {
  const origin = app.config.publicOrigin;
  const all = [...new Set(uris)];
  const localIds = all.map((u) => localActorId(origin, u)).filter((x): x is string => x !== null);
  const locals = localIds.length ? await app.db.selectFrom("actors").select(["id", "handle"]).where("id", "in", localIds).execute() : [];
  const remotes = all.length ? await app.db.selectFrom("remote_actors").select(["uri", "handle"]).where("uri", "in", all).execute() : [];
  const localNames = new Map(locals.map((a) => [a.id, `@${a.handle}`]));
  const remoteNames = new Map(remotes.filter((r) => r.handle).map((r) => [r.uri, r.handle!.startsWith("@") ? r.handle! : `@${r.handle!}`]));
  return (uri) => {
    const local = localActorId(origin, uri);
    const name = (local !== null ? localNames.get(local) : undefined) ?? remoteNames.get(uri) ?? uri;
    return `<span title="${e(uri)}">${e(name)}</span>`;
  };
}
