import type { FastifyInstance } from "fastify";
import { findBody } from "../../community/actors.ts";
import type { AppContext } from "../../context.ts";
import { replayBody } from "../../decisions/index.ts";
import { referralDocument, referralUrl } from "../../federation/confederal-documents.ts";
import { mandateDocument, mandateIdFromPath } from "../../federation/mandates.ts";
import { bodyNav } from "./body-nav.ts";
import { mandateActors, mandateView, referralActors, referralDetail } from "./body-views.ts";
import { peopleNamer } from "./format.ts";
import { translator } from "./messages/index.ts";
import { sendFailurePage, sendPage } from "./render.ts";

const t = translator();

// The pages of signed documents: a mandate a body gave, a referral a confederation put to
// its member bodies. Each shows the document in words and the signed document itself,
// with its address for `folkmoot verify`; a browser asking for the document's address
// is sent here (routes/activitypub.ts).

export function documentPages(app: AppContext) {
  const origin = app.config.publicOrigin;
  return async (f: FastifyInstance) => {
    f.get<{ Params: { handle: string; id: string } }>("/@:handle/mandates/:id", async (req, reply) => {
      const body = await findBody(app, req.params.handle);
      if (!body.ok) return sendFailurePage(app, req, reply, body.error);
      const missing = { code: "not-found" as const };
      const id = mandateIdFromPath(req.params.id);
      const state = await replayBody(app, body.value.id);
      const m = id ? state?.mandates.get(id) : undefined;
      if (!state || !m) return sendFailurePage(app, req, reply, missing);
      const doc = await mandateDocument(app, m.id);
      if (!doc) return sendFailurePage(app, req, reply, missing);
      const name = await peopleNamer(app, t, mandateActors(m));
      const mandate = mandateView(app, t, body.value.handle, state, m, name);
      return sendPage(app, req, reply, "mandate", {
        title: t("mandate.title", { delegate: mandate.delegate.label }),
        nav: bodyNav(t, body.value.handle, body.value.name, null),
        links: [{ rel: "alternate", type: "application/activity+json", href: mandate.document }],
        mandate,
        document: JSON.stringify(doc, null, 2),
      });
    });

    f.get<{ Params: { handle: string; id: string } }>("/@:handle/referrals/:id", async (req, reply) => {
      const body = await findBody(app, req.params.handle);
      if (!body.ok) return sendFailurePage(app, req, reply, body.error);
      const uri = referralUrl(origin, req.params.id).href;
      const state = await replayBody(app, body.value.id);
      const r = state?.referrals.get(uri);
      if (!r) return sendFailurePage(app, req, reply, { code: "not-found" });
      const doc = await referralDocument(app, uri);
      const name = await peopleNamer(app, t, referralActors(r));
      const referral = referralDetail(t, r, name);
      return sendPage(app, req, reply, "referral", {
        title: t("conf.referralTitle", { title: r.title }),
        nav: bodyNav(t, body.value.handle, body.value.name, null),
        links: [{ rel: "alternate", type: "application/activity+json", href: uri }],
        referral,
        address: uri,
        document: doc ? JSON.stringify(doc, null, 2) : null,
      });
    });
  };
}
