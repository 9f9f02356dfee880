import type { FastifyInstance } from "fastify";
import { findActorByHandle, isBody } from "../../community/actors.ts";
import { listMembers } from "../../community/memberships.ts";
import { readRecord } from "../../community/record.ts";
import { escapeHtml as e } from "../../shared/text.ts";
import type { AppContext } from "../../context.ts";
import { actorUri } from "../../shared/uris.ts";
import { membershipBox } from "./body-acts.ts";
import { HTML, layout } from "./layout.ts";
import { renderPartial } from "./render.ts";

/** An actor's profile page (/@handle); a body's also lists its members and its latest record. */
export function profilePage(app: AppContext) {
  const origin = app.config.publicOrigin;
  return async (f: FastifyInstance) => {
    f.get<{ Params: { handle: string } }>("/@:handle", async (req, reply) => {
      const actor = await findActorByHandle(app, req.params.handle);
      if (actor?.kind === "instance") return reply.redirect("/", 303);
      if (!actor) return reply.code(404).type(HTML).send(layout("Not found", "<h1>Not found</h1><p>No one here has that handle.</p>"));
      const uri = actorUri(origin, actor.id).href;
      const alt = `<link rel="alternate" type="application/activity+json" href="${e(uri)}">`;
      let extra = "";
      if (isBody(actor)) {
        const members = await listMembers(app, actor.handle);
        const record = await readRecord(app, actor.handle, { limit: 20 });
        const memberList = members.ok ? members.value.map((m) => `<li>${e(m.name ?? m.handle ?? m.uri)} <span class="meta">${e(m.handle ?? m.uri)}</span></li>`).join("") : "";
        const entries = record.ok
          ? record.value.items
              .map(
                (i) =>
                  `<li><span class="kind">${e(i.type)}</span> ${i.object ? `<a href="${e(i.object)}">${e(i.object)}</a>` : ""} <span class="meta">${i.published.toISOString().slice(0, 16).replace("T", " ")}</span></li>`,
              )
              .join("")
          : "";
        const box = await membershipBox(app, req.actorId, actor.handle);
        const membership = box ? renderPartial("bodies/membership", { box, csrf: reply.generateCsrf(), path: req.url.split("?")[0] }) : "";
        extra = `${membership}<p><a href="/@${e(actor.handle)}/proposals">Proposals</a> · <a href="/@${e(actor.handle)}/decisions">Decisions</a></p>
<h2>Members (${members.ok ? members.value.length : 0})</h2>${memberList ? `<ul>${memberList}</ul>` : "<p>No members yet.</p>"}
<h2>Public record</h2>${entries ? `<ul>${entries}</ul>` : "<p>Nothing on the record yet.</p>"}`;
      }
      return reply.type(HTML).send(
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
  };
}
