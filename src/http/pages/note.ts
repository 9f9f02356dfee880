import type { FastifyInstance } from "fastify";
import { getLocalThread, type ThreadNode } from "../../community/posts.ts";
import { escapeHtml as e } from "../../shared/text.ts";
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
      const thread = await getLocalThread(app, req.params.id);
      if (!thread.ok) return reply.code(404).type(HTML).send(layout("Not found", "<h1>Not found</h1>"));
      return reply.type(HTML).send(layout("Post", renderThread(thread.value), `<link rel="alternate" type="application/activity+json" href="${e(thread.value.uri)}">`));
    });
  };
}
