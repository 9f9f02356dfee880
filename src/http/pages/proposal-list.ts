import type { FastifyInstance } from "fastify";
import { findBody } from "../../community/actors.ts";
import type { AppContext } from "../../context.ts";
import { listProposals } from "../../decisions/index.ts";
import { bodyNav } from "./body-nav.ts";
import { timeOf, word } from "./format.ts";
import { translator } from "./messages/index.ts";
import { sendFailurePage, sendPage, viewerOf } from "./render.ts";

const t = translator();

/** A body's proposals (/@handle/proposals) with their stage and next deadline: the public view, whoever asks. */
export function proposalListPage(app: AppContext) {
  return async (f: FastifyInstance) => {
    f.get<{ Params: { handle: string } }>("/@:handle/proposals", async (req, reply) => {
      const body = await findBody(app, req.params.handle);
      if (!body.ok) return sendFailurePage(app, req, reply, body.error);
      const list = await listProposals(app, viewerOf(app, req), body.value.handle);
      if (!list.ok) return sendFailurePage(app, req, reply, list.error);
      const proposals = list.value.map((p) => ({
        href: new URL(p.url).pathname,
        title: p.title,
        kind: word(t, "pkind", p.kind),
        status: word(t, "status", p.status),
        nextDeadline: timeOf(p.nextDeadline),
      }));
      return sendPage(app, req, reply, "proposal-list", {
        title: t("list.title", { name: body.value.name }),
        nav: bodyNav(t, body.value.handle, body.value.name, "proposals"),
        proposals,
      });
    });
  };
}
