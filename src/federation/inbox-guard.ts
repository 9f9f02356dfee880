import { verifyRequestDetailed, type KeyCache } from "@fedify/fedify";
import type { CryptographicKey, Multikey } from "@fedify/vocab";
import type { DocumentLoader } from "@fedify/vocab-runtime";
import { verifiedWithKnownKey } from "./known-key-signature.ts";

// What an inbox POST must pass before Fedify sees it. Fedify processes the body as
// JSON-LD (expansion, remote @context fetches, Linked Data Signatures) before it checks
// the HTTP signature, so an unsigned request could make the server work for seconds or
// fetch what the sender names. Here, in this order and before any of that: the JSON is
// scanned for its shape (depth, array length, node count, and the JSON-LD work it would
// cost) without building it, it must be one object, and the request must carry an HTTP
// signature (draft-cavage or RFC 9421) that verifies over the raw bytes. Then the
// signer's origin pays the work from its budget ({@link OriginBudget}: 429 when it is
// spent). Only then does Fedify take it (and look for LD signatures or proofs).

/** Bounds on an incoming activity's JSON; a real activity is far below each. */
export interface JsonLimits {
  /** Deepest nesting of objects and arrays. */
  readonly maxDepth: number;
  /** Most elements in one array. */
  readonly maxArrayLength: number;
  /** Most values (objects, arrays, strings, numbers, literals) in the whole document. */
  readonly maxNodes: number;
  /**
   * Most work (see {@link JsonShape.work}): what Fedify's JSON-LD processing costs grows
   * with the values times the objects around them (each embedded object is expanded
   * again with everything inside it), so a document nested deep costs many times one
   * as large but flat. This bound keeps one activity's processing to tens of
   * milliseconds of the event loop.
   */
  readonly maxWork?: number;
}

/**
 * Mastodon's, Misskey's, Lemmy's and Folkmoot's own activities are a few hundred values
 * and a few hundred units of work (a Mastodon note with 10 mentions and 5 custom emoji is
 * about 470; 40 mentions, about 850; a note with 40 custom emoji, about 1,800); a
 * document over these bounds is refused with 400. Reading 2,000 units takes Fedify
 * about 10–15 ms on one core, and it reads an activity twice before it is queued: the
 * longest the event loop waits for one activity (3,000 kept /healthz's p99 above 50 ms
 * under attack, bench/inbox-attack.ts).
 */
export const INBOX_JSON_LIMITS: JsonLimits = { maxDepth: 16, maxArrayLength: 500, maxNodes: 2_500, maxWork: 2_000 };

/** What the scan found: the number of values and the work they make. */
export interface JsonShape {
  readonly nodes: number;
  /** Each value counts one, plus one for each object that encloses it. */
  readonly work: number;
}

/** A refusal: the status and a plain message for the sender. */
export interface InboxRefusal {
  readonly status: 400 | 401 | 429;
  readonly message: string;
  /** For 429: seconds before the sender may try again. */
  readonly retryAfter?: number;
}

/**
 * Scans JSON text for its shape without parsing it into values: one pass over the
 * characters, skipping strings. JSON.parse itself has no bounds, and the values it
 * builds are what JSON-LD then walks; a hand-written scan because no well-kept library
 * bounds array lengths and node counts (secure-json-parse guards prototypes only).
 * Returns a reason when a bound is passed, else the shape; syntax errors are left to JSON.parse.
 */
export function jsonShape(text: string, limits: JsonLimits = INBOX_JSON_LIMITS): { problem: string } | JsonShape {
  // One counter per open container: the elements seen so far (arrays only).
  const open: { array: boolean; length: number }[] = [];
  let nodes = 0;
  let work = 0;
  let objects = 0;
  const maxWork = limits.maxWork ?? Number.POSITIVE_INFINITY;
  const value = (): string | null => {
    if (++nodes > limits.maxNodes) return `it has more than ${limits.maxNodes} values`;
    work += 1 + objects;
    if (work > maxWork) return `it would take more than ${maxWork} units of work to read (too many values nested in objects)`;
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
        if (problem) return { problem };
      }
      i = j;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      const problem = value();
      if (problem) return { problem };
      open.push({ array: c === 0x5b, length: 0 });
      if (c === 0x7b) objects++;
      if (open.length > limits.maxDepth) return { problem: `it is nested more than ${limits.maxDepth} deep` };
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      if (open.pop()?.array === false) objects--;
    } else if ((c >= 0x30 && c <= 0x39) || c === 0x2d /* - */ || c === 0x74 || c === 0x66 || c === 0x6e /* t f n */) {
      // A number or literal: count it once, then skip its characters.
      const problem = value();
      if (problem) return { problem };
      while (i + 1 < text.length && isScalarChar(text.charCodeAt(i + 1))) i++;
    }
  }
  return { nodes, work };
}

