import type { Federation, KeyCache } from "@fedify/fedify";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import type { AppContext } from "../context.ts";
import { withFullPublicAddress } from "./vocab/public-address.ts";
import { warnOriginAtLimit } from "../community/origin-limits.ts";
import { authenticateInboxRequest, boundedKeyCache, OriginBudget, parseInboxBody, withTimeout, workCost, type BudgetOptions, type InboxRefusal } from "./inbox-guard.ts";

export interface FedifyPluginOptions {
  federation: Federation<AppContext>;
  contextData: (req: FastifyRequest) => AppContext;
  /** The canonical public origin: RFC 9421 signs the target URI, so it must be the public one. */
  origin: URL;
  /** Largest inbox body accepted, in bytes. */
  maxInboxBytes?: number;
  /** The JSON-LD work each remote origin may make the inbox do (inbox-guard.ts, `OriginBudget`). */
  originBudget?: BudgetOptions;
}

class PayloadTooLarge extends Error {}

/** Reads a request body, refusing (before buffering more) once it passes `limit` bytes. */
async function readLimited(req: FastifyRequest, limit: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"] ?? NaN);
  if (Number.isFinite(declared) && declared > limit) throw new PayloadTooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req.raw) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new PayloadTooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

const isInboxPath = (path: string) => path === "/ap/inbox" || /^\/ap\/actors\/[^/]+\/inbox$/.test(path);

/**
 * Hands ActivityPub, WebFinger and NodeInfo requests to Fedify and everything
 * else to Fastify's router. Only inbox POSTs have their raw body buffered
 * (signatures cover the exact bytes); other POSTs are parsed by Fastify.
 */
export const fedifyPlugin = fp<FedifyPluginOptions>(
  async (app: FastifyInstance, opts) => {
    const limit = opts.maxInboxBytes ?? 1 << 20;
    const keyCache = boundedKeyCache();
    const budget = new OriginBudget(opts.originBudget ?? { perSecond: 2_000, burst: 20_000 });
    // Fedify's loaders (cached in its KV store), made once: making them costs as much as checking a signature.
    let loaders: ReturnType<typeof inboxLoaders> | undefined;
    app.addHook("onRequest", async (req: FastifyRequest, reply: FastifyReply) => {
      const url = new URL(req.url, opts.origin);
      let body: Buffer | undefined;
      if (req.method !== "GET" && req.method !== "HEAD") {
        if (!isInboxPath(url.pathname)) return;
        try {
          body = await readLimited(req, limit);
        } catch (err) {
          if (err instanceof PayloadTooLarge) {
            // Before any parsing or signature work.
            reply.header("connection", "close");
            return reply.code(413).send({ error: "Payload Too Large", message: `an activity is at most ${limit} bytes` });
          }
          throw err;
        }
      } else if (!wantsFedify(url.pathname)) {
        return;
      }
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) {
        if (value === undefined) continue;
        for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
      }
      let declined: 404 | 406 | null = null;
      const request = new Request(url, { method: req.method, headers, body, duplex: "half" } as RequestInit);
      const contextData = opts.contextData(req);
      if (body !== undefined) {
        // Nothing the sender controls is processed before its signature verifies, and then
        // only as much as its origin's budget allows (inbox-guard.ts).
        const parsed = parseInboxBody(body);
        let refusal: InboxRefusal | null = parsed.ok ? null : parsed.refusal;
        if (parsed.ok) {
          loaders ??= inboxLoaders(opts, contextData, keyCache);
          const signed = await authenticateInboxRequest(request, body, loaders);
          if (!signed.ok) refusal = signed.refusal;
          else {
            const wait = budget.take(signed.signer, workCost(parsed.work));
            if (wait !== null) {
              warnOriginAtLimit(contextData.log, signed.signer, "inbox work", { work: parsed.work, retryAfter: wait });
              refusal = { status: 429, message: `too much from ${signed.signer} at once: try again in ${wait} s`, retryAfter: wait };
            }
          }
        }
        if (refusal !== null) {
          contextData.log.debug({ path: url.pathname, status: refusal.status, reason: refusal.message }, "inbox request refused before Fedify");
          if (refusal.retryAfter !== undefined) reply.header("retry-after", String(refusal.retryAfter));
          return reply.code(refusal.status).send({ error: STATUS_TEXT[refusal.status], message: refusal.message });
        }
      }
      let response: Response;
      try {
        response = await opts.federation.fetch(request, {
          contextData,
          onNotFound: () => {
            declined = 404;
            return new Response(null, { status: 404 });
          },
          onNotAcceptable: () => {
            declined = 406;
            return new Response(null, { status: 406 });
          },
        });
      } catch (err) {
        // Fedify throws on an authenticated activity it cannot read (a field of the wrong
        // type, an @context that cannot be loaded): the sender's fault, so 400, which peers
        // do not retry. Anything else (the database) stays a 500, logged with its stack.
        if (body === undefined || !isMalformedActivityError(err)) {
          contextData.log.error({ err, method: req.method, url: url.href }, "serving an ActivityPub request failed");
          throw err;
        }
        contextData.log.info({ path: url.pathname, reason: String(err) }, "malformed activity refused");
        return reply.code(400).send({ error: "Bad Request", message: `the activity cannot be read: ${String((err as Error).message ?? err).slice(0, 300)}` });
      }
      if (declined !== null && body === undefined) {
        // A browser asking for an actor: show its page.
        if (declined === 406) {
          const target = await htmlAlternative(opts, url, req);
          if (target) return reply.redirect(target, 303);
        }
        return; // Fastify's router serves HTML, the API or its own 404.
      }
      return sendBuffered(reply, body === undefined ? await servedInFull(response) : response);
    });
  },
  { name: "folkmoot-fedify" },
);

