/**
 * Object Integrity Proofs (FEP-8b32) for relayed governance documents.
 *
 * Mandates, revocations and verdicts travel beyond their first recipient, so an
 * HTTP Signature (which only authenticates one delivery) is not enough: the
 * document itself carries a `DataIntegrityProof` with the `eddsa-jcs-2022`
 * cryptosuite (W3C "Data Integrity EdDSA Cryptosuites v1.0", section 3.3).
 *
 * Why not Fedify's `signObject`/`verifyProof`: they go through the vocabulary
 * classes, which drop Folkmoot's extension properties (`delegate`, `scope`, …),
 * so the signed bytes would not be the document we send. Here we sign and verify
 * the JSON as it is. The cryptosuite is the same; the unit tests check that
 * Fedify verifies our proofs and that we verify Fedify's.
 *
 * Policy (documented in docs/federation.md, "Object Integrity Proofs"):
 * - one proof per document: `signDocument` refuses a document that already has
 *   a `proof` (no proof sets, no chains; FEP-8b32: "Objects SHOULD NOT contain
 *   more than one integrity proof"), and `verifyDocument` refuses sets of more
 *   than one proof as `malformed`;
 * - a Linked Data Signature (`signature`) is added, if at all, after the proof,
 *   so it is removed before verification (FEP-8b32) and `signDocument` refuses
 *   a document that already has one;
 * - the key's controller must be every actor the document names at its top
 *   level (`attributedTo`, `actor`) and the caller's `expectedSigner`; a
 *   document naming nobody is refused (nothing to bind the key to).
 */
import { decodeBase58btc, encodeBase58btc } from "./base58.ts";
import { canonicalizeJson, isPlainObject } from "./jcs.ts";

const PROOF_TYPE = "DataIntegrityProof";
const CRYPTOSUITE = "eddsa-jcs-2022";
const PROOF_PURPOSE = "assertionMethod";
/** How far in the future a proof's `created` may be (clock skew between instances). */
const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;

/** A public key resolved from a proof's `verificationMethod`, and the actor that controls it. */
export interface FetchedKey {
  publicKey: CryptoKey;
  controller: URL;
}

/**
 * Resolves a verification method id to its key. Must return the controller only
 * when the controller vouches for the key (lists it in its `assertionMethod`):
 * `verifyDocument` trusts the controller it gets here. The default one, through
 * Fedify, is `createKeyFetcher` in `key-fetcher.ts`.
 */
export type KeyFetcher = (keyId: URL) => Promise<FetchedKey | null>;

/** Options of {@link verifyDocument}. */
export interface VerifyOptions {
  fetchKey: KeyFetcher;
  /** Reference time for `expires` and for refusing proofs dated in the future; defaults to now. */
  now?: Date;
  /** The actor the caller expects to have signed; checked in addition to `attributedTo`/`actor`. */
  expectedSigner?: URL;
}

/** Why {@link verifyDocument} refused a document. */
export type VerifyFailureReason = "no-proof" | "unsupported-cryptosuite" | "key-not-found" | "bad-signature" | "controller-mismatch" | "dated-in-future" | "expired" | "malformed";

/** Result of {@link verifyDocument}: tagged, never thrown. */
export type VerifyResult = { ok: true; signer: URL; created: Date } | { ok: false; reason: VerifyFailureReason };

/**
 * Adds an `eddsa-jcs-2022` `DataIntegrityProof` to a JSON document.
 *
 * The document is first normalised through JSON (so `URL`s become strings and
 * `undefined` properties disappear): the returned object is exactly what was
 * signed, plus `proof`. Send it as is; any later change breaks the proof.
 *
 * `created` is written with at most millisecond precision and without trailing
 * zeros (`2026-01-02T03:04:05Z`, `…05.12Z`), the form `Temporal.Instant#toString`
 * gives, because Fedify's verifier re-serialises `created` that way before hashing.
 *
 * @param document The unsigned document; must not already have `proof` or `signature`.
 * @param privateKey The signer's Ed25519 private key.
 * @param verificationMethod The public key's id, for a Folkmoot actor `<actor>#multikey-2`.
 * @param created The proof's creation time (default: now).
 * @returns A new object: the document with `proof` added.
 * @throws {TypeError} On a non-Ed25519 key, an already signed document, or a non-JSON value.
 */
