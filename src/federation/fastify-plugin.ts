import type { Federation } from "@fedify/fedify";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import type { AppContext } from "../context.ts";

export interface FedifyPluginOptions {
  federation: Federation<AppContext>;
  contextData: (req: FastifyRequest) => AppContext;
  /** The canonical public origin: RFC 9421 signs the target URI, so it must be the public one. */
  origin: URL;
  /** Largest inbox body accepted, in bytes. */
  maxInboxBytes?: number;
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
      const response = await opts.federation.fetch(request, {
        contextData: opts.contextData(req),
        onNotFound: () => {
          declined = 404;
          return new Response(null, { status: 404 });
        },
        onNotAcceptable: () => {
          declined = 406;
          return new Response(null, { status: 406 });
        },
      });
      if (declined !== null && body === undefined) {
        // A browser asking for an actor: show its page.
        if (declined === 406) {
          const target = await htmlAlternative(opts, url, req);
          if (target) return reply.redirect(target, 303);
        }
        return; // Fastify's router serves HTML, the API or its own 404.
      }
      return reply.send(response);
    });
  },
  { name: "folkmoot-fedify" },
);

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
