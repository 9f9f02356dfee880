import { verifyDocument } from "../proofs/integrity.ts";
import type { VerifyDeps } from "./report.ts";

/** Checks that `signer` signed `document` (its integrity proof), worded for a check's detail. */
export async function checkSignedBy(document: unknown, signer: string, deps: VerifyDeps): Promise<{ ok: boolean; detail: string }> {
  const r = await verifyDocument(document, { fetchKey: deps.fetchKey, expectedSigner: new URL(signer) });
  return r.ok ? { ok: true, detail: `signed by ${r.signer.href} (${r.created.toISOString()})` } : { ok: false, detail: `its signature does not hold (${r.reason})` };
}
