import { exportJwk, importJwk } from "@fedify/fedify";

export interface StoredKeyPair {
  algorithm: "RSASSA-PKCS1-v1_5" | "Ed25519";
  publicJwk: string;
  privateJwk: string;
}

/**
 * An RSA key (what Mastodon verifies) and an Ed25519 key (Object Integrity
 * Proofs, FEP-8b32). RSA is 2048-bit, as Mastodon's own keys: 4096-bit keys
 * take up to two seconds each to generate on a small machine.
 */
export async function generateActorKeys(): Promise<StoredKeyPair[]> {
  const rsa = (await crypto.subtle.generateKey(
    { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
    true,
    ["sign", "verify"],
  )) as CryptoKeyPair;
  const ed = (await crypto.subtle.generateKey("Ed25519", true, ["sign", "verify"])) as CryptoKeyPair;
  const out: StoredKeyPair[] = [];
  for (const [algorithm, pair] of [["RSASSA-PKCS1-v1_5", rsa], ["Ed25519", ed]] as const) {
    out.push({
      algorithm,
      publicJwk: JSON.stringify(await exportJwk(pair.publicKey)),
      privateJwk: JSON.stringify(await exportJwk(pair.privateKey)),
    });
  }
  return out;
}

/** Imports stored JWKs in the order Fedify expects: RSA first (`#main-key`), then Ed25519. */
export async function importActorKeys(rows: readonly StoredKeyPair[]): Promise<CryptoKeyPair[]> {
  const sorted = [...rows].sort((a, b) => (a.algorithm === b.algorithm ? 0 : a.algorithm === "Ed25519" ? 1 : -1));
  const pairs: CryptoKeyPair[] = [];
  for (const row of sorted) {
    pairs.push({
      publicKey: await importJwk(JSON.parse(row.publicJwk), "public"),
      privateKey: await importJwk(JSON.parse(row.privateJwk), "private"),
    });
  }
  return pairs;
}
