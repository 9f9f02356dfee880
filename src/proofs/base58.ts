import { decodeMultibase, encodeMultibase } from "@fedify/vocab-runtime";

// Base58btc (the Bitcoin alphabet) through Fedify's multibase codec, the one its own
// `eddsa-jcs-2022` proofs use, so our `proofValue`s are written exactly as Fedify's.

/** Base58btc of `bytes`, without the multibase `z` prefix. */
export function encodeBase58btc(bytes: Uint8Array): string {
  return new TextDecoder().decode(encodeMultibase("base58btc", bytes)).slice(1);
}

/** Decodes {@link encodeBase58btc}'s output; `null` on a character outside the alphabet. */
export function decodeBase58btc(text: string): Uint8Array<ArrayBuffer> | null {
  try {
    // Copied into a fresh buffer: WebCrypto takes `Uint8Array<ArrayBuffer>`.
    return new Uint8Array(decodeMultibase(`z${text}`));
  } catch {
    return null;
  }
}
