import { resolveMemberRef } from "../../community/memberships.ts";
import type { AppContext } from "../../context.ts";
import { ok, type Result } from "../../shared/result.ts";

/** Resolves people named by handle (local or remote) to actor URIs; URIs are taken as given. */
export async function resolvePeople(app: AppContext, refs: readonly string[], field: string): Promise<Result<string[]>> {
  const out: string[] = [];
  for (const ref of refs) {
    const trimmed = ref.trim();
    if (/^https?:\/\//.test(trimmed)) {
      out.push(trimmed);
      continue;
    }
    const who = await resolveMemberRef(app, trimmed);
    if (!who.ok) return { ok: false, error: { ...who.error, field } };
    out.push(who.value.uri);
  }
  return ok(out);
}
