import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { AppContext } from "../context.ts";
import { type TokenHolder, tokenHolder } from "./oauth.ts";
import { allows } from "./scopes.ts";

// What every route of the Mastodon API shares: the bodies apps send (JSON, form and
// multipart, with Rails' `name[]` lists), Mastodon's error bodies and the bearer token.

/** Form fields as Mastodon (Rails) reads them: `choices[]=0&choices[]=1` is a list. Files are not taken. */
export function fieldsOf(entries: Iterable<[string, unknown]>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of entries) {
    if (typeof value !== "string") continue;
    if (name.endsWith("[]")) {
      const key = name.slice(0, -2);
      const list = Array.isArray(out[key]) ? (out[key] as unknown[]) : [];
      list.push(value);
      out[key] = list;
    } else out[name] = value;
  }
  return out;
}

/** Form and multipart bodies, in this scope only (JSON is Fastify's own). */
export function registerBodyParsers(f: FastifyInstance): void {
  f.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "string", bodyLimit: 256 * 1024 }, (_req, body, done) => {
    done(null, fieldsOf(new URLSearchParams(body as string)));
  });
  f.addContentTypeParser("multipart/form-data", { parseAs: "buffer", bodyLimit: 1 << 20 }, (req, body, done) => {
    new Response(new Uint8Array(body as Buffer), { headers: { "content-type": String(req.headers["content-type"]) } })
      .formData()
      .then((form) => done(null, fieldsOf(form.entries())))
      .catch(() => done(Object.assign(new Error("the multipart body could not be read"), { statusCode: 400 }), undefined));
  });
}

/** The request's parameters: the body's, over the query's (Mastodon takes either). */
export function params(req: FastifyRequest): Record<string, unknown> {
  const body = req.body && typeof req.body === "object" && !Array.isArray(req.body) ? (req.body as Record<string, unknown>) : {};
  const query = Object.entries((req.query as Record<string, unknown>) ?? {}).flatMap(([k, v]) =>
    Array.isArray(v) ? v.map((x) => [k, x] as [string, unknown]) : [[k, v] as [string, unknown]],
  );
  return { ...fieldsOf(query), ...body };
}

/** Mastodon's error body: `{ "error": "…" }`. */
export function sendError(reply: FastifyReply, status: number, error: string, description?: string) {
  return reply
    .code(status)
    .type("application/json; charset=utf-8")
    .send(description === undefined ? { error } : { error, error_description: description });
}

/** Errors Fastify raises in this scope (a body it cannot parse, a limit) in Mastodon's shape. */
export function mastodonErrorHandler(error: { statusCode?: number; message: string }, req: FastifyRequest, reply: FastifyReply) {
  const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500;
  if (status >= 500) req.log.error({ err: error }, "request failed");
  return sendError(reply, status, status >= 500 ? "Internal server error" : error.message);
}

const holders = new WeakMap<FastifyRequest, TokenHolder>();

/** The token holder `authenticate` let through, if any. */
export function holderOf(req: FastifyRequest): TokenHolder | null {
  return holders.get(req) ?? null;
}

/** The account `authenticate({ user: true })` let through. */
export function accountOf(req: FastifyRequest): string {
  const id = holders.get(req)?.actorId;
  if (!id) throw new Error("accountOf needs authenticate({ user: true }) first");
  return id;
}

/**
 * preHandler: a live bearer token with `scope` (unless `optional` and none is sent), and
 * for `user` an account behind it. Statuses as Mastodon's: 401 without a valid token,
 * 403 outside the token's scopes, 422 for an app token where a user is needed.
 */
export function authenticate(app: Pick<AppContext, "db">, opts: { scope?: string; user?: boolean; optional?: boolean } = {}) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "");
    if (!m?.[1]) {
      if (opts.optional) return;
      reply.header("www-authenticate", 'Bearer realm="Doorkeeper", error="invalid_token", error_description="The access token is invalid"');
      return sendError(reply, 401, "The access token is invalid");
    }
    const holder = await tokenHolder(app, m[1]);
    if (!holder) {
      reply.header("www-authenticate", 'Bearer realm="Doorkeeper", error="invalid_token", error_description="The access token is invalid"');
      return sendError(reply, 401, "The access token is invalid");
    }
    if (opts.scope && !allows(holder.scopes, opts.scope)) {
      reply.header("www-authenticate", `Bearer realm="Doorkeeper", error="insufficient_scope", scope="${opts.scope}"`);
      return sendError(reply, 403, "This action is outside the authorized scopes");
    }
    if (opts.user && !holder.actorId) return sendError(reply, 422, "This method requires an authenticated user");
    holders.set(req, holder);
  };
}

/** Mastodon's API is documented by Mastodon: it stays out of the native API's OpenAPI document. */
export function hideFromOpenApi(f: FastifyInstance): void {
  f.addHook("onRoute", (route) => {
    route.schema = { ...route.schema, hide: true };
  });
}
