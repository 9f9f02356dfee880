import { readFileSync } from "node:fs";
import rateLimit from "@fastify/rate-limit";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import { sql } from "kysely";
import type { AppContext } from "../context.ts";
import { fedifyPlugin } from "../federation/fastify-plugin.ts";
import { SOFTWARE_VERSION } from "../shared/version.ts";
import { API_PREFIX, apiRoutes } from "./api.ts";
import type { TokenIssuer } from "./auth.ts";
import { federationRoutes } from "./federation-routes.ts";
import { decisionPageRoutes } from "./decision-pages.ts";
import { decisionApiRoutes } from "./decisions-api.ts";
import { forkApiRoutes } from "./fork-api.ts";
import { pageRoutes } from "./pages.ts";

/** The whole HTTP surface: Fedify's endpoints, the native API with its OpenAPI docs, HTML pages. */
export async function buildHttpApp(app: AppContext, tokens: TokenIssuer): Promise<FastifyInstance> {
  const https = app.config.tls
    ? { cert: readFileSync(app.config.tls.certFile), key: readFileSync(app.config.tls.keyFile) }
    : null;
  const f = Fastify({
    ...(https ? { https } : {}),
    loggerInstance: app.log.child({ component: "http" }) as FastifyBaseLogger,
    genReqId: (req) => {
      const given = req.headers["x-request-id"];
      return typeof given === "string" && /^[\w.-]{1,64}$/.test(given) ? given : crypto.randomUUID();
    },
    bodyLimit: 1 << 20,
    // Behind a TLS proxy (Fly, nginx) the client address comes from X-Forwarded-For.
    // (Fastify accepts a hop count at run time; its types only list the other forms.)
    ...(app.config.trustProxyHops > 0 ? { trustProxy: app.config.trustProxyHops as unknown as boolean } : {}),
    connectionTimeout: 30_000,
    requestTimeout: 60_000,
    ajv: { customOptions: { allErrors: true, coerceTypes: "array", removeAdditional: false } },
    // Mandate ids in URLs carry two URIs (base64url): longer than the default 100.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 1000 },
  });
  f.decorateRequest("actorId", null);
  f.addHook("onSend", async (req, reply) => {
    reply.header("x-request-id", req.id);
  });

  // One message per field, for people and for forms.
  f.setErrorHandler((error: { validation?: { instancePath?: string; params?: Record<string, unknown>; message?: string }[]; statusCode?: number; message: string }, req, reply) => {
    if (error.validation) {
      const fields: Record<string, string> = {};
      for (const v of error.validation) {
        const missing = v.params?.missingProperty as string | undefined;
        const extra = v.params?.additionalProperty as string | undefined;
        const path = (v.instancePath ?? "").replace(/^\//, "").replaceAll("/", ".") || missing || extra || "(body)";
        const key = missing && path !== missing ? `${path ? `${path}.` : ""}${missing}` : path;
        fields[key] ??= extra ? "is not a known field" : missing ? "is required" : (v.message ?? "is invalid");
      }
      return reply.code(400).send({ error: "Bad Request", message: `invalid input: ${Object.entries(fields).map(([k, m]) => `${k} ${m}`).join("; ")}`, fields });
    }
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500;
    if (status >= 500) req.log.error({ err: error }, "request failed");
    return reply.code(status).send({ error: status >= 500 ? "Internal Server Error" : "Request Error", message: status >= 500 ? "something went wrong; see the server log" : error.message });
  });
  f.setNotFoundHandler((req, reply) => reply.code(404).send({ error: "Not Found", message: `no route for ${req.method} ${req.url.split("?")[0]}` }));

  await f.register(fedifyPlugin, { federation: app.federation, contextData: () => app, origin: app.config.publicOrigin });
  await f.register(rateLimit, { global: false });
  await f.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: { title: "Folkmoot API", version: SOFTWARE_VERSION, description: "The native API of a Folkmoot instance. Authenticate with POST /sessions and send the token as `Authorization: Bearer <token>`." },
      servers: [{ url: app.config.publicOrigin.origin }],
      components: { securitySchemes: { bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT" } } },
    },
  });
  await f.register(swaggerUi, { routePrefix: "/api/folkmoot/docs" });
  f.get("/api/folkmoot/openapi.json", { schema: { hide: true } }, async () => f.swagger());

  await f.register(apiRoutes(app, tokens), { prefix: API_PREFIX });
  await f.register(decisionApiRoutes(app, tokens), { prefix: API_PREFIX });
  await f.register(forkApiRoutes(app, tokens), { prefix: API_PREFIX });
  await f.register(pageRoutes(app));
  await f.register(decisionPageRoutes(app));
  await f.register(federationRoutes(app));

  f.get("/healthz", { schema: { hide: true } }, async (_req, reply) => {
    await sql`select 1`.execute(app.db);
    return reply.send({ status: "ok" });
  });
  return f;
}

/**
 * Stops accepting connections and waits for requests in flight. A keep-alive connection
 * that finished a request after the close began would otherwise stay open for the whole
 * keep-alive timeout (72 s), so idle connections are closed as they turn idle, and after
 * `graceMs` whatever is left is cut.
 */
export async function closeGracefully(http: FastifyInstance, graceMs = 10_000): Promise<void> {
  const closed = http.close();
  const idle = setInterval(() => http.server.closeIdleConnections(), 100);
  const cut = setTimeout(() => http.server.closeAllConnections(), graceMs);
  try {
    await closed;
  } finally {
    clearInterval(idle);
    clearTimeout(cut);
  }
}
