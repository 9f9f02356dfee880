import type { FastifyInstance } from "fastify";
import type { AppContext } from "../context.ts";
import { accountListRoutes } from "./account-lists.ts";
import { accountRoutes } from "./accounts.ts";
import { emptyRoutes } from "./empty.ts";
import { hideFromOpenApi, mastodonErrorHandler, registerBodyParsers } from "./http.ts";
import { instanceRoutes } from "./instance.ts";
import { markerRoutes } from "./markers.ts";
import { notificationRoutes } from "./notifications.ts";
import { oauthRoutes } from "./oauth-routes.ts";
import { pollRoutes } from "./polls.ts";
import { searchRoutes } from "./search.ts";
import { statusRoutes } from "./statuses.ts";
import { streamingRoutes } from "./streaming.ts";
import { timelineRoutes } from "./timelines.ts";

/**
 * The Mastodon client API for local accounts (issue 11, docs/mastodon.md): /api/v1, /api/v2,
 * /oauth/token and /oauth/revoke, and the streaming API (WebSocket), in a scope of their own with form and multipart bodies
 * and Mastodon's error bodies. The consent page is the web app's (authorize-pages.ts).
 */
export function mastodonApi(app: AppContext) {
  return async (f: FastifyInstance) => {
    hideFromOpenApi(f);
    registerBodyParsers(f);
    f.setErrorHandler(mastodonErrorHandler);
    for (const routes of [
      instanceRoutes,
      oauthRoutes,
      accountRoutes,
      accountListRoutes,
      pollRoutes,
      statusRoutes,
      searchRoutes,
      timelineRoutes,
      markerRoutes,
      notificationRoutes,
      emptyRoutes,
      streamingRoutes,
    ])
      await f.register(routes(app));
  };
}

export type { PageTools, SendPage } from "./authorize-pages.ts";
export { authorizePages } from "./authorize-pages.ts";
export { MASTODON_VERSION } from "./instance.ts";
