import pLimit from "p-limit";
import type { FetchedKey } from "../proofs/integrity.ts";
import type { VerifyDeps } from "./report.ts";

// Bounded concurrency: every fetch and key look-up of one verification (nested ones
// included) goes through one limiter, and keys are resolved once per run, so a
// referral with a thousand verdicts neither floods the network nor waits on each.

/** How many documents are fetched (or keys resolved) at once, and verdicts examined at once per referral. */
export const CONCURRENCY = 16;

const BOUNDED = new WeakSet<VerifyDeps>();

/** `deps` with its fetches limited to {@link CONCURRENCY} at once and its keys cached; as is if already so. */
export function boundFetches(deps: VerifyDeps): VerifyDeps {
  if (BOUNDED.has(deps)) return deps;
  // Only leaf fetches take a slot (never a task that fetches in turn), so nesting cannot deadlock.
  const limit = pLimit(CONCURRENCY);
  const keys = new Map<string, Promise<FetchedKey | null>>();
  const bounded: VerifyDeps = {
    fetchJson: (target) => limit(() => deps.fetchJson(target)),
    fetchKey: (keyId) => {
      let key = keys.get(keyId.href);
      if (!key) {
        key = limit(() => deps.fetchKey(keyId)).catch(() => null);
        keys.set(keyId.href, key);
      }
      return key;
    },
  };
  BOUNDED.add(bounded);
  return bounded;
}

/** `fn` over `items`, {@link CONCURRENCY} at a time; the results in the order of `items`. */
export function mapConcurrently<T, R>(items: readonly T[], fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  return pLimit(CONCURRENCY).map(items, fn);
}
