import type { FastifyInstance } from "fastify";
import { findBody } from "../../community/actors.ts";
import { escapeHtml as e } from "../../shared/text.ts";
import type { AppContext } from "../../context.ts";
import { listProposals } from "../../decisions/index.ts";
import { STATUS_WORDS } from "../../decisions/labels.ts";
import { when } from "./format.ts";
import { HTML, layout, sendFailurePage } from "./layout.ts";

/** A body's proposals (/@handle/proposals) with their stage and next deadline: the public view, whoever asks. */
export function proposalListPage(app: AppContext) {
  return async (f: FastifyInstance) => {
    f.get<{ Params: { handle: string } }>("/@:handle/proposals", async (req, reply) => {
      const body = await findBody(app, req.params.handle);
      if (!body.ok) return sendFailurePage(reply, body.error);
      const list = await listProposals(app, null, body.value.handle);
      if (!list.ok) return sendFailurePage(reply, list.error);
      const items = list.value
        .map(
          (p) =>
            `<li><a href="${e(new URL(p.url).pathname)}">${e(p.title)}</a> <span class="kind">${e(p.kind)} · ${e(STATUS_WORDS[p.status] ?? p.status)}</span>${p.nextDeadline ? ` <span class="meta">next deadline ${when(p.nextDeadline)}</span>` : ""}</li>`,
        )
        .join("");
      return reply
        .type(HTML)
        .send(
          layout(
            `Proposals of ${body.value.name}`,
            `<p class="meta"><a href="/@${e(body.value.handle)}">${e(body.value.name)}</a> · <a href="/@${e(body.value.handle)}/decisions">decisions</a></p><h1>Proposals of ${e(body.value.name)}</h1>${items ? `<ul>${items}</ul>` : "<p>No proposals yet.</p>"}`,
          ),
        );
    });
  };
}
