import type { FastifyInstance } from "fastify";
import type { AppContext } from "../../context.ts";
import { readBodyRecord } from "../../decisions/index.ts";
import { bodyNav } from "./body-nav.ts";
import { translator } from "./messages/index.ts";
import { recordEntries } from "./record-entries.ts";
import { sendFailurePage, sendPage, viewerOf } from "./render.ts";

const t = translator();
const PAGE = 50;

/** A body's whole public record (/@handle/record), newest first, 50 entries a page (`?before=` pages on). */
export function recordPage(app: AppContext) {
  return async (f: FastifyInstance) => {
    f.get<{ Params: { handle: string }; Querystring: { before?: string } }>("/@:handle/record", async (req, reply) => {
      const raw = req.query.before;
      if (raw !== undefined && !/^\d{1,9}$/.test(raw)) return sendFailurePage(app, req, reply, { code: "invalid" }, t("record.badBefore"));
      const recorded = await readBodyRecord(app, viewerOf(app, req), req.params.handle, { limit: PAGE, ...(raw !== undefined ? { before: Number(raw) } : {}) });
      if (!recorded.ok) return sendFailurePage(app, req, reply, recorded.error);
      const { body, state, events, next } = recorded.value;
      return sendPage(app, req, reply, "record", {
        title: t("record.title", { name: body.name }),
        nav: bodyNav(t, body.handle, body.name, "record"),
        intro: t("record.intro", { name: body.name }),
        entries: await recordEntries(app, t, body.handle, state, events),
        older: next !== null ? `/@${body.handle}/record?before=${next}` : null,
        newest: raw !== undefined ? `/@${body.handle}/record` : null,
      });
    });
  };
}
