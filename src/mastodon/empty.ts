import type { FastifyInstance } from "fastify";
import type { AppContext } from "../context.ts";
import { authenticate } from "./http.ts";

// What apps call as they start, for features Folkmoot does not have: each answers with
// Mastodon's shape and nothing in it, rather than a 404 that makes an app give up.

export function emptyRoutes(app: AppContext) {
  return async (f: FastifyInstance) => {
    const empty = async () => [];
    for (const path of ["/api/v1/custom_emojis", "/api/v1/announcements", "/api/v1/trends", "/api/v1/trends/tags", "/api/v1/trends/statuses", "/api/v1/trends/links"]) {
      f.get(path, empty);
    }
    const user = (scope: string) => ({ preHandler: authenticate(app, { scope, user: true }) });
    f.get("/api/v1/filters", user("read:filters"), empty);
    f.get("/api/v2/filters", user("read:filters"), empty);
    f.get("/api/v1/lists", user("read:lists"), empty);
    f.get("/api/v1/followed_tags", user("read:follows"), empty);
    f.get("/api/v1/preferences", user("read:accounts"), async () => ({
      "posting:default:visibility": "public",
      "posting:default:sensitive": false,
      "posting:default:language": null,
      "reading:expand:media": "default",
      "reading:expand:spoilers": false,
      "reading:autoplay:gifs": false,
    }));
  };
}
