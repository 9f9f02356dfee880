import { readFileSync } from "node:fs";
import helmet from "@fastify/helmet";
import rateLimit from "@fastify/rate-limit";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import { sql } from "kysely";
import type { AppContext } from "../context.ts";
import { fedifyPlugin } from "../federation/fastify-plugin.ts";
import { authorizePages, mastodonApi } from "../mastodon/index.ts";
import { SOFTWARE_VERSION } from "../shared/version.ts";
import type { TokenIssuer } from "./auth.ts";
import { sendNoRoute, sendRouteError } from "./errors.ts";
import { accountPages } from "./pages/account.ts";
import { bodyActPages } from "./pages/body-acts.ts";
import { foundBodyPages } from "./pages/found-body.ts";
import { newProposalPages } from "./pages/new-proposal.ts";
import { notificationPages } from "./pages/notifications-page.ts";
import { adminPages } from "./pages/admin.ts";
import { sendPageError, sendPageNotFound, wantsPage } from "./pages/errors.ts";
import { homePage } from "./pages/home.ts";
import { notePage } from "./pages/note.ts";
import { documentPages } from "./pages/documents.ts";
import { profilePage } from "./pages/profile.ts";
import { proposalListPage } from "./pages/proposal-list.ts";
import { proposalPage } from "./pages/proposal.ts";
import { proposalActPages } from "./pages/proposal-acts.ts";
import { recordPage } from "./pages/record.ts";
import { sendPage } from "./pages/render.ts";
import { registerPage } from "./pages/register.ts";
import { stylesheet } from "./pages/stylesheet.ts";
import { registerWebSession } from "./pages/web-session.ts";
import { accountRoutes } from "./routes/accounts.ts";
import { activityPubRoutes } from "./routes/activitypub.ts";
import { bodyRoutes } from "./routes/bodies.ts";
import { confederationRoutes } from "./routes/confederation.ts";
import { decisionCommandRoutes } from "./routes/decision-commands.ts";
import { forkRoutes } from "./routes/forks.ts";
import { postRoutes } from "./routes/posts.ts";
import { proposalReadRoutes } from "./routes/proposals.ts";
import { remoteActRoutes } from "./routes/remote-acts.ts";
import { cspHeader, DOCS_CSP, PAGE_CSP, securityHeaders } from "./security-headers.ts";

/** The native API lives under its own prefix, clear of Mastodon's /api/v1 and /api/v2. */
export const API_PREFIX = "/api/folkmoot/v1";

/** The whole HTTP surface: Fedify's endpoints, the native API with its OpenAPI docs, HTML pages. */
export async function buildHttpApp(app: AppContext, tokens: TokenIssuer): Promise<FastifyInstance> {
  const https = app.config.tls ? { cert: readFileSync(app.config.tls.certFile), key: readFileSync(app.config.tls.keyFile) } : null;
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

  f.setErrorHandler(sendRouteError);
  // A browser at an address with no page gets an HTML page; programs get JSON.
  f.setNotFoundHandler((req, reply) => (wantsPage(req) ? sendPageNotFound(app.config.instanceName, reply) : sendNoRoute(req, reply)));

  // Before Fedify's hook, so its ActivityPub answers carry the headers too.
  await f.register(helmet, securityHeaders(app.config.publicOrigin));
  await f.register(fedifyPlugin, {
    federation: app.federation,
    contextData: () => app,
    origin: app.config.publicOrigin,
    originBudget: { perSecond: app.config.inboxOriginRate, burst: 10 * app.config.inboxOriginRate },
  });
  await f.register(rateLimit, { global: false });
  await f.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "Folkmoot API",
        version: SOFTWARE_VERSION,
        description: "The native API of a Folkmoot instance. Authenticate with POST /sessions and send the token as `Authorization: Bearer <token>`.",
      },
      servers: [{ url: app.config.publicOrigin.origin }],
      components: { securitySchemes: { bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT" } } },
    },
  });
  await f.register(swaggerUi, { routePrefix: "/api/folkmoot/docs", staticCSP: cspHeader(DOCS_CSP) });
  f.get("/api/folkmoot/openapi.json", { schema: { hide: true } }, async () => f.swagger());

  // Each resource's routes, in the order the docs list their tags.
  for (const routes of [accountRoutes, bodyRoutes, postRoutes, confederationRoutes, remoteActRoutes, proposalReadRoutes, decisionCommandRoutes, forkRoutes]) {
    await f.register(routes(app, tokens), { prefix: API_PREFIX });
  }
  await f.register(async (pages) => {
    // Cookies, forms and CSRF belong to the pages alone: the API takes bearer tokens only.
    await registerWebSession(pages, app, tokens);
    pages.setErrorHandler(sendPageError(app.config.instanceName));
    for (const page of [stylesheet, homePage, profilePage, notePage, proposalListPage, proposalPage, registerPage, recordPage, documentPages]) await pages.register(page(app));
    await pages.register(accountPages(app, tokens));
    await pages.register(proposalActPages(app));
    await pages.register(bodyActPages(app));
    await pages.register(newProposalPages(app));
    await pages.register(notificationPages(app));
    await pages.register(foundBodyPages(app));
    await pages.register(adminPages(app));
    // The OAuth consent page of the Mastodon client API, with the pages' sign-in and CSRF.
    const pageCsp = (formAction: string[]) => cspHeader({ ...PAGE_CSP, "form-action": [...PAGE_CSP["form-action"], ...formAction] });
    await pages.register(authorizePages(app, { sendPage, pageCsp }));
  });
  await f.register(mastodonApi(app));
  await f.register(activityPubRoutes(app));

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
