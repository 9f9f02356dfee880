/**
 * A hand-written, Mastodon-style remote ActivityPub server for integration
 * tests. It deliberately uses no Fedify code (only `node:http(s)`,
 * `node:crypto` and Joyent's `http-signature` verifier), so that what passes
 * against it is what an independent implementation accepts, not what Fedify
 * agrees with itself about.
 *
 * What it does, as Mastodon does:
 * - serves `Person` actors (`alice` by default, plus `mallory`, an "evil"
 *   actor with its own key for impersonation tests) as JSON-LD with
 *   `publicKey { id, owner, publicKeyPem }` and `endpoints.sharedInbox`;
 * - answers WebFinger (`acct:user@host[:port]` or the actor URL) and NodeInfo;
 * - signs outgoing requests with draft-cavage HTTP Signatures
 *   (`rsa-sha256` over `(request-target) host date digest`, `Digest: SHA-256=…`);
 * - verifies every inbox POST: signature (via `http-signature`, against the key
 *   fetched from the `keyId` URL with a signed GET), `Digest` against the body,
 *   `Date` within the clock-skew window; answers 202 if valid and 401 if not
 *   (as Mastodon does — and Fedify only falls back from RFC 9421 to
 *   draft-cavage after a 4xx), recording every POST either way;
 * - or, with `acceptFirst`, answers 202 to every inbox POST at once and verifies
 *   afterwards (as snac does), so the sender never learns that a delivery was
 *   dropped; an RFC 9421 request is then recorded as unverified;
 * - records the method, path and `User-Agent` of every request it gets (`requests`).
 *
 * Outgoing traffic is restricted to loopback addresses.
 */
import { createHash, generateKeyPairSync, randomUUID, sign as cryptoSign } from "node:crypto";
import { EventEmitter } from "node:events";
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";

// `http-signature` is CommonJS without type declarations; describe the part we use.
interface ParsedCavageSignature {
  scheme: string;
  params: { keyId: string; algorithm: string; headers: string[]; signature: string };
  signingString: string;
  algorithm: string;
  keyId: string;
}
interface HttpSignatureModule {
  parseRequest(
    request: { method: string; url: string; httpVersion?: string; headers: Record<string, string | undefined> },
    options?: { clockSkew?: number; headers?: string[]; algorithms?: string[] },
  ): ParsedCavageSignature;
  verifySignature(parsed: ParsedCavageSignature, publicKeyPem: string): boolean;
}
const require = createRequire(import.meta.url);
/** Joyent's `http-signature` (the verifier used for every check in this file). */
export const httpSignature = require("http-signature") as HttpSignatureModule;

/** JSON-LD contexts Mastodon puts on actors (the inline part needs no fetch). */
const ACTOR_CONTEXT = [
  "https://www.w3.org/ns/activitystreams",
  "https://w3id.org/security/v1",
  {
    manuallyApprovesFollowers: "as:manuallyApprovesFollowers",
    toot: "http://joinmastodon.org/ns#",
    discoverable: "toot:discoverable",
    indexable: "toot:indexable",
  },
];
const AS_CONTEXT = "https://www.w3.org/ns/activitystreams";
const ACTIVITY_JSON = "application/activity+json";
const MAX_BODY_BYTES = 5 * 1024 * 1024;
const DEFAULT_FETCH_TIMEOUT_MS = 15_000;

/** Headers Mastodon signs on a POST with a body (and requires on inbox POSTs). */
export const CAVAGE_POST_HEADERS: readonly string[] = ["(request-target)", "host", "date", "digest"];
/** Headers Mastodon signs on a GET (authorized fetch). */
export const CAVAGE_GET_HEADERS: readonly string[] = ["(request-target)", "host", "date", "accept"];

// ---------------------------------------------------------------------------
// Signing

/** Input of {@link signRequestCavage}. */
export interface CavageSignInput {
  method: string;
  url: string | URL;
  keyId: string;
  /** PKCS#8 or PKCS#1 PEM of an RSA private key. */
  privateKeyPem: string;
  /** Request body; when present a `Digest` header is computed over its bytes. */
  body?: string | Uint8Array;
  /** Extra headers to send (and available for signing), e.g. `content-type`, `accept`. */
  headers?: Record<string, string>;
  /** Value of the `Date` header (default: now). */
  date?: Date;
  /**
   * Header names to sign, in order. Default: {@link CAVAGE_POST_HEADERS} when
   * there is a body, else `(request-target) host date` (+ `accept` if given).
   */
  signedHeaders?: readonly string[];
  /** Send (and sign) this `Digest` value instead of the correct one. */
  digestOverride?: string;
  /**
   * Put the query string into `(request-target)`. Default false: Mastodon and
   * Fedify both sign and verify the path alone.
   */
  requestTargetWithQuery?: boolean;
}

