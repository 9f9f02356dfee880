import type { FastifyInstance } from "fastify";
import { listBodies } from "../../community/actors.ts";
import { escapeHtml as e } from "../../shared/text.ts";
import type { AppContext } from "../../context.ts";
import { HTML, layout } from "./layout.ts";

/** The instance's front page: its bodies and how to follow them. */
export function homePage(app: AppContext) {
  const origin = app.config.publicOrigin;
  return async (f: FastifyInstance) => {
    f.get("/", async (_req, reply) => {
      const bodies = await listBodies(app);
      const items = bodies
        .map(
          (b) =>
            `<li><a href="/@${e(b.handle)}">${e(b.name)}</a> <span class="kind">${e(b.kind)}</span> · ${b.members} member${b.members === 1 ? "" : "s"} · <code>@${e(b.handle)}@${e(origin.host)}</code></li>`,
        )
        .join("");
      return reply.type(HTML).send(
        layout(
          app.config.instanceName,
          `<h1>${e(app.config.instanceName)}</h1><p>A Folkmoot instance: assemblies, councils and confederations that decide in the open. Follow a body from any fediverse account by its handle.</p>
<h2>Bodies</h2>${items ? `<ul>${items}</ul>` : "<p>No bodies yet.</p>"}
<p class="meta">API: <a href="/api/folkmoot/docs">/api/folkmoot/docs</a></p>`,
        ),
      );
    });
  };
}