/**
 * Sends Fedify's answer as bytes, not as a stream. Fastify streams a `Response` body, and
 * when the sender has already gone (snac gives up a POST after 6 s, and its key can take
 * that long to fetch from snac itself) the cancelled stream reached the error handler
 * with the `Response`'s text/plain type still set: a 500 "request failed" logged for an
 * activity that had been taken in.
 */
async function sendBuffered(reply: FastifyReply, response: Response): Promise<FastifyReply> {
  const bytes = Buffer.from(await response.arrayBuffer());
  reply.code(response.status);
  response.headers.forEach((value, name) => {
    if (name !== "content-length") reply.header(name, value);
  });
  return reply.send(bytes);
}

/** Fedify's loaders (cached in its KV store), each fetch bounded in time. */
function inboxLoaders(opts: FedifyPluginOptions, contextData: AppContext, keyCache: KeyCache) {
  const ctx = opts.federation.createContext(opts.origin, contextData);
  return { documentLoader: withTimeout(ctx.documentLoader, FETCH_TIMEOUT_MS), contextLoader: withTimeout(ctx.contextLoader, FETCH_TIMEOUT_MS), keyCache };
}

/** Errors that mean an activity's content is malformed (not the server's failure). */
export function isMalformedActivityError(err: unknown): boolean {
  if (err instanceof TypeError || err instanceof RangeError || err instanceof SyntaxError) return true;
  const name = (err as { name?: unknown } | null)?.name;
  // jsonld.js names its errors "jsonld.SyntaxError", "jsonld.InvalidUrl", "jsonld.LoadDocumentError"…; a context fetch fails with FetchError.
  return typeof name === "string" && (name.startsWith("jsonld.") || name === "FetchError");
}

const STATUS_TEXT = { 400: "Bad Request", 401: "Unauthorized", 429: "Too Many Requests" } as const;

/** How long fetching a signer's key may take before the request is refused. */
const FETCH_TIMEOUT_MS = 10_000;

/** An ActivityPub document Fedify serves, with the public address as the full IRI (vocab/public-address.ts). */
async function servedInFull(response: Response): Promise<Response> {
  if (response.status !== 200 || !/application\/(activity\+json|ld\+json)/.test(response.headers.get("content-type") ?? "")) return response;
  const text = await response.text();
  const headers = new Headers(response.headers);
  headers.delete("content-length");
  // Most documents (actors, keys) name no compact public address: served as they are.
  if (!text.includes('"as:Public"') && !text.includes('"Public"')) return new Response(text, { status: response.status, headers });
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return new Response(text, { status: response.status, headers });
  }
  return new Response(JSON.stringify(withFullPublicAddress(doc)), { status: response.status, headers });
}

function wantsFedify(path: string): boolean {
  return path.startsWith("/ap/") || path.startsWith("/.well-known/") || path.startsWith("/nodeinfo/");
}

async function htmlAlternative(opts: FedifyPluginOptions, url: URL, req: FastifyRequest): Promise<string | null> {
  const m = /^\/ap\/actors\/([^/]+)$/.exec(url.pathname);
  const app = opts.contextData(req);
  if (m?.[1]) {
    const row = await app.db.selectFrom("actors").select("handle").where("id", "=", decodeURIComponent(m[1])).executeTakeFirst();
    return row ? `/@${row.handle}` : null;
  }
  const n = /^\/ap\/notes\/([^/]+)$/.exec(url.pathname);
  if (n?.[1]) return `/notes/${n[1]}`;
  return null;
}