/** The reason `text` passes a bound of `limits`, or null. */
export function jsonShapeProblem(text: string, limits: JsonLimits = INBOX_JSON_LIMITS): string | null {
  const shape = jsonShape(text, limits);
  return "problem" in shape ? shape.problem : null;
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
export function parseInboxBody(
  bytes: Uint8Array,
  limits: JsonLimits = INBOX_JSON_LIMITS,
): { ok: true; json: Record<string, unknown>; work: number } | { ok: false; refusal: InboxRefusal } {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return { ok: false, refusal: { status: 400, message: "the body is not UTF-8 text" } };
  }
  const shape = jsonShape(text, limits);
  if ("problem" in shape) return { ok: false, refusal: { status: 400, message: `the activity is refused: ${shape.problem}` } };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, refusal: { status: 400, message: "the body is not JSON" } };
  }
  if (json === null || typeof json !== "object" || Array.isArray(json)) return { ok: false, refusal: { status: 400, message: "an activity is a JSON object" } };
  return { ok: true, json: json as Record<string, unknown>, work: shape.work };
}

/** Whether a request carries HTTP signature headers (draft-cavage or RFC 9421). */
export function hasHttpSignature(headers: Headers): boolean {
  return headers.has("signature") || headers.has("signature-input");
}

/**
 * Verifies the request's HTTP signature over its raw bytes `body` (the key is fetched with
 * `documentLoader`, which must bound its time). The key's owner is checked against the
 * activity's actor later, by Fedify. On success, the origin (scheme, host, port) of the
 * key that signed: who pays for the work that follows. A draft-cavage signature by a key
 * held in `keyCache` is checked at once (known-key-signature.ts); anything else by Fedify.
 */
export async function authenticateInboxRequest(
  request: Request,
  body: Uint8Array,
  loaders: { documentLoader: DocumentLoader; contextLoader: DocumentLoader; keyCache: KeyCache },
): Promise<{ ok: true; signer: string } | { ok: false; refusal: InboxRefusal }> {
  if (!hasHttpSignature(request.headers)) return { ok: false, refusal: { status: 401, message: "an activity must be signed with an HTTP signature" } };
  const known = await verifiedWithKnownKey(request, body, loaders.keyCache);
  if (known !== null) return { ok: true, signer: (known.ownerId ?? known.id ?? new URL("invalid:")).origin };
  // Fedify reads the body from a clone of its own, so `request` stays readable for what follows.
  const result = await verifyRequestDetailed(request, { ...loaders, timeWindow: { hours: 1 } });
  if (result.verified) return { ok: true, signer: (result.key.ownerId ?? result.key.id ?? new URL("invalid:")).origin };
  const why =
    result.reason.type === "keyFetchError"
      ? `its key ${result.reason.keyId.href} could not be fetched`
      : result.reason.type === "noSignature"
        ? "it has no valid signature header"
        : "its signature does not verify";
  return { ok: false, refusal: { status: 401, message: `the request's HTTP signature was not accepted: ${why}` } };
}

/**
 * What an activity of `work` units costs its origin's budget: its work up to 1,000 units
 * (every ordinary activity), more than in proportion above (work²/1,000). Other requests
 * wait for the longest single piece of work, not the sum, so one origin sending the largest
 * activities the bounds allow gets fewer of them through a second than of small ones.
 */
export function workCost(work: number): number {
  return work <= 1_000 ? work : Math.ceil((work * work) / 1_000);
}

/** How much JSON-LD work one remote origin may make this process do. */
export interface BudgetOptions {
  /** Units of work (as {@link JsonShape.work} counts them) an origin regains each second. */
  readonly perSecond: number;
  /** The most it can hold: what it may spend at once after a quiet time. */
  readonly burst: number;
  /** Origins remembered; the longest unseen is forgotten first (it starts full again). */
  readonly maxOrigins?: number;
}

/**
 * A token bucket per remote origin, in units of work: an inbox POST that verified takes
 * its work from its signer's origin, or is answered 429 with the seconds to wait
 * (`Retry-After`), which Fedify and Mastodon honour when they retry. One hostile origin
 * can so keep the event loop busy only a bounded share of the time, whatever it sends;
 * the work of one activity is bounded by {@link JsonLimits.maxWork}. Kept in memory, per
 * process: each web process has its own.
 */
export class OriginBudget {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();
  readonly #opts: Required<BudgetOptions>;

  constructor(opts: BudgetOptions) {
    this.#opts = { maxOrigins: 10_000, ...opts };
  }

  /** Takes `work` from `origin`'s budget: null if taken, else the seconds before it would be there. */
  take(origin: string, work: number, now: number = performance.now()): number | null {
    const { perSecond, burst, maxOrigins } = this.#opts;
    const known = this.#buckets.get(origin);
    const tokens = known === undefined ? burst : Math.min(burst, known.tokens + ((now - known.at) / 1000) * perSecond);
    // Most recently seen last, so the first is the one to forget.
    this.#buckets.delete(origin);
    // An activity larger than the whole budget still passes once the budget is full.
    const cost = Math.min(work, burst);
    if (tokens >= cost) {
      this.#buckets.set(origin, { tokens: tokens - cost, at: now });
      this.#forgetBeyond(maxOrigins);
      return null;
    }
    this.#buckets.set(origin, { tokens, at: now });
    this.#forgetBeyond(maxOrigins);
    return Math.max(1, Math.ceil((cost - tokens) / perSecond));
  }

  #forgetBeyond(max: number): void {
    while (this.#buckets.size > max) this.#buckets.delete(this.#buckets.keys().next().value!);
  }
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
