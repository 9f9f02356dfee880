import type { FastifyInstance, FastifyReply } from "fastify";
import { takeStatusAct } from "./status-acts.ts";
import { findActorByHandle, findActorById, isBody } from "../community/actors.ts";
import { deleteOwnPost } from "../community/post-deletion.ts";
import { bodyOfThread, postToBody } from "../community/posts.ts";
import type { AppContext } from "../context.ts";
import { htmlToText } from "../shared/text.ts";
import { actorUri, localActorId } from "../shared/uris.ts";
import { accountOf, authenticate, holderOf, params, sendError } from "./http.ts";
import { claimKey, keptStatus, releaseKey, settleKey } from "./idempotency.ts";
import { findStatus, maySee, type StatusRow, statusQuery, toStatuses } from "./status-entity.ts";
import { mentionsIn } from "./mentions.ts";

// Posting from an app: a status goes to a body (`@body` or `@body@this-host` in its text,
// or a reply in one of the body's threads, a proposal's included: that is its deliberation)
// through the same `postToBody` as the pages and the API: the post is the member's, the
// body passes it on to its followers. Reading one status and its thread; deleting one's own.

const NOT_FOUND = "Record not found";
const MAX_THREAD = 1000;
const MAX_DEPTH = 50;

/** The local bodies a text mentions (`@handle`, `@handle@this-host`), in order. */
async function mentionedBodies(app: AppContext, text: string): Promise<string[]> {
  const out: string[] = [];
  for (const mention of await mentionsIn(app, text)) {
    const actor = mention.here ? mention.actor : undefined;
    if (actor && isBody(actor) && !actor.deleted_at && !out.includes(actor.handle)) out.push(actor.handle);
  }
  return out;
}

/** The body a reply to `parent` belongs to: a proposal's own body, or the thread's. */
async function bodyOfParent(app: AppContext, parent: StatusRow): Promise<string | null> {
  const id = parent.proposal_id ? localActorId(app.config.publicOrigin, parent.attributed_to) : await bodyOfThread(app, parent.uri);
  const body = id ? await findActorById(app, id) : undefined;
  return body && isBody(body) ? body.handle : null;
}

