import type { FastifyInstance } from "fastify";
import { getThread, type ThreadNode } from "../../community/posts.ts";
import { escapeHtml as e } from "../../community/text.ts";
import type { AppContext } from "../../context.ts";
import { HTML, layout } from "./layout.ts";

function renderThread(node: ThreadNode): string {
  return `<article class="card"><div class="meta">${e(node.attributedTo)} · ${node.published.toISOString().slice(0, 16).replace("T", " ")}</div>${node.content}
${node.replies.length ? `<div class="replies">${node.replies.map(renderThread).join("")}</div>` : ""}</article>`;
}

/** A local post's page (/notes/:id) with every reply below it. */
export function notePage(app: AppContext) {
  return async (f: FastifyInstance) => {
    f.get<{ Params: { id: string } }>("/notes/:id", async (req, reply) => {
      const row = await app.db.selectFrom("objects").select("uri").where("local_id", "=", req.params.id).executeTakeFirst();
      const thread = row ? await getThread(app, row.uri) : null;
      if (!thread?.ok) return reply.code(404).type(HTML).send(layout("Not found", "<h1>Not found</h1>"));
      return reply.type(HTML).send(layout("Post", renderThread(thread.value), `<link rel="alternate" type="application/activity+json" href="${e(thread.value.uri)}">`));
    });
  };
}
