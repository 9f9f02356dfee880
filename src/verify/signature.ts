import { verifyDocument, type VerifyFailureReason } from "../proofs/integrity.ts";
import type { VerifyDeps } from "./report.ts";

/** Why a signature does not hold, in words (a check's detail is read by people, not programs). */
export function proofFailureInWords(reason: VerifyFailureReason): string {
  switch (reason) {
    case "no-proof":
      return "it carries no signature";
    case "unsupported-cryptosuite":
      return "it is signed in a way this verifier does not know (only eddsa-jcs-2022 is)";
    case "key-not-found":
      return "the signer's public key could not be found (the signer's server did not answer, or has no such key)";
    case "bad-signature":
      return "the signature does not match the document: it was changed after signing, or signed with another key";
    case "controller-mismatch":
      return "it is signed, but not by the one it names as its author";
    case "dated-in-future":
      return "the signature is dated in the future: the signer's clock is ahead of this machine's (or this machine's is behind); check both clocks";
    case "expired":
      return "the signature has expired";
    case "malformed":
      return "the signature is malformed (its proof cannot be read)";
  }
}

/** Checks that `signer` signed `document` (its integrity proof), worded for a check's detail. */
export async function checkSignedBy(document: unknown, signer: string, deps: VerifyDeps): Promise<{ ok: boolean; detail: string }> {
  const r = await verifyDocument(document, { fetchKey: deps.fetchKey, expectedSigner: new URL(signer) });
  return r.ok
    ? { ok: true, detail: `signed by ${r.signer.href} (${r.created.toISOString()})` }
    : { ok: false, detail: `its signature does not hold (${proofFailureInWords(r.reason)})` };
}
