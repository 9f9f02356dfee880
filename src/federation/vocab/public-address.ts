// The public address as the full IRI in the documents Folkmoot serves. Fedify compacts
// `https://www.w3.org/ns/activitystreams#Public` to `as:Public` when it serialises; a
// JSON-LD processor reads both, but snac (and other plain-JSON readers) match the full
// IRI only, and took public posts for direct messages. Fedify rewrites what it delivers;
// this does the same for what is served with GET.
import { PUBLIC_COLLECTION } from "@fedify/vocab";

const ADDRESSING = new Set(["to", "cc", "bto", "bcc", "audience"]);
const COMPACT = new Set(["as:Public", "Public"]);

/**
 * `doc` with `as:Public` (or `Public`) in `to`, `cc`, `bto`, `bcc` and `audience` written
 * as the full IRI, at any depth. `@context` is left alone, and so is any object carrying a
 * `proof`: a signed document is served exactly as signed.
 */
export function withFullPublicAddress<T>(doc: T): T {
  return rewrite(doc, null, 0) as T;
}

function rewrite(value: unknown, key: string | null, depth: number): unknown {
  if (typeof value === "string") return key !== null && ADDRESSING.has(key) && COMPACT.has(value) ? PUBLIC_COLLECTION.href : value;
  if (depth > 64 || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((item) => rewrite(item, key, depth + 1));
  const record = value as Record<string, unknown>;
  if ("proof" in record) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(record)) out[k] = k === "@context" ? v : rewrite(v, k, depth + 1);
  return out;
}
