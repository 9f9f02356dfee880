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
  const privateKey = await signingKeys.get(db, actorId);
  return privateKey ? { privateKey, keyId: new URL(`${actorUri.href}#multikey-2`) } : null;
}

/**
 * Imported Ed25519 private keys by database and actor id: every signed document served
 * (a verdict, a referral, a mandate) is signed afresh, and an actor's keys never change.
 * Only the Ed25519 key is read and imported (not the RSA one, which costs more to import).
 */
const signingKeys = new (class {
  readonly capacity = 2000;
  #byDb = new WeakMap<object, Map<string, Promise<CryptoKey | null>>>();
  get(db: Kysely<Schema>, actorId: string): Promise<CryptoKey | null> {
    let entries = this.#byDb.get(db);
    if (!entries) {
      entries = new Map();
      this.#byDb.set(db, entries);
    }
    const hit = entries.get(actorId);
    if (hit) return hit;
    const loaded = db
      .selectFrom("actor_keys")
      .select("private_jwk")
      .where("actor_id", "=", actorId)
      .where("algorithm", "=", "Ed25519")
      .executeTakeFirst()
      .then((row) => (row ? importJwk(JSON.parse(row.private_jwk), "private") : null));
    // Not (yet) an actor, or a failed read: not remembered.
    const forget = () => entries.get(actorId) === loaded && entries.delete(actorId);
    loaded.then((key) => key === null && forget(), forget);
    entries.set(actorId, loaded);
    if (entries.size > this.capacity) entries.delete(entries.keys().next().value!);
    return loaded;
  }
})();
