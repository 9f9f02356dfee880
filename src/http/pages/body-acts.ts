import type { FastifyInstance, FastifyReply } from "fastify";
import { findActorById, findBody } from "../../community/actors.ts";
import type { AppContext } from "../../context.ts";
import { draftProposal, joinBody, leaveBody, replayBody, tableProposal } from "../../decisions/index.ts";
import { actorUri } from "../../shared/uris.ts";
import type { Failure } from "../../shared/result.ts";
import { failureInWords, requireSignedIn } from "./forms.ts";
import { isMessageKey, translator } from "./messages/index.ts";
import { renderBareMessage, sendPage } from "./render.ts";

// Joining and leaving a body from its page, and /me: my bodies and what waits for my vote.

const t = translator();
const FINAL = new Set(["passed", "rejected", "withdrawn", "tabled", "done"]);

/** A proposal's status in the catalogue's words (`status.<status>`). */
function statusWords(status: string): string {
  const key = `status.${status}`;
  return isMessageKey(key) ? t(key) : status;
}

/** What the body page's "membership" box shows a viewer. */
export interface MembershipBox {
  bodyHandle: string;
  signedIn: boolean;
  member: boolean;
  /** open: a Join button; by-decision: ask to join; null: a confederation (bodies join it by decision). */
  admission: "open" | "by-decision" | null;
}

export async function membershipBox(app: AppContext, viewerId: string | null, bodyHandle: string): Promise<MembershipBox | null> {
  const body = await findBody(app, bodyHandle);
  if (!body.ok) return null;
  const viewer = viewerId ? actorUri(app.config.publicOrigin, viewerId).href : null;
  const member =
    viewer !== null && (await app.db.selectFrom("memberships").select("id").where("body_id", "=", body.value.id).where("member_uri", "=", viewer).executeTakeFirst()) !== undefined;
  return {
    bodyHandle: body.value.handle,
    signedIn: viewer !== null,
    member,
    admission: body.value.kind === "confederation" ? null : body.value.admission,
  };
}

export function bodyActPages(app: AppContext) {
  const origin = app.config.publicOrigin;
  return async (f: FastifyInstance) => {
    const refused = async (reply: FastifyReply, status: number, why: string | Failure) =>
      reply
        .code(status)
        .type("text/html; charset=utf-8")
        .send(renderBareMessage(app.config.instanceName, t("page.notAvailable"), typeof why === "string" ? why : await failureInWords(app, why)));

    f.post<{ Params: { handle: string } }>("/@:handle/join", { preHandler: [requireSignedIn, f.csrfProtection] }, async (req, reply) => {
      const joined = await joinBody(app, req.actorId!, req.params.handle);
      if (!joined.ok) return refused(reply, joined.error.code === "not-found" ? 404 : joined.error.code === "forbidden" ? 403 : 409, joined.error);
      return reply.redirect(`/@${encodeURIComponent(req.params.handle)}?done=joined`, 303);
    });

    // Asking to join a body that admits by decision: the request is a membership proposal, put forward by the one asking.
    f.post<{ Params: { handle: string } }>("/@:handle/ask-to-join", { preHandler: [requireSignedIn, f.csrfProtection] }, async (req, reply) => {
      const body = await findBody(app, req.params.handle);
      if (!body.ok) return refused(reply, 404, body.error);
      const me = actorUri(origin, req.actorId!).href;
      const state = await replayBody(app, body.value.id);
      const pending = state
        ? [...state.proposals.values()].find((p) => p.kind === "membership" && (p.payload as { member?: unknown } | null)?.member === me && !FINAL.has(p.status))
        : undefined;
      if (pending) return refused(reply, 409, t("body.alreadyAsked"));
      const person = await findActorById(app, req.actorId!);
      const handle = `@${person?.handle ?? ""}`;
      const drafted = await draftProposal(app, me, body.value.handle, {
        kind: "membership",
        title: t("body.askTitle", { handle }),
        text: t("body.askText", { handle }),
        payload: { member: me },
      });
      if (!drafted.ok) return refused(reply, drafted.error.code === "forbidden" ? 403 : 409, drafted.error);
      const tabled = await tableProposal(app, me, body.value.handle, drafted.value.id);
      // Where the bylaws ask for seconds, the request waits as a draft for members to second it.
      if (!tabled.ok && tabled.error.refusal !== "needs-seconds") return refused(reply, 409, tabled.error);
      return reply.redirect(`/@${encodeURIComponent(body.value.handle)}/proposals/${encodeURIComponent(drafted.value.id)}?done=asked`, 303);
    });

    f.post<{ Params: { handle: string } }>("/@:handle/leave", { preHandler: [requireSignedIn, f.csrfProtection] }, async (req, reply) => {
      const left = await leaveBody(app, actorUri(origin, req.actorId!).href, req.params.handle);
      if (!left.ok) return refused(reply, left.error.code === "not-found" ? 404 : 409, left.error);
      return reply.redirect(`/@${encodeURIComponent(left.value.body)}?done=left`, 303);
    });

    f.get("/me", { preHandler: requireSignedIn }, async (req, reply) => {
      const me = actorUri(origin, req.actorId!).href;
      const rows = await app.db
        .selectFrom("memberships")
        .innerJoin("actors", "actors.id", "memberships.body_id")
        .select(["actors.id", "actors.handle", "actors.name", "actors.kind"])
        .where("memberships.member_uri", "=", me)
        .orderBy("actors.name")
        .execute();
      const awaiting: { title: string; href: string; body: string; closes: string }[] = [];
      const underWay: { title: string; href: string; body: string; status: string; next: string | null }[] = [];
      for (const b of rows) {
        const state = await replayBody(app, b.id);
        if (state === null) continue;
        for (const p of state.proposals.values()) {
          const id = p.id.slice(p.id.lastIndexOf("/") + 1);
          const href = `/@${b.handle}/proposals/${id}`;
          const open = p.openRounds.map((r) => p.rounds.get(r)).filter((r) => r !== undefined);
          for (const r of open) {
            if (p.roll?.has(me) && !r.ballots.has(me)) awaiting.push({ title: p.title, href, body: b.name, closes: `${r.closesAt.slice(0, 16).replace("T", " ")} UTC` });
          }
          if (!FINAL.has(p.status) && (p.status !== "draft" || p.author === me)) {
            underWay.push({
              title: p.title,
              href,
              body: b.name,
              status: statusWords(p.status),
              next: (p.stageEndsAt ?? p.deliberationEndsAt)?.slice(0, 16).replace("T", " ") ?? null,
            });
          }
        }
      }
      awaiting.sort((x, y) => x.closes.localeCompare(y.closes));
      return sendPage(app, req, reply, "me", {
        title: t("me.title"),
        bodies: rows.map((b) => ({ handle: b.handle, name: b.name, kind: b.kind })),
        awaiting,
        underWay: underWay.slice(0, 50),
      });
    });
  };
}