/** `SHA-256=<base64>` digest of a body, as in Mastodon's `Digest` header. */
export function digestHeader(body: string | Uint8Array): string {
  return `SHA-256=${createHash("sha256").update(body).digest("base64")}`;
}

/**
 * Signs a request the way Mastodon does (draft-cavage-http-signatures-12,
 * `algorithm="rsa-sha256"`). Returns all headers to send, with lower-case
 * names: the given `headers`, `host`, `date`, `digest` (if there is a body or
 * a `digestOverride`) and `signature`. Global `fetch` sets `Host` itself from
 * the URL (to the same value), so drop `host` when passing these to `fetch`.
 */
export function signRequestCavage(input: CavageSignInput): Record<string, string> {
  const url = new URL(input.url);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(input.headers ?? {})) headers[k.toLowerCase()] = v;
  headers.host = url.host;
  headers.date = (input.date ?? new Date()).toUTCString();
  if (input.digestOverride !== undefined) headers.digest = input.digestOverride;
  else if (input.body !== undefined) headers.digest = digestHeader(input.body);

  const signed =
    input.signedHeaders ?? (headers.digest !== undefined ? CAVAGE_POST_HEADERS : ["(request-target)", "host", "date", ...(headers.accept !== undefined ? ["accept"] : [])]);
  const target = url.pathname + (input.requestTargetWithQuery ? url.search : "");
  const lines = signed.map((name) => {
    const n = name.toLowerCase();
    if (n === "(request-target)") return `(request-target): ${input.method.toLowerCase()} ${target}`;
    const value = headers[n];
    if (value === undefined) throw new Error(`signRequestCavage: cannot sign missing header ${n}`);
    return `${n}: ${value}`;
  });
  const signature = cryptoSign("sha256", Buffer.from(lines.join("\n")), input.privateKeyPem).toString("base64");
  headers.signature = `keyId="${input.keyId}",algorithm="rsa-sha256",headers="${signed.map((h) => h.toLowerCase()).join(" ")}",signature="${signature}"`;
  return headers;
}

// ---------------------------------------------------------------------------
// Polls, as the clients of real servers offer them

/**
 * Whether a server's user is offered a vote on this `Question` at `now`, by the rules of
 * both real servers that were tried: Mastodon's poll closes at `closed` when it is a
 * string, else at `endTime` (ActivityPub::Parser::PollParser#expires_at); snac 2.94 shows
 * the vote form unless `closed` is a past instant. Both let a person vote once per poll:
 * a vote cast while the poll is offered but not open here is refused, and the person
 * cannot vote again.
 */
export function pollOffersVote(question: { closed?: unknown; endTime?: unknown }, now: Date = new Date()): { mastodon: boolean; snac: boolean } {
  const at = (v: unknown) => (typeof v === "string" ? Date.parse(v) : Number.NaN);
  const mastodonEnds = typeof question.closed === "string" ? at(question.closed) : at(question.endTime);
  const snacClosed = typeof question.closed === "string" && at(question.closed) < now.getTime();
  return { mastodon: Number.isNaN(mastodonEnds) || mastodonEnds > now.getTime(), snac: !snacClosed };
}

// ---------------------------------------------------------------------------
// Types

/** One actor the peer hosts, with its key pair. */
export interface PeerActor {
  username: string;
  actorId: string;
  /** `actorId#main-key`. */
  keyId: string;
  inbox: string;
  /** RSA 2048, SPKI PEM. */
  publicKeyPem: string;
  /** RSA 2048, PKCS#8 PEM. */
  privateKeyPem: string;
}

/** One POST to one of the peer's inboxes. */
export interface ReceivedActivity {
  method: string;
  /** Request path, e.g. `/inbox` or `/users/alice/inbox`. */
  path: string;
  /** Request headers (lower-case names; repeated headers joined with ", "). */
  headers: Record<string, string>;
  rawBody: string;
  /** Parsed JSON body, or the raw string if it was not JSON. */
  body: any;
  /**
   * Draft-cavage signature verified by `http-signature` against the published
   * key of `keyId`, with `(request-target) host date digest` signed, `Digest`
   * matching the body and `Date` within the clock-skew window.
   */
  signatureValid: boolean;
  /** Why verification failed (when `signatureValid` is false). */
  error?: string;
  keyId?: string;
  /** Actor that owns the signing key (confirmed by the actor document). */
  keyOwner?: string;
  /** The verified signer is the activity's `actor` (what Mastodon also requires). */
  signerMatchesActor: boolean;
  /** Status the peer answered with (202 or 401). */
  status: number;
  receivedAt: Date;
}

