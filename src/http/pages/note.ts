import type { FastifyInstance } from "fastify";
import { getLocalThread, type ThreadNode } from "../../community/posts.ts";
import type { AppContext } from "../../context.ts";
import { peopleNamer, timeOf } from "./format.ts";
import { translator } from "./messages/index.ts";
import { sendFailurePage, sendPage } from "./render.ts";
import { threadView, threadAuthors } from "./thread.ts";

const t = translator();

/** A local post's page (/notes/:id) with every reply below it. */
export function notePage(app: AppContext) {
  return async (f: FastifyInstance) => {
    f.get<{ Params: { id: string } }>("/notes/:id", async (req, reply) => {
      const thread = await getLocalThread(app, req.params.id);
      if (!thread.ok) return sendFailurePage(app, req, reply, thread.error);
      const root: ThreadNode = thread.value;
      const name = await peopleNamer(app, t, threadAuthors(root));
      const post = { ...threadView(root, name), at: timeOf(root.published) };
      return sendPage(app, req, reply, "note", {
        title: t("note.title"),
        post,
        links: [{ rel: "alternate", type: "application/activity+json", href: root.uri }],
      });
    });
  };
}
