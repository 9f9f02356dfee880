import { createFederation, MemoryKvStore } from "@fedify/fedify";
import { createKeyFetcher } from "../proofs/key-fetcher.ts";
import { VERIFIER_USER_AGENT } from "../shared/version.ts";
import { verifyDecision, type Verification } from "../verify/index.ts";

/**
 * `folkmoot verify <url>`: needs no database; keys are fetched with Fedify's
 * document loader (which refuses private addresses unless allowed). `depth` is how
 * far below a confederal decision's verdicts to verify (default 1). Every request
 * names the verifier in its `User-Agent` (`Folkmoot/<version> (folkmoot verify)`).
 */
export async function runVerify(url: string, opts: { allowPrivateAddress: boolean; depth?: number }): Promise<Verification> {
  const federation = createFederation<void>({ kv: new MemoryKvStore(), allowPrivateAddress: opts.allowPrivateAddress, userAgent: VERIFIER_USER_AGENT });
  const ctx = federation.createContext(new URL("http://localhost/"), undefined);
  const fetchJson = async (target: string): Promise<unknown> => {
    try {
      const res = await fetch(target, {
        headers: { accept: "application/activity+json", "user-agent": VERIFIER_USER_AGENT },
        redirect: "follow",
        signal: AbortSignal.timeout(15_000),
      });
      return res.ok ? await res.json() : null;
    } catch {
      return null;
    }
  };
  return verifyDecision(url, { fetchJson, fetchKey: createKeyFetcher(ctx) }, { depth: opts.depth ?? 1 });
}