/** Options for {@link MastodonPeer.post}. */
export interface PeerPostOptions {
  /** Sign with this key id instead of the main actor's. */
  keyId?: string;
  /** Sign with this private key instead of the main actor's. */
  privateKeyPem?: string;
  /** `Date` header value (e.g. hours ago, to test staleness). */
  date?: Date;
  /** Send (and sign) this `Digest` instead of the body's. */
  digestOverride?: string;
  /** Replace the whole `Signature` header with this value (after signing). */
  signatureOverride?: string;
  /** Send these bytes instead of `JSON.stringify(activity)` (digest and signature cover them). */
  rawBody?: string | Buffer;
  /** Header names to sign (default `(request-target) host date digest`). */
  signedHeaders?: readonly string[];
  /** Extra headers, e.g. a different `content-type`. */
  headers?: Record<string, string>;
  /** Send without `Signature` header. */
  unsigned?: boolean;
  timeoutMs?: number;
}

/** One POST the peer sent (via {@link MastodonPeer.post}, including auto-Accepts). */
export interface SentActivity {
  url: string;
  activity: unknown;
  status: number;
  body: string;
}

/** A running Mastodon-style peer. */
export interface MastodonPeer extends PeerActor {
  /** `http://host:port` (or `https://` when started with `tls`). */
  origin: string;
  host: string;
  port: number;
  /** `username@host:port`, for WebFinger. */
  handle: string;
  sharedInbox: string;
  outbox: string;
  followers: string;
  /** The second, "evil" actor `/users/mallory` with a different key. */
  mallory: PeerActor;
  /** Every inbox POST, verified or not, in arrival order (with `acceptFirst`: in order of verification). */
  received: ReceivedActivity[];
  /** Every request the peer got, in arrival order. */
  requests: PeerRequest[];
  /** Every POST the peer sent. */
  sent: SentActivity[];
  /** Failures of background work (auto-Accepts), for debugging. */
  errors: unknown[];
  /** Actor ids whose Follow the peer accepted (with `autoAcceptFollows`). */
  followerIds: Set<string>;
  /**
   * Resolves with the first received POST (already recorded or arriving later)
   * matching `predicate`; rejects after `timeoutMs` (default 5000).
   */
  waitFor(predicate: (r: ReceivedActivity) => boolean, timeoutMs?: number): Promise<ReceivedActivity>;
  /**
   * POSTs `activity` to `inboxUrl`, signed as Mastodon does (as the main actor
   * unless `keyId`/`privateKeyPem` are given). If the activity's id is under
   * this peer's origin it is also served there, so it can be dereferenced.
   */
  post(inboxUrl: string, activity: object, opts?: PeerPostOptions): Promise<{ status: number; body: string }>;
  /** Draft-cavage signed GET (authorized fetch) with `Accept: application/activity+json`; redirects are not followed. */
  signedGet(url: string, opts?: { keyId?: string; privateKeyPem?: string; accept?: string; timeoutMs?: number }): Promise<Response>;
  /** A fresh id under this origin, e.g. `http://127.0.0.5:40123/activities/<uuid>`. */
  newId(kind?: string): string;
  /** Serves `object` as JSON at `pathOrUrl` (a path, or a URL under this origin); `status` e.g. 410 for a Tombstone. */
  serve(pathOrUrl: string, object: unknown, opts?: { status?: number }): void;
  /** Stops serving `pathOrUrl` (then 404). */
  unserve(pathOrUrl: string): void;
  /** Forgets cached remote keys, e.g. after a test rotated one. */
  clearKeyCache(): void;
  /** Stops the server, closing open connections, after pending auto-Accepts settle. */
  close(): Promise<void>;
}