export async function signDocument(
  document: Record<string, unknown>,
  privateKey: CryptoKey,
  verificationMethod: URL,
  created: Date = new Date(),
): Promise<Record<string, unknown>> {
  if (privateKey.algorithm.name !== "Ed25519" || privateKey.type !== "private") {
    throw new TypeError("signDocument needs an Ed25519 private key");
  }
  if ("proof" in document) throw new TypeError("document already has a proof; Folkmoot signs each document once");
  if ("signature" in document) throw new TypeError("document has a Linked Data Signature; add the proof first");
  if (Number.isNaN(created.getTime())) throw new TypeError("invalid created date");
  const unsecured = JSON.parse(JSON.stringify(document)) as unknown;
  if (!isPlainObject(unsecured)) throw new TypeError("document must be a JSON object");
  const proofOptions: Record<string, unknown> = {
    type: PROOF_TYPE,
    cryptosuite: CRYPTOSUITE,
    verificationMethod: verificationMethod.href,
    proofPurpose: PROOF_PURPOSE,
    created: formatCreated(created),
  };
  const hash = await hashData(unsecured, proofOptions);
  const signature = new Uint8Array(await crypto.subtle.sign("Ed25519", privateKey, hash));
  return { ...unsecured, proof: { ...proofOptions, proofValue: `z${encodeBase58btc(signature)}` } };
}

/**
 * Verifies a document's `eddsa-jcs-2022` proof and that its signer is the actor
 * the document claims. Never throws on bad input: every failure is a reason.
 *
 * - `no-proof`: no `proof`, or an empty one;
 * - `unsupported-cryptosuite`: a proof that is not a `DataIntegrityProof` with `eddsa-jcs-2022`;
 * - `key-not-found`: `fetchKey` found no usable Ed25519 key (or failed);
 * - `bad-signature`: the signature does not match the document and proof options;
 * - `controller-mismatch`: validly signed, but not by the actor(s) named in
 *   `attributedTo`/`actor`/`expectedSigner`, or the document names no one;
 * - `dated-in-future`: `created` more than 5 minutes after `now` (a clock ahead, the
 *   signer's or this machine's being behind);
 * - `expired`: `expires` before `now`;
 * - `malformed`: not a JSON object, several proofs, a chained proof (`previousProof`),
 *   wrong `proofPurpose`, bad `verificationMethod`/`created`/`proofValue`/`expires`,
 *   or a `proof.@context` that is not a prefix of the document's.
 */
export async function verifyDocument(document: unknown, options: VerifyOptions): Promise<VerifyResult> {
  try {
    return await verifyInternal(document, options);
  } catch {
    // Canonicalisation of hostile input (lone surrogates, absurd nesting) and
    // WebCrypto refusing odd bytes end up here: bad input, not our bug.
    return fail("malformed");
  }
}

