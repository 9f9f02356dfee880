import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { AppContext } from "../../context.ts";
import { findActorById } from "../../community/actors.ts";
import { findProposal, proposalByUri, proposalPageUrl } from "../../decisions/index.ts";
import { decisionRecordDocument } from "../../federation/decision-record.ts";
import { mandateDocument, mandateIdFromPath } from "../../federation/mandates.ts";
import { localProposalUri, referralDocument, referralUrl, servedVerdict } from "../../federation/confederal-documents.ts";
import { contextDocument, CONTEXT_PATH } from "../../federation/vocab/context.ts";
import { questionDocument } from "../../federation/vocab/question.ts";

const AP_TYPES = /application\/(activity\+json|ld\+json)/;

function wantsActivityJson(req: FastifyRequest): boolean {
  return AP_TYPES.test(req.headers.accept ?? "");
}

/** A browser (asks for HTML, not for ActivityPub): it is sent to the page about the document. */
function wantsPage(req: FastifyRequest): boolean {
  return /text\/html/.test(req.headers.accept ?? "") && !wantsActivityJson(req);
}

/**
 * Objects Folkmoot serves itself rather than through Fedify's dispatchers,
 * because they carry extension properties Fedify's vocabulary would drop:
 * proposals (Questions with their full state) and the JSON-LD context.
 */
export function activityPubRoutes(app: AppContext) {
  return async (f: FastifyInstance) => {
    f.get(CONTEXT_PATH, async (_req, reply) => reply.type("application/ld+json").header("cache-control", "public, max-age=86400").send(contextDocument()));

    const serve = async (req: FastifyRequest<{ Params: { id: string; round?: string } }>, reply: FastifyReply) => {
      const round = req.params.round === undefined ? null : req.params.round;
      if (!wantsActivityJson(req)) {
        const ref = await findProposal(app, req.params.id);
        if (!ref) return reply.code(404).send({ error: "Not Found", message: "no such proposal" });
        return reply.redirect(proposalPageUrl(app.config.publicOrigin, ref.bodyHandle, ref.id).pathname, 303);
      }
      const doc = await questionDocument(app, req.params.id, round);
      if (!doc) return reply.code(404).type("application/activity+json").send({ error: "Not Found" });
      return reply.type("application/activity+json").header("vary", "Accept").send(doc);
    };
    f.get<{ Params: { id: string } }>("/ap/proposals/:id", serve);
    // The signed documents below are JSON for programs; a browser gets the page that shows them.
    const proposalPage = async (reply: FastifyReply, id: string) => {
      const ref = await findProposal(app, id);
      return ref ? reply.redirect(proposalPageUrl(app.config.publicOrigin, ref.bodyHandle, ref.id).pathname, 303) : null;
    };
    const referralPage = async (reply: FastifyReply, id: string) => {
      const row = await app.db.selectFrom("referrals").select(["body_id"]).where("uri", "=", referralUrl(app.config.publicOrigin, id).href).executeTakeFirst();
      const body = row ? await findActorById(app, row.body_id) : undefined;
      return body ? reply.redirect(`/@${body.handle}/referrals/${encodeURIComponent(id)}`, 303) : null;
    };
    f.get<{ Params: { id: string } }>("/ap/mandates/:id", async (req, reply) => {
      const id = mandateIdFromPath(req.params.id);
      if (id && wantsPage(req)) {
        const ref = await proposalByUri(app, id.split("#mandate:")[0] ?? "");
        if (ref) return reply.redirect(`/@${ref.bodyHandle}/mandates/${req.params.id}`, 303);
      }
      const doc = id ? await mandateDocument(app, id) : null;
      if (!doc) return reply.code(404).type("application/activity+json").send({ error: "Not Found" });
      return reply.type("application/activity+json").send(doc);
    });
    f.get<{ Params: { id: string } }>("/ap/proposals/:id/record", async (req, reply) => {
      if (wantsPage(req) && (await proposalPage(reply, req.params.id))) return reply;
      const doc = await decisionRecordDocument(app, req.params.id);
      if (!doc) return reply.code(404).type("application/activity+json").send({ error: "Not Found" });
      return reply.type("application/activity+json").send(doc);
    });
    f.get<{ Params: { id: string; round: string } }>("/ap/proposals/:id/rounds/:round", serve);
    const json = (reply: FastifyReply, doc: Record<string, unknown> | null) =>
      doc ? reply.type("application/activity+json").send(doc) : reply.code(404).type("application/activity+json").send({ error: "Not Found" });
    // Confederation: a referral (signed by the confederation) and verdicts (signed by member bodies).
    f.get<{ Params: { id: string } }>("/ap/referrals/:id", async (req, reply) => {
      if (wantsPage(req) && (await referralPage(reply, req.params.id))) return reply;
      return json(reply, await referralDocument(app, referralUrl(app.config.publicOrigin, req.params.id).href));
    });
    f.get<{ Params: { id: string } }>("/ap/referrals/:id/verdict", async (req, reply) => {
      if (wantsPage(req) && (await referralPage(reply, req.params.id))) return reply;
      return json(reply, await servedVerdict(app, referralUrl(app.config.publicOrigin, req.params.id).href));
    });
    f.get<{ Params: { id: string } }>("/ap/proposals/:id/verdict", async (req, reply) => {
      if (wantsPage(req) && (await proposalPage(reply, req.params.id))) return reply;
      return json(reply, await servedVerdict(app, localProposalUri(app, req.params.id)));
    });
  };
}