/** Options for {@link startMastodonPeer}. */
export interface MastodonPeerOptions {
  /** Loopback address to bind, e.g. `"127.0.0.5"`. */
  host: string;
  /** Port (default: an ephemeral one). */
  port?: number;
  /** Main actor's username (default `"alice"`; must not be `"mallory"`). */
  username?: string;
  /** Serve HTTPS with this certificate (e.g. `readTestTls()`), needed for `acct:` look-ups. */
  tls?: { certPem: string; keyPem: string };
  /** Answer 401 to POSTs whose signature does not verify (default true, like Mastodon). */
  rejectInvalidSignatures?: boolean;
  /**
   * Allowed |now − Date| in seconds for inbox POSTs (default 3600, Fedify's
   * default window; Mastodon allows 12 h back and 1 h ahead).
   */
  clockSkewSeconds?: number;
  /** Answer a verified Follow of a local actor with a signed Accept, as an unlocked Mastodon account does (default false). */
  autoAcceptFollows?: boolean;
  /** Hold every inbox answer this long (after recording it): keeps a sender's deliveries in flight. */
  inboxDelayMs?: number;
  /**
   * Answer 202 to every inbox POST before verifying it, then verify (draft-cavage only) and
   * record the result, as snac does: a sender never sees a refusal to fall back on.
   */
  acceptFirst?: boolean;
  /**
   * Serve the actor documents this late. snac 2.94 delivers and serves from the same few
   * threads: while they all wait on a server that is fetching the sender's key from snac,
   * the key is served only when snac gives up its POST (after 6 s), so the sender is gone
   * by the time the server answers.
   */
  actorDelayMs?: number;
}

/** One request the peer got (any method, any path). */
export interface PeerRequest {
  method: string;
  path: string;
  /** The `User-Agent` header, if any. */
  userAgent: string | undefined;
  /** Request headers (lower-case names; repeated headers joined with ", "). */
  headers: Record<string, string>;
}

// ---------------------------------------------------------------------------
// Helpers

/** Why: tests must only ever talk to loopback; refuse anything else loudly. */
function assertLoopback(url: URL): void {
  const h = url.hostname;
  if (h === "localhost" || h === "[::1]" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h)) return;
  throw new Error(`mastodon-peer: refusing non-loopback URL ${url.href}`);
}

function idOf(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (value && typeof value === "object" && typeof (value as { id?: unknown }).id === "string") {
    return (value as { id: string }).id;
  }
  return undefined;
}

function asArray(value: unknown): unknown[] {
  return value === undefined || value === null ? [] : Array.isArray(value) ? value : [value];
}

function flattenHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v !== undefined) out[k] = Array.isArray(v) ? v.join(", ") : v;
  }
  return out;
}

/** Checks a `Digest` header (possibly listing several algorithms) against the body. */
function checkDigest(header: string | undefined, body: Buffer): string | undefined {
  if (header === undefined) return "no Digest header";
  let checked = 0;
  for (const part of header.split(",")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    const alg = part.slice(0, eq).trim().toLowerCase();
    const value = part.slice(eq + 1).trim();
    const nodeAlg = alg === "sha-256" ? "sha256" : alg === "sha-512" ? "sha512" : undefined;
    if (!nodeAlg) continue;
    checked++;
    if (createHash(nodeAlg).update(body).digest("base64") !== value) return `Digest ${alg} does not match the body`;
  }
  return checked > 0 ? undefined : "no supported algorithm in Digest";
}

function generateRsa(): { publicKeyPem: string; privateKeyPem: string } {
  const { publicKey, privateKey } = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
  });
  return { publicKeyPem: publicKey, privateKeyPem: privateKey };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY_BYTES) throw Object.assign(new Error("body too large"), { status: 413 });
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

function sendJson(res: ServerResponse, status: number, body: unknown, contentType = `${ACTIVITY_JSON}; charset=utf-8`): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": contentType, "content-length": Buffer.byteLength(text) });
  res.end(text);
}

// ---------------------------------------------------------------------------
// The peer