async function verifyInternal(document: unknown, options: VerifyOptions): Promise<VerifyResult> {
  if (!isPlainObject(document)) return fail("malformed");
  let proof = document.proof;
  if (proof === undefined || proof === null) return fail("no-proof");
  if (Array.isArray(proof)) {
    if (proof.length === 0) return fail("no-proof");
    if (proof.length > 1) return fail("malformed");
    proof = proof[0];
  }
  if (!isPlainObject(proof)) return fail("malformed");
  if (proof.type !== PROOF_TYPE || proof.cryptosuite !== CRYPTOSUITE) return fail("unsupported-cryptosuite");
  if (proof.proofPurpose !== PROOF_PURPOSE || "previousProof" in proof) return fail("malformed");
  const keyId = parseUrl(proof.verificationMethod);
  const created = parseDateTime(proof.created);
  const signature = typeof proof.proofValue === "string" && proof.proofValue.startsWith("z") ? decodeBase58btc(proof.proofValue.slice(1)) : null;
  if (keyId === null || created === null || signature === null || signature.length !== 64) return fail("malformed");
  const now = options.now ?? new Date();
  if (created.getTime() > now.getTime() + MAX_CLOCK_SKEW_MS) return fail("dated-in-future");
  if (proof.expires !== undefined) {
    const expires = parseDateTime(proof.expires);
    if (expires === null) return fail("malformed");
    if (expires.getTime() < now.getTime()) return fail("expired");
  }

  // Data Integrity "verify proof": the document without `proof` (and without a
  // later Linked Data Signature, FEP-8b32), the proof options without `proofValue`.
  const { proof: _proof, signature: _ldSignature, ...unsecured } = document;
  const { proofValue: _proofValue, ...proofOptions } = proof;
  if (proofOptions["@context"] !== undefined) {
    if (!contextStartsWith(document["@context"], proofOptions["@context"])) return fail("malformed");
    unsecured["@context"] = proofOptions["@context"];
    delete proofOptions["@context"];
  }

  let key: FetchedKey | null;
  try {
    key = await options.fetchKey(keyId);
  } catch {
    key = null;
  }
  if (key === null || key.publicKey.algorithm.name !== "Ed25519" || key.publicKey.type !== "public") {
    return fail("key-not-found");
  }
  const hash = await hashData(unsecured, proofOptions);
  if (!(await crypto.subtle.verify("Ed25519", key.publicKey, signature, hash))) return fail("bad-signature");

  // Checked after the signature so the reason says "genuine, but someone else's".
  const claimed = [...actorIds(document.attributedTo), ...actorIds(document.actor)];
  if (options.expectedSigner) claimed.push(options.expectedSigner.href);
  if (claimed.length === 0 || claimed.some((id) => id !== key.controller.href)) return fail("controller-mismatch");
  return { ok: true, signer: key.controller, created };
}

/** eddsa-jcs-2022 hashing: SHA-256(JCS(proof config)) ‖ SHA-256(JCS(document)). */
async function hashData(unsecured: Record<string, unknown>, proofOptions: Record<string, unknown>): Promise<Uint8Array<ArrayBuffer>> {
  // The proof configuration carries the document's @context (spec §3.3.5).
  const proofConfig = unsecured["@context"] === undefined ? proofOptions : { ...proofOptions, "@context": unsecured["@context"] };
  const encoder = new TextEncoder();
  const configHash = await crypto.subtle.digest("SHA-256", encoder.encode(canonicalizeJson(proofConfig)));
  const documentHash = await crypto.subtle.digest("SHA-256", encoder.encode(canonicalizeJson(unsecured)));
  const out = new Uint8Array(64);
  out.set(new Uint8Array(configHash), 0);
  out.set(new Uint8Array(documentHash), 32);
  return out;
}

/** ISO 8601 UTC without trailing fractional zeros, as `Temporal.Instant#toString()` writes it. */
function formatCreated(date: Date): string {
  return date.toISOString().replace(/\.(\d*?)0*Z$/, (_m, fraction: string) => (fraction ? `.${fraction}Z` : "Z"));
}

const DATE_TIME_STAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** An XML Schema `dateTimeStamp` (time zone required); sub-millisecond digits are ignored. */
function parseDateTime(value: unknown): Date | null {
  if (typeof value !== "string" || !DATE_TIME_STAMP.test(value)) return null;
  const ms = Date.parse(value.replace(/(\.\d{3})\d+/, "$1"));
  return Number.isNaN(ms) ? null : new Date(ms);
}

function parseUrl(value: unknown): URL | null {
  return typeof value === "string" && URL.canParse(value) ? new URL(value) : null;
}

/** Ids of `attributedTo`/`actor` values: strings, objects with `id`, or arrays of them. */
function actorIds(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  const items = Array.isArray(value) ? value : [value];
  return items.map((item) => {
    const id = isPlainObject(item) ? item.id : item;
    // An entry we cannot read still counts as a claim, so it can never match.
    return typeof id === "string" && URL.canParse(id) ? new URL(id).href : "\u0000unreadable";
  });
}

function contextStartsWith(documentContext: unknown, proofContext: unknown): boolean {
  const doc = Array.isArray(documentContext) ? documentContext : [documentContext];
  const prefix = Array.isArray(proofContext) ? proofContext : [proofContext];
  return prefix.length <= doc.length && prefix.every((c, i) => canonicalizeJson(c) === canonicalizeJson(doc[i]));
}

function fail(reason: VerifyFailureReason): VerifyResult {
  return { ok: false, reason };
}
