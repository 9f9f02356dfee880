// An actor's key pairs: made when the actor is created (actors.ts), stored with it, and
// read by federation/ to sign requests and documents. Only library code (JWK import and
// export), so creating an actor needs nothing from federation/.
import { exportJwk, importJwk } from "@fedify/fedify";
import type { Kysely } from "kysely";
import type { Schema } from "../store/schema.ts";

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
  const rsa = (await crypto.subtle.generateKey({ name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" }, true, [
    "sign",
    "verify",
  ])) as CryptoKeyPair;
  const ed = (await crypto.subtle.generateKey("Ed25519", true, ["sign", "verify"])) as CryptoKeyPair;
  const out: StoredKeyPair[] = [];
  for (const [algorithm, pair] of [
    ["RSASSA-PKCS1-v1_5", rsa],
    ["Ed25519", ed],
  ] as const) {
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

/** An actor's key pairs from the database, in Fedify's order (RSA, then Ed25519). */
export async function loadActorKeyPairs(db: Kysely<Schema>, actorId: string): Promise<CryptoKeyPair[]> {
  const rows = await db.selectFrom("actor_keys").select(["algorithm", "public_jwk as publicJwk", "private_jwk as privateJwk"]).where("actor_id", "=", actorId).execute();
  return importActorKeys(rows);
}

/**
 * The Ed25519 key an actor signs documents with (Object Integrity Proofs), and its id:
 * Fedify names keys by position, so the Ed25519 key is the second multikey.
 */
export async function documentSigningKey(db: Kysely<Schema>, actorId: string, actorUri: URL): Promise<{ privateKey: CryptoKey; keyId: URL } | null> {
  const pair = (await loadActorKeyPairs(db, actorId)).find((p) => p.privateKey.algorithm.name === "Ed25519");
  return pair ? { privateKey: pair.privateKey, keyId: new URL(`${actorUri.href}#multikey-2`) } : null;
}
