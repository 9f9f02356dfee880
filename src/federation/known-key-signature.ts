import { createHash, KeyObject, verify } from "node:crypto";
import type { KeyCache } from "@fedify/fedify";
import type { CryptographicKey } from "@fedify/vocab";

// The inbox guard's first check of an HTTP signature (inbox-guard.ts), for the common case
// only: a draft-cavage signature (what Mastodon, snac and Misskey send) by a key this process
// already holds. Fedify's own check, which the guard otherwise calls, hashes the body and
// verifies through WebCrypto's asynchronous jobs and costs about 0.5 ms; this does the same
// checks with node:crypto at once. It only ever says yes: anything it does not take for
// certain (another spec or algorithm, `created`/`expires`, a digest or header it cannot
// match, a key not held, a signature that does not verify with the held key) returns null,
// and the guard asks Fedify as before. Fedify then checks the signature again itself when
// it takes the activity, whatever this said.

const DIGESTS: Record<string, string> = { sha: "sha1", "sha-256": "sha256", "sha-512": "sha512" };
const ONE_HOUR_MS = 3_600_000;
const publicKeys = new WeakMap<CryptoKey, KeyObject>();

/**
 * The key that signed `request` (draft-cavage, over `body`), when it is in `keys` and the
 * signature verifies with it as Fedify would verify it; null when this cannot tell.
 */
export async function verifiedWithKnownKey(request: Request, body: Uint8Array, keys: KeyCache, now: number = Date.now()): Promise<CryptographicKey | null> {
  const header = request.headers.get("signature");
  if (header === null || request.headers.has("signature-input")) return null;
  // Parsed as Fedify parses it.
  const fields = Object.fromEntries(
    header
      .split(",")
      .map((pair) => pair.match(/^\s*([A-Za-z]+)=(?:"([^"]*)"|(\d+))\s*$/))
      .filter((m) => m !== null)
      .map((m) => [m[1]!, m[2] ?? m[3]!]),
  );
  const { keyId, headers, signature, algorithm } = fields;
  if (keyId === undefined || headers === undefined || signature === undefined) return null;
  if ("created" in fields || "expires" in fields) return null;
  if (algorithm !== undefined && !["rsa-sha256", "hs2019"].includes(algorithm.toLowerCase())) return null;
  const names = headers.split(/\s+/g);
  if (!names.includes("(request-target)") || !names.includes("date") || !names.includes("digest")) return null;

  const date = request.headers.get("date");
  const signedAt = date === null ? Number.NaN : new Date(date).getTime();
  if (!(Math.abs(now - signedAt) <= ONE_HOUR_MS)) return null;
  if (!digestMatches(request.headers.get("digest"), body)) return null;

  let keyUrl: URL;
  try {
    keyUrl = new URL(keyId);
  } catch {
    return null;
  }
  const key = (await keys.get(keyUrl)) as CryptographicKey | null | undefined;
  const publicKey = key?.publicKey;
  if (!key || !publicKey || publicKey.algorithm.name !== "RSASSA-PKCS1-v1_5" || (publicKey.algorithm as RsaHashedKeyAlgorithm).hash.name !== "SHA-256") return null;

  const url = new URL(request.url);
  const lines: string[] = [];
  for (const name of names) {
    const value =
      name === "(request-target)" ? `${request.method.toLowerCase()} ${url.pathname}` : name === "host" ? (request.headers.get("host") ?? url.host) : request.headers.get(name);
    if (value === null) return null;
    lines.push(`${name}: ${value}`);
  }
  let keyObject = publicKeys.get(publicKey);
  if (keyObject === undefined) {
    keyObject = KeyObject.from(publicKey);
    publicKeys.set(publicKey, keyObject);
  }
  return verify("sha256", Buffer.from(lines.join("\n")), keyObject, Buffer.from(signature, "base64")) ? key : null;
}

/** Every digest in the header is of a known algorithm and matches `body` (at least one). */
function digestMatches(header: string | null, body: Uint8Array): boolean {
  if (header === null) return false;
  const digests = header.split(",");
  for (const pair of digests) {
    const at = pair.indexOf("=");
    if (at < 0) return false;
    const algorithm = DIGESTS[pair.slice(0, at).trim().toLowerCase()];
    if (algorithm === undefined) return false;
    const expected = createHash(algorithm).update(body).digest("base64");
    if (pair.slice(at + 1).trim() !== expected) return false;
  }
  return digests.length > 0;
}