/** Starts a Mastodon-style peer on `opts.host` (a loopback address). */
export async function startMastodonPeer(opts: MastodonPeerOptions): Promise<MastodonPeer> {
  const username = opts.username ?? "alice";
  if (username === "mallory") throw new Error("mastodon-peer: 'mallory' is reserved for the evil actor");
  const rejectInvalid = opts.rejectInvalidSignatures ?? true;
  const clockSkew = opts.clockSkewSeconds ?? 3600;
  const scheme = opts.tls ? "https" : "http";

  const received: ReceivedActivity[] = [];
  const requests: PeerRequest[] = [];
  const sent: SentActivity[] = [];
  const errors: unknown[] = [];
  const followerIds = new Set<string>();
  const served = new Map<string, { object: unknown; status: number }>();
  const keyCache = new Map<string, { pem: string; owner: string | undefined }>();
  const events = new EventEmitter();
  events.setMaxListeners(0);
  const pending = new Set<Promise<unknown>>();

  // Filled in once the port is known.
  let origin = "";
  const actors = new Map<string, PeerActor>();
  const keys = { [username]: generateRsa(), mallory: generateRsa() };

  function actorDocument(a: PeerActor): object {
    return {
      "@context": ACTOR_CONTEXT,
      id: a.actorId,
      type: "Person",
      following: `${a.actorId}/following`,
      followers: `${a.actorId}/followers`,
      inbox: a.inbox,
      outbox: `${a.actorId}/outbox`,
      preferredUsername: a.username,
      name: a.username[0]!.toUpperCase() + a.username.slice(1),
      summary: "",
      url: `${origin}/@${a.username}`,
      manuallyApprovesFollowers: false,
      discoverable: true,
      indexable: false,
      published: "2024-01-01T00:00:00Z",
      publicKey: { id: a.keyId, owner: a.actorId, publicKeyPem: a.publicKeyPem },
      endpoints: { sharedInbox: `${origin}/inbox` },
    };
  }

  function collection(id: string, items: string[]): object {
    return { "@context": AS_CONTEXT, id, type: "OrderedCollection", totalItems: items.length, orderedItems: items };
  }

  function servedKey(pathOrUrl: string): string {
    if (/^https?:\/\//.test(pathOrUrl)) {
      const u = new URL(pathOrUrl);
      if (u.origin !== origin) throw new Error(`mastodon-peer: ${pathOrUrl} is not under ${origin}`);
      return u.pathname;
    }
    return pathOrUrl.startsWith("/") ? pathOrUrl : `/${pathOrUrl}`;
  }

  function track<T>(p: Promise<T>): Promise<T> {
    pending.add(p);
    void p.finally(() => pending.delete(p)).catch(() => {});
    return p;
  }

  // --- outgoing ------------------------------------------------------------

  const main = (): PeerActor => actors.get(username)!;

  async function signedGet(url: string, o: { keyId?: string; privateKeyPem?: string; accept?: string; timeoutMs?: number } = {}): Promise<Response> {
    const u = new URL(url);
    assertLoopback(u);
    const headers = signRequestCavage({
      method: "GET",
      url: u,
      keyId: o.keyId ?? main().keyId,
      privateKeyPem: o.privateKeyPem ?? main().privateKeyPem,
      headers: { accept: o.accept ?? ACTIVITY_JSON },
      signedHeaders: CAVAGE_GET_HEADERS,
    });
    delete headers.host;
    return fetch(u, {
      headers,
      redirect: "manual",
      signal: AbortSignal.timeout(o.timeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS),
    });
  }

  async function post(inboxUrl: string, activity: object, o: PeerPostOptions = {}): Promise<{ status: number; body: string }> {
    const u = new URL(inboxUrl);
    assertLoopback(u);
    const body = o.rawBody ?? JSON.stringify(activity);
    const activityId = idOf(activity);
    // Fragment ids (Mastodon's `actor#accepts/follows/1`) are not separately dereferenceable.
    if (activityId?.startsWith(`${origin}/`) && !activityId.includes("#") && !served.has(servedKey(activityId))) {
      served.set(servedKey(activityId), { object: activity, status: 200 });
    }
    const extra = { "content-type": ACTIVITY_JSON, ...o.headers };
    let headers: Record<string, string>;
    if (o.unsigned) {
      headers = { ...extra, date: (o.date ?? new Date()).toUTCString(), digest: o.digestOverride ?? digestHeader(body) };
    } else {
      headers = signRequestCavage({
        method: "POST",
        url: u,
        body,
        keyId: o.keyId ?? main().keyId,
        privateKeyPem: o.privateKeyPem ?? main().privateKeyPem,
        headers: extra,
        ...(o.date ? { date: o.date } : {}),
        ...(o.digestOverride !== undefined ? { digestOverride: o.digestOverride } : {}),
        ...(o.signedHeaders ? { signedHeaders: o.signedHeaders } : {}),
      });
      delete headers.host;
    }
    if (o.signatureOverride !== undefined) headers.signature = o.signatureOverride;
    const res = await fetch(u, {
      method: "POST",
      headers,
      body: typeof body === "string" ? body : new Uint8Array(body),
      redirect: "manual",
      signal: AbortSignal.timeout(o.timeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS),
    });
    const result = { status: res.status, body: await res.text() };
    sent.push({ url: u.href, activity, ...result });
    return result;
  }

  // --- verification of incoming POSTs ---------------------------------------

  /** Fetches a key the way Mastodon does: dereference keyId (signed GET), accept an actor or a key document. */
  async function fetchKey(keyId: string): Promise<{ pem: string; owner: string | undefined }> {
    const res = await signedGet(keyId);
    if (!res.ok) throw new Error(`fetching key ${keyId}: HTTP ${res.status}`);
    const doc = (await res.json()) as Record<string, unknown>;
    if (typeof doc.publicKeyPem === "string") {
      // A standalone key document: its owner must list the key to own it.
      const ownerId = idOf(doc.owner) ?? idOf(doc.controller);
      let owner: string | undefined;
      if (ownerId) {
        const ownerRes = await signedGet(ownerId);
        if (ownerRes.ok) {
          const actor = (await ownerRes.json()) as Record<string, unknown>;
          if (asArray(actor.publicKey).some((k) => idOf(k) === keyId)) owner = ownerId;
        }
      }
      return { pem: doc.publicKeyPem, owner };
    }
    for (const k of asArray(doc.publicKey)) {
      if (!k || typeof k !== "object") continue;
      const key = k as Record<string, unknown>;
      if (key.id === keyId && typeof key.publicKeyPem === "string") {
        // The actor document vouches for the key only if the key says it is the actor's.
        const owner = idOf(key.owner) === idOf(doc.id) ? idOf(doc.id) : undefined;
        return { pem: key.publicKeyPem, owner };
      }
    }
    throw new Error(`no publicKey with id ${keyId} in ${idOf(doc.id) ?? keyId}`);
  }

  async function verifyInboxPost(
    req: IncomingMessage,
    headers: Record<string, string>,
    raw: Buffer,
  ): Promise<{ valid: boolean; error?: string; keyId?: string; keyOwner?: string }> {
    if (headers["signature-input"] !== undefined && !/keyId="/.test(headers.signature ?? "")) {
      return { valid: false, error: "RFC 9421 signatures are not supported (draft-cavage only, like Mastodon)" };
    }
    let parsed: ParsedCavageSignature;
    const requestLike = { method: req.method ?? "POST", url: req.url ?? "/", httpVersion: req.httpVersion, headers };
    try {
      parsed = httpSignature.parseRequest(requestLike, {
        clockSkew: clockSkew,
        headers: [...CAVAGE_POST_HEADERS],
      });
    } catch (e) {
      return { valid: false, error: `signature header: ${(e as Error).message}` };
    }
    const keyId = parsed.keyId;
    const digestError = checkDigest(headers.digest, raw);
    if (digestError) return { valid: false, error: digestError, keyId };

    let key = keyCache.get(keyId);
    const fromCache = key !== undefined;
    try {
      key ??= await fetchKey(keyId);
    } catch (e) {
      return { valid: false, error: (e as Error).message, keyId };
    }
    keyCache.set(keyId, key);
    let ok = verify(parsed, key.pem);
    if (!ok && fromCache) {
      // The sender may have rotated its key: refetch once, as Mastodon does.
      try {
        key = await fetchKey(keyId);
        keyCache.set(keyId, key);
        ok = verify(parsed, key.pem);
      } catch (e) {
        return { valid: false, error: (e as Error).message, keyId };
      }
    }
    return ok ? { valid: true, keyId, ...(key.owner ? { keyOwner: key.owner } : {}) } : { valid: false, error: "signature does not verify", keyId };
  }

  function verify(parsed: ParsedCavageSignature, pem: string): boolean {
    try {
      return httpSignature.verifySignature(parsed, pem);
    } catch {
      return false;
    }
  }

  async function acceptFollow(follow: Record<string, unknown>, local: PeerActor): Promise<void> {
    const followerId = idOf(follow.actor);
    if (!followerId) return;
    const res = await signedGet(followerId);
    if (!res.ok) throw new Error(`fetching follower ${followerId}: HTTP ${res.status}`);
    const follower = (await res.json()) as Record<string, unknown>;
    const inbox = idOf(follower.inbox);
    if (!inbox) throw new Error(`follower ${followerId} has no inbox`);
    followerIds.add(followerId);
    // Mastodon embeds the Follow it accepts.
    const accept = {
      "@context": AS_CONTEXT,
      id: `${local.actorId}#accepts/follows/${randomUUID()}`,
      type: "Accept",
      actor: local.actorId,
      object: { id: follow.id, type: "Follow", actor: followerId, object: local.actorId },
    };
    await post(inbox, accept, local === main() ? {} : { keyId: local.keyId, privateKeyPem: local.privateKeyPem });
  }

  async function handleInbox(req: IncomingMessage, res: ServerResponse, path: string, local: PeerActor | undefined): Promise<void> {
    const raw = await readBody(req);
    const headers = flattenHeaders(req);
    if (opts.acceptFirst) {
      // snac: 202 before anything is checked; what does not verify is dropped silently.
      res.writeHead(202, { "content-length": 0 });
      res.end();
    }
    const rawBody = raw.toString("utf8");
    let body: any;
    try {
      body = JSON.parse(rawBody);
    } catch {
      body = rawBody;
    }
    const v = await verifyInboxPost(req, headers, raw);
    const actorId = body && typeof body === "object" ? idOf((body as Record<string, unknown>).actor) : undefined;
    const signerMatchesActor = v.valid && v.keyOwner !== undefined && v.keyOwner === actorId;
    const status = v.valid || !rejectInvalid || opts.acceptFirst ? 202 : 401;
    const record: ReceivedActivity = {
      method: req.method ?? "POST",
      path,
      headers,
      rawBody,
      body,
      signatureValid: v.valid,
      ...(v.error !== undefined ? { error: v.error } : {}),
      ...(v.keyId !== undefined ? { keyId: v.keyId } : {}),
      ...(v.keyOwner !== undefined ? { keyOwner: v.keyOwner } : {}),
      signerMatchesActor,
      status,
      receivedAt: new Date(),
    };
    // Record before answering, so a test that awaited its POST sees it at once.
    received.push(record);
    events.emit("received", record);
    if (opts.inboxDelayMs) await new Promise((r) => setTimeout(r, opts.inboxDelayMs));
    if (opts.acceptFirst) {
      // Answered already.
    } else if (status === 202) {
      res.writeHead(202, { "content-length": 0 });
      res.end();
    } else {
      sendJson(res, 401, { error: v.error ?? "Request not signed" }, "application/json; charset=utf-8");
    }

    if (!signerMatchesActor || !body || typeof body !== "object") return;
    const activity = body as Record<string, unknown>;
    if (activity.type === "Undo") {
      const inner = activity.object;
      if (inner && typeof inner === "object" && (inner as Record<string, unknown>).type === "Follow" && actorId) {
        followerIds.delete(actorId);
      }
    }
    if (opts.autoAcceptFollows && activity.type === "Follow") {
      const target = [...actors.values()].find((a) => a.actorId === idOf(activity.object));
      if (target && (local === undefined || local === target)) {
        track(acceptFollow(activity, target)).catch((e: unknown) => {
          errors.push(e);
        });
      }
    }
  }

  // --- routing -----------------------------------------------------------------

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", origin);
    const path = url.pathname;
    requests.push({ method: req.method ?? "GET", path, userAgent: req.headers["user-agent"], headers: flattenHeaders(req) });
    const userMatch = /^\/users\/([^/]+)(\/(inbox|outbox|followers|following))?$/.exec(path);
    const user = userMatch ? actors.get(userMatch[1]!) : undefined;

    if (opts.actorDelayMs && req.method === "GET" && user && userMatch?.[2] === undefined) await new Promise((r) => setTimeout(r, opts.actorDelayMs));
    if (req.method === "POST") {
      if (path === "/inbox") return handleInbox(req, res, path, undefined);
      if (user && userMatch?.[3] === "inbox") return handleInbox(req, res, path, user);
      res.writeHead(404).end();
      return;
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD, POST" }).end();
      return;
    }

    if (path === "/.well-known/webfinger") {
      const resource = url.searchParams.get("resource");
      if (!resource) return sendJson(res, 400, { error: "resource is required" }, "application/json");
      const hostPort = new URL(origin).host;
      const found = [...actors.values()].find(
        (a) => resource === `acct:${a.username}@${hostPort}` || resource === `acct:${a.username}@${opts.host}` || resource === a.actorId || resource === `${origin}/@${a.username}`,
      );
      if (!found) return sendJson(res, 404, { error: "not found" }, "application/json");
      return sendJson(
        res,
        200,
        {
          subject: `acct:${found.username}@${hostPort}`,
          aliases: [`${origin}/@${found.username}`, found.actorId],
          links: [
            { rel: "http://webfinger.net/rel/profile-page", type: "text/html", href: `${origin}/@${found.username}` },
            { rel: "self", type: ACTIVITY_JSON, href: found.actorId },
          ],
        },
        "application/jrd+json; charset=utf-8",
      );
    }
    if (path === "/.well-known/nodeinfo") {
      return sendJson(
        res,
        200,
        {
          links: [{ rel: "http://nodeinfo.diaspora.software/ns/schema/2.0", href: `${origin}/nodeinfo/2.0` }],
        },
        "application/json",
      );
    }
    if (path === "/nodeinfo/2.0") {
      return sendJson(
        res,
        200,
        {
          version: "2.0",
          software: { name: "mastodon", version: "4.3.0" },
          protocols: ["activitypub"],
          services: { outbound: [], inbound: [] },
          usage: { users: { total: actors.size, activeMonth: 1, activeHalfyear: 1 }, localPosts: 0 },
          openRegistrations: false,
          metadata: { nodeName: "mastodon-peer (test)" },
        },
        'application/json; profile="http://nodeinfo.diaspora.software/ns/schema/2.0#"',
      );
    }
    if (user && !userMatch?.[2]) return sendJson(res, 200, actorDocument(user));
    if (user && userMatch?.[3] === "outbox") return sendJson(res, 200, collection(`${user.actorId}/outbox`, []));
    if (user && userMatch?.[3] === "following") return sendJson(res, 200, collection(`${user.actorId}/following`, []));
    if (user && userMatch?.[3] === "followers") {
      const ids = user === main() ? [...followerIds] : [];
      return sendJson(res, 200, collection(`${user.actorId}/followers`, ids));
    }
    const entry = served.get(path);
    if (entry) return sendJson(res, entry.status, entry.object);
    sendJson(res, 404, { error: "Record not found" }, "application/json");
  }

  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    handle(req, res).catch((e: unknown) => {
      const status = (e as { status?: number }).status ?? 500;
      if (!res.headersSent) sendJson(res, status, { error: (e as Error).message }, "application/json");
      else res.destroy();
    });
  };
  const server: Server = opts.tls ? createHttpsServer({ cert: opts.tls.certPem, key: opts.tls.keyPem }, listener) : createHttpServer(listener);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, opts.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  origin = `${scheme}://${opts.host}:${port}`;
  for (const name of [username, "mallory"] as const) {
    const actorId = `${origin}/users/${name}`;
    actors.set(name, { username: name, actorId, keyId: `${actorId}#main-key`, inbox: `${actorId}/inbox`, ...keys[name]! });
  }
  const me = main();

  function waitFor(predicate: (r: ReceivedActivity) => boolean, timeoutMs = 5000): Promise<ReceivedActivity> {
    const existing = received.find(predicate);
    if (existing) return Promise.resolve(existing);
    return new Promise((resolve, reject) => {
      const onReceived = (r: ReceivedActivity): void => {
        let hit: boolean;
        try {
          hit = predicate(r);
        } catch (e) {
          cleanup();
          reject(e);
          return;
        }
        if (hit) {
          cleanup();
          resolve(r);
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        const seen = received.map((r) => `${r.path} ${String(r.body?.type)} valid=${r.signatureValid}${r.error ? ` (${r.error})` : ""}`);
        reject(new Error(`mastodon-peer ${origin}: no matching POST within ${timeoutMs} ms; received: [${seen.join("; ")}]`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        events.off("received", onReceived);
      };
      events.on("received", onReceived);
    });
  }

  let closed = false;
  return {
    ...me,
    origin,
    host: opts.host,
    port,
    handle: `${username}@${opts.host}:${port}`,
    sharedInbox: `${origin}/inbox`,
    outbox: `${me.actorId}/outbox`,
    followers: `${me.actorId}/followers`,
    mallory: actors.get("mallory")!,
    received,
    requests,
    sent,
    errors,
    followerIds,
    waitFor,
    post,
    signedGet,
    newId: (kind = "activities") => `${origin}/${kind}/${randomUUID()}`,
    serve: (pathOrUrl, object, o) => {
      served.set(servedKey(pathOrUrl), { object, status: o?.status ?? 200 });
    },
    unserve: (pathOrUrl) => {
      served.delete(servedKey(pathOrUrl));
    },
    clearKeyCache: () => keyCache.clear(),
    close: async () => {
      if (closed) return;
      closed = true;
      // Auto-Accepts are bounded by their fetch timeouts.
      await Promise.allSettled([...pending]);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