export function statusRoutes(app: AppContext) {
  const origin = app.config.publicOrigin;

  async function one(row: StatusRow, viewer: string | null) {
    return (await toStatuses(app, [row], viewer))[0] ?? null;
  }

  async function post(me: string, p: Record<string, unknown>, reply: FastifyReply) {
    const text = typeof p.status === "string" ? p.status : "";
    const media = Array.isArray(p.media_ids) ? p.media_ids : p.media_ids ? [p.media_ids] : [];
    if (media.length > 0) return sendError(reply, 422, "Validation failed: Media are not supported here");
    if (p.poll !== undefined && p.poll !== null && p.poll !== "") return sendError(reply, 422, "Validation failed: Polls are made by tabling a proposal, not by posting");
    if (text.trim() === "") return sendError(reply, 422, "Validation failed: Text can't be blank");
    if (p.visibility !== undefined && p.visibility !== "public" && p.visibility !== "") {
      return sendError(reply, 422, "Validation failed: Posts to a body are public; other visibilities are not supported here");
    }
    let parent: StatusRow | null = null;
    if (typeof p.in_reply_to_id === "string" && p.in_reply_to_id) {
      parent = await findStatus(app, p.in_reply_to_id, me);
      if (!parent) return sendError(reply, 404, NOT_FOUND);
    }
    const body = (parent ? await bodyOfParent(app, parent) : null) ?? (await mentionedBodies(app, text))[0];
    if (!body) {
      return sendError(reply, 422, "Validation failed: Posts here go to a body: mention a body you belong to (@name) or reply in one of its threads");
    }
    // An act in hashtags (a vote with its reason, an objection, `#propose` …) is taken first;
    // refused, nothing is posted and the app shows why.
    const bodyRow = await findActorByHandle(app, body);
    const act = await takeStatusAct(app, me, text, { proposalId: parent?.proposal_id ?? null, bodyHandle: body, bodyId: bodyRow?.id ?? null });
    if (act && !act.ok) return sendError(reply, act.error.code === "not-found" ? 404 : 422, `Validation failed: ${act.error.message}`);
    if (act?.ok && parent === null) {
      // `#propose`: the status is the proposal itself, with its poll.
      const proposal = await statusQuery(app).where("objects.uri", "=", act.value.proposalUri).executeTakeFirst();
      if (proposal) return one(proposal, me);
    }
    const posted = await postToBody(app, me, body, {
      text,
      ...(parent ? { inReplyTo: parent.uri } : {}),
      ...(typeof p.spoiler_text === "string" ? { summary: p.spoiler_text } : {}),
    });
    if (!posted.ok) return sendError(reply, posted.error.code === "not-found" ? 404 : 422, `Validation failed: ${posted.error.message}`);
    const made = await statusQuery(app).where("objects.uri", "=", posted.value.uri).executeTakeFirst();
    return made ? one(made, me) : sendError(reply, 500, "Internal server error");
  }

  return async (f: FastifyInstance) => {
    f.post("/api/v1/statuses", { preHandler: authenticate(app, { scope: "write:statuses", user: true }) }, async (req, reply) => {
      const me = accountOf(req);
      const key = typeof req.headers["idempotency-key"] === "string" ? req.headers["idempotency-key"].slice(0, 200) : null;
      if (key) {
        const claim = await claimKey(app, me, key);
        if (claim === "in-flight") return sendError(reply, 409, "Another request with this Idempotency-Key is in progress");
        if (claim !== "claimed") {
          const kept = await keptStatus(app, claim);
          if (kept) return one(kept, me);
        }
      }
      try {
        const out = await post(me, params(req), reply);
        if (key) {
          if (reply.statusCode < 400 && out && "uri" in out && typeof out.uri === "string") await settleKey(app, me, key, out.uri);
          else await releaseKey(app, me, key);
        }
        return out;
      } catch (err) {
        if (key) await releaseKey(app, me, key);
        throw err;
      }
    });

    const read = { preHandler: authenticate(app, { scope: "read:statuses", optional: true }) };

    f.get<{ Params: { id: string } }>("/api/v1/statuses/:id", read, async (req, reply) => {
      const viewer = holderOf(req)?.actorId ?? null;
      const row = await findStatus(app, req.params.id, viewer);
      const entity = row ? await one(row, viewer) : null;
      return entity ?? sendError(reply, 404, NOT_FOUND);
    });

    f.get<{ Params: { id: string } }>("/api/v1/statuses/:id/context", read, async (req, reply) => {
      const viewer = holderOf(req)?.actorId ?? null;
      const row = await findStatus(app, req.params.id, viewer);
      if (!row) return sendError(reply, 404, NOT_FOUND);
      // Ancestors: up the chain of replies, oldest first.
      const ancestors: StatusRow[] = [];
      for (let uri = row.in_reply_to, depth = 0; uri && depth < MAX_DEPTH; depth++) {
        const up = await statusQuery(app).where("objects.uri", "=", uri).executeTakeFirst();
        if (!up) break;
        if (await maySee(app, up, viewer)) ancestors.unshift(up);
        uri = up.in_reply_to;
      }
      // Descendants: level by level, then in thread order (each reply after its parent).
      const children = new Map<string, StatusRow[]>();
      let frontier = [row.uri];
      let total = 0;
      for (let depth = 0; frontier.length > 0 && depth < MAX_DEPTH && total < MAX_THREAD; depth++) {
        const level = await statusQuery(app)
          .where("objects.in_reply_to", "in", frontier)
          .orderBy("objects.published")
          .limit(MAX_THREAD - total)
          .execute();
        total += level.length;
        for (const r of level) children.set(r.in_reply_to!, [...(children.get(r.in_reply_to!) ?? []), r]);
        frontier = level.map((r) => r.uri);
      }
      const descendants: StatusRow[] = [];
      const walk = async (uri: string) => {
        for (const c of children.get(uri) ?? []) {
          if (await maySee(app, c, viewer)) descendants.push(c);
          await walk(c.uri);
        }
      };
      await walk(row.uri);
      return { ancestors: await toStatuses(app, ancestors, viewer), descendants: await toStatuses(app, descendants, viewer) };
    });

    f.delete<{ Params: { id: string } }>("/api/v1/statuses/:id", { preHandler: authenticate(app, { scope: "write:statuses", user: true }) }, async (req, reply) => {
      const me = accountOf(req);
      const row = await findStatus(app, req.params.id, me);
      // Another's status is "not found", as Mastodon answers.
      if (!row || row.attributed_to !== actorUri(origin, me).href) return sendError(reply, 404, NOT_FOUND);
      const entity = await one(row, me);
      const deleted = await deleteOwnPost(app, me, row.uri);
      if (!deleted.ok || !entity) return sendError(reply, 404, NOT_FOUND);
      // Mastodon gives the deleted status back with its source text, for "delete and redraft".
      return { ...entity, text: htmlToText(row.content) };
    });
  };
}
