import type { FastifyInstance } from "fastify";
import { listBodies } from "../../community/actors.ts";
import type { AppContext } from "../../context.ts";
import { word } from "./format.ts";
import { translator } from "./messages/index.ts";
import { sendPage } from "./render.ts";

const t = translator();

/** The instance's front page: its bodies and how to follow them. */
export function homePage(app: AppContext) {
  return async (f: FastifyInstance) => {
    f.get("/", async (req, reply) => {
      const bodies = (await listBodies(app)).map((b) => ({
        handle: b.handle,
        name: b.name,
        kind: word(t, "kind", b.kind),
        members: b.members === 1 ? t("home.oneMember") : t("home.members", { count: b.members }),
      }));
      return sendPage(app, req, reply, "home", { title: app.config.instanceName, bodies });
    });
  };
}
