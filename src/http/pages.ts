import type { FastifyInstance } from "fastify";
import { findActorByHandle, isBody, listBodies } from "../community/actors.ts";
import { listMembers } from "../community/memberships.ts";
import { getThread, type ThreadNode } from "../community/posts.ts";
import { readRecord } from "../community/record.ts";
import { escapeHtml as e } from "../shared/text.ts";
import type { AppContext } from "../context.ts";
import { actorUri } from "../shared/uris.ts";

/** The page frame shared by every HTML page. */
export function layout(title: string, body: string, head = ""): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(title)}</title>${head}
<style>
body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#222}
header a{color:inherit;text-decoration:none}.kind{font-size:.8rem;text-transform:uppercase;letter-spacing:.08em;color:#666}
.card{border:1px solid #ddd;border-radius:8px;padding:.75rem 1rem;margin:.75rem 0}.meta{color:#666;font-size:.85rem}
.replies{margin-left:1.25rem;border-left:2px solid #eee;padding-left:.75rem}code{background:#f4f4f4;padding:0 .25rem}
</style></head><body><header><a href="/">Folkmoot</a></header><main>${body}</main></body></html>`;
}

function renderThread(node: ThreadNode): string {
  return `<article class="card"><div class="meta">${e(node.attributedTo)} · ${node.published.toISOString().slice(0, 16).replace("T", " ")}</div>${node.content}
${node.replies.length ? `<div class="replies">${node.replies.map(renderThread).join("")}</div>` : ""}</article>`;
}

export function pageRoutes(app: AppContext) {
  const origin = app.config.publicOrigin;
  return async (f: FastifyInstance) => {
    f.get("/", async (_req, reply) => {
      const bodies = await listBodies(app);
      const items = bodies
        .map((b) => `<li><a href="/@${e(b.handle)}">${e(b.name)}</a> <span class="kind">${e(b.kind)}</span> · ${b.members} member${b.members === 1 ? "" : "s"} · <code>@${e(b.handle)}@${e(origin.host)}</code></li>`)
        .join("");
      return reply.type("text/html; charset=utf-8").send(
        layout(
          app.config.instanceName,
          `<h1>${e(app.config.instanceName)}</h1><p>A Folkmoot instance: assemblies, councils and confederations that decide in the open. Follow a body from any fediverse account by its handle.</p>
<h2>Bodies</h2>${items ? `<ul>${items}</ul>` : "<p>No bodies yet.</p>"}
<p class="meta">API: <a href="/api/folkmoot/docs">/api/folkmoot/docs</a></p>`,
        ),
      );
    });

    f.get<{ Params: { handle: string } }>("/@:handle", async (req, reply) => {
      const actor = await findActorByHandle(app, req.params.handle);
      if (actor?.kind === "instance") return reply.redirect("/", 303);
      if (!actor) return reply.code(404).type("text/html; charset=utf-8").send(layout("Not found", "<h1>Not found</h1><p>No one here has that handle.</p>"));
      const uri = actorUri(origin, actor.id).href;
      const alt = `<link rel="alternate" type="application/activity+json" href="${e(uri)}">`;
      let extra = "";
      if (isBody(actor)) {
        const members = await listMembers(app, actor.handle);
        const record = await readRecord(app, actor.handle, { limit: 20 });
        const memberList = members.ok ? members.value.map((m) => `<li>${e(m.name ?? m.handle ?? m.uri)} <span class="meta">${e(m.handle ?? m.uri)}</span></li>`).join("") : "";
        const entries = record.ok
          ? record.value.items.map((i) => `<li><span class="kind">${e(i.type)}</span> ${i.object ? `<a href="${e(i.object)}">${e(i.object)}</a>` : ""} <span class="meta">${i.published.toISOString().slice(0, 16).replace("T", " ")}</span></li>`).join("")
          : "";
        extra = `<p><a href="/@${e(actor.handle)}/proposals">Proposals</a> · <a href="/@${e(actor.handle)}/decisions">Decisions</a></p>
<h2>Members (${members.ok ? members.value.length : 0})</h2>${memberList ? `<ul>${memberList}</ul>` : "<p>No members yet.</p>"}
<h2>Public record</h2>${entries ? `<ul>${entries}</ul>` : "<p>Nothing on the record yet.</p>"}`;
      }
      return reply.type("text/html; charset=utf-8").send(
        layout(
          `${actor.name} (@${actor.handle})`,
          `<div class="kind">${e(actor.kind)}${actor.manually_approves_followers ? " · approves followers" : ""}</div>
<h1>${e(actor.name)}</h1><p><code>@${e(actor.handle)}@${e(origin.host)}</code></p>
${actor.summary ? `<p>${e(actor.summary)}</p>` : ""}
<p class="meta">Follow it from Mastodon or any fediverse account by searching for its handle.</p>${extra}`,
          alt,
        ),
      );
    });

    f.get<{ Params: { id: string } }>("/notes/:id", async (req, reply) => {
      const row = await app.db.selectFrom("objects").select("uri").where("local_id", "=", req.params.id).executeTakeFirst();
      const thread = row ? await getThread(app, row.uri) : null;
      if (!thread?.ok) return reply.code(404).type("text/html; charset=utf-8").send(layout("Not found", "<h1>Not found</h1>"));
      return reply.type("text/html; charset=utf-8").send(layout("Post", renderThread(thread.value), `<link rel="alternate" type="application/activity+json" href="${e(thread.value.uri)}">`));
    });
  };
}
