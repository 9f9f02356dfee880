import { boundFetches } from "./bounded-fetching.ts";
import { verifyReferralToDepth } from "./depth-walk.ts";
import { verifyLocalDecision } from "./local-decision.ts";
import type { Verification, VerifyDeps } from "./report.ts";
import { isObject } from "./untrusted-json.ts";

// `folkmoot verify <url>`: fetch a decision and recompute it from signed documents
// alone. Depends only on the governance core and the proof code.

export type { Check, Verification, VerifyDeps } from "./report.ts";

/** Options of {@link verifyDecision}. */
export interface VerifyDecisionOptions {
  /**
   * For a confederal decision (a `Referral`): how many levels of decisions below the
   * verdicts to verify as well (0: only the referral and the signed documents it
   * embeds; 1, the default: also each member body's own decision; 2: and, for nested
   * confederations, their members' decisions; …).
   */
  depth?: number;
}

/**
 * Verifies the decision a URL names: a proposal (or one of its rounds' polls), or a
 * confederation's `Referral` (see {@link verifyReferral}).
 */
export async function verifyDecision(given: string, deps: VerifyDeps, opts: VerifyDecisionOptions = {}): Promise<Verification> {
  let url = given;
  let fetched = await deps.fetchJson(url);
  // A proposal's page (what a member sees and copies) stands for the proposal it shows.
  const object = isObject(fetched) ? null : proposalObjectOfPage(url);
  if (object !== null) {
    url = object;
    fetched = await deps.fetchJson(url);
  }
  if (isObject(fetched) && fetched.type === "Referral") return verifyReferral(fetched, url, deps, { depth: opts.depth ?? 1 });
  return verifyLocalDecision(url, deps, fetched);
}

/**
 * The proposal's own address (`/ap/proposals/<id>`) for the address of its page on a
 * Folkmoot instance (`/@body/proposals/<id>`, with or without a query or fragment), or
 * null for any other address.
 */
export function proposalObjectOfPage(url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  const m = /^\/@[^/]+\/proposals\/([^/]+)\/?$/.exec(u.pathname);
  if (!m || m[1] === "new") return null;
  return new URL(`/ap/proposals/${m[1]}`, u.origin).href;
}

/**
 * Verifies a confederal decision: a `Referral` document (already fetched from `url`).
 * Checks the confederation's signature on it; the delegate's mandate it embeds, if
 * any (signature of the body that gave it, scope at the time it was tabled, and that
 * it had not been recalled by then); every verdict it embeds (signature of its body,
 * on the list and not gone, on time, one per body, consistent with its own tally);
 * and, once closed, that the claimed tally is what the valid verdicts give. With
 * `depth > 0`, also verifies each verdict's own decision (`decidedBy`): a body's
 * proposal, recomputed from its signed record, or (nested) a lower confederation's
 * referral, verified with `depth - 1`, and that their counts are the verdict's.
 */
export async function verifyReferral(doc: unknown, url: string, deps: VerifyDeps, opts: { depth: number }): Promise<Verification> {
  const depth = Number.isFinite(opts.depth) ? Math.max(0, Math.floor(opts.depth)) : 0;
  return verifyReferralToDepth(doc, url, boundFetches(deps), depth);
}
