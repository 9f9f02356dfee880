import { lookUpHandles } from "../../community/actors.ts";
import { escapeHtml as e } from "../../shared/text.ts";
import type { AppContext } from "../../context.ts";
import { formatFraction, type Quorum } from "../../governance/index.ts";

/** A timestamp as a <time> element, to the minute, in UTC. */
export function when(at: string | null | undefined): string {
  return at ? `<time datetime="${e(at)}">${e(at.slice(0, 16).replace("T", " "))} UTC</time>` : "–";
}

export function quorumText(q: Quorum | null | undefined): string {
  if (!q) return "–";
  return q.kind === "count" ? `${q.count} voters` : `${formatFraction(q.share)} of the roll`;
}

/** Names for actor URIs, as HTML: local handles where we know them, else the URI. */
export async function namer(app: AppContext, uris: Iterable<string>): Promise<(uri: string) => string> {
  const handleOf = await lookUpHandles(app, uris);
  return (uri) => `<span title="${e(uri)}">${e(handleOf(uri) ?? uri)}</span>`;
}
