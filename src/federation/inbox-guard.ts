import { verifyRequestDetailed, type KeyCache } from "@fedify/fedify";
import type { CryptographicKey, Multikey } from "@fedify/vocab";
import type { DocumentLoader } from "@fedify/vocab-runtime";

// What an inbox POST must pass before Fedify sees it. Fedify processes the body as
// JSON-LD (expansion, remote @context fetches, Linked Data Signatures) before it checks
// the HTTP signature, so an unsigned request could make the server work for seconds or
// fetch what the sender names. Here, in this order and before any of that: the JSON is
// scanned for its shape (depth, array length, node count) without building it, it must
// be one object, and the request must carry an HTTP signature (draft-cavage or RFC 9421)
// that verifies over the raw bytes. Only then does Fedify take it (and look for LD
// signatures or proofs).

/** Bounds on an incoming activity's JSON; a real activity is far below each. */
export interface JsonLimits {
  /** Deepest nesting of objects and arrays. */
  readonly maxDepth: number;
  /** Most elements in one array. */
  readonly maxArrayLength: number;
  /** Most values (objects, arrays, strings, numbers, literals) in the whole document. */
  readonly maxNodes: number;
}

export const INBOX_JSON_LIMITS: JsonLimits = { maxDepth: 32, maxArrayLength: 1_000, maxNodes: 20_000 };

/** A refusal: the status and a plain message for the sender. */
export interface InboxRefusal {
  readonly status: 400 | 401;
  readonly message: string;
}

/**
 * Scans JSON text for its shape without parsing it into values: one pass over the
 * characters, skipping strings. JSON.parse itself has no bounds, and the values it
 * builds are what JSON-LD then walks; a hand-written scan because no well-kept library
 * bounds array lengths and node counts (secure-json-parse guards prototypes only).
 * Returns a reason when a bound is passed; syntax errors are left to JSON.parse.
 */
export function jsonShapeProblem(text: string, limits: JsonLimits = INBOX_JSON_LIMITS): string | null {
  // One counter per open container: the elements seen so far (arrays only).
  const open: { array: boolean; length: number; empty: boolean }[] = [];
  let nodes = 0;
  const value = (): string | null => {
    if (++nodes > limits.maxNodes) return `it has more than ${limits.maxNodes} values`;
    const top = open.at(-1);
    if (top?.array && ++top.length > limits.maxArrayLength) return `an array has more than ${limits.maxArrayLength} elements`;
    return null;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      // A string: a value unless it is an object's key (followed by a colon).
      const j = closingQuote(text, i + 1);
      let k = j + 1;
      while (k < text.length && isSpace(text.charCodeAt(k))) k++;
      if (text.charCodeAt(k) !== 0x3a /* : */) {
        const problem = value();
        if (problem) return problem;
      }
      i = j;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      const problem = value();
      if (problem) return problem;
      open.push({ array: c === 0x5b, length: 0, empty: true });
      if (open.length > limits.maxDepth) return `it is nested more than ${limits.maxDepth} deep`;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      open.pop();
    } else if ((c >= 0x30 && c <= 0x39) || c === 0x2d /* - */ || c === 0x74 || c === 0x66 || c === 0x6e /* t f n */) {
      // A number or literal: count it once, then skip its characters.
      const problem = value();
      if (problem) return problem;
      while (i + 1 < text.length && isScalarChar(text.charCodeAt(i + 1))) i++;
    }
  }
  return null;
}

/** The index of the quote that closes a string opened before `from` (text.length if none). */
function closingQuote(text: string, from: number): number {
  for (let j = text.indexOf('"', from); j !== -1; j = text.indexOf('"', j + 1)) {
    let backslashes = 0;
    while (text.charCodeAt(j - 1 - backslashes) === 0x5c /* \ */) backslashes++;
    if (backslashes % 2 === 0) return j;
  }
  return text.length;
}

const isSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
/** Characters of a number or a literal (true, false, null). */
const isScalarChar = (c: number) => (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x2e || c === 0x2b || c === 0x2d;

/** Parses an inbox body: one JSON object within the bounds, or why not. */
export function parseInboxBody(bytes: Uint8Array, limits: JsonLimits = INBOX_JSON_LIMITS): { ok: true; json: Record<string, unknown> } | { ok: false; refusal: InboxRefusal } {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return { ok: false, refusal: { status: 400, message: "the body is not UTF-8 text" } };
  }
  const problem = jsonShapeProblem(text, limits);
  if (problem) return { ok: false, refusal: { status: 400, message: `the activity is refused: ${problem}` } };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, refusal: { status: 400, message: "the body is not JSON" } };
  }
  if (json === null || typeof json !== "object" || Array.isArray(json)) return { ok: false, refusal: { status: 400, message: "an activity is a JSON object" } };
  return { ok: true, json: json as Record<string, unknown> };
}

/** Whether a request carries HTTP signature headers (draft-cavage or RFC 9421). */
export function hasHttpSignature(headers: Headers): boolean {
  return headers.has("signature") || headers.has("signature-input");
}

/**
 * Verifies the request's HTTP signature over its raw bytes (the key is fetched with
 * `documentLoader`, which must bound its time). The key's owner is checked against the
 * activity's actor later, by Fedify.
 */
export async function authenticateInboxRequest(
  request: Request,
  loaders: { documentLoader: DocumentLoader; contextLoader: DocumentLoader; keyCache: KeyCache },
): Promise<InboxRefusal | null> {
  if (!hasHttpSignature(request.headers)) return { status: 401, message: "an activity must be signed with an HTTP signature" };
  const result = await verifyRequestDetailed(request.clone(), { ...loaders, timeWindow: { hours: 1 } });
  if (result.verified) return null;
  const why =
    result.reason.type === "keyFetchError"
      ? `its key ${result.reason.keyId.href} could not be fetched`
      : result.reason.type === "noSignature"
        ? "it has no valid signature header"
        : "its signature does not verify";
  return { status: 401, message: `the request's HTTP signature was not accepted: ${why}` };
}

/**
 * Public keys already fetched, in memory and bounded: Fedify keeps its own cache for the
 * second check; this one spares the key's fetch in the first. A failed verification with
 * a cached key makes Fedify fetch it again (keys rotate).
 */
export function boundedKeyCache(max = 2_000): KeyCache {
  const keys = new Map<string, CryptographicKey | Multikey>();
  return {
    async get(keyId) {
      return keys.get(keyId.href);
    },
    async set(keyId, key) {
      // A key that could not be fetched is not remembered: the next request tries again.
      if (key === null) {
        keys.delete(keyId.href);
        return;
      }
      if (keys.size >= max) keys.delete(keys.keys().next().value!);
      keys.set(keyId.href, key);
    },
  };
}

/** A document loader that gives up after `ms` (a tarpit cannot hold a request). */
export function withTimeout(loader: DocumentLoader, ms: number): DocumentLoader {
  return (url, options) => loader(url, { ...options, signal: options?.signal ? AbortSignal.any([options.signal, AbortSignal.timeout(ms)]) : AbortSignal.timeout(ms) });
}
