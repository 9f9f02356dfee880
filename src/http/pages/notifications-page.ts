import type { FastifyInstance } from "fastify";
import { lookUpHandles } from "../../community/actors.ts";
import { listNotifications, markNotificationsRead } from "../../community/notifications.ts";
import type { AppContext } from "../../context.ts";
import { httpUrl } from "./format.ts";
import { requireSignedIn } from "./forms.ts";
import { type MessageKey, translator } from "./messages/index.ts";
import { sendPage } from "./render.ts";

// /notifications: what happened that concerns me, newest first, each with a link to its page.

const t = translator();

export function notificationPages(app: AppContext) {
  return async (f: FastifyInstance) => {
    f.get("/notifications", { preHandler: requireSignedIn }, async (req, reply) => {
      const list = await listNotifications(app, req.actorId!);
      const proposals = list.map((n) => n.proposalUri).filter((u): u is string => u !== null);
      const pages = proposals.length
        ? await app.db
            .selectFrom("proposals")
            .innerJoin("actors", "actors.id", "proposals.body_id")
            .select(["proposals.uri", "proposals.id", "actors.handle"])
            .where("proposals.uri", "in", proposals)
            .execute()
        : [];
      const pageOf = new Map(pages.map((p) => [p.uri, `/@${p.handle}/proposals/${p.id}`]));
      const names = await lookUpHandles(
        app,
        list.map((n) => n.actorUri).filter((u): u is string => u !== null),
      );
      const local = await app.db
        .selectFrom("objects")
        .select(["uri", "local_id", "url"])
        .where(
          "uri",
          "in",
          list
            .map((n) => n.objectUri ?? "")
            .filter(Boolean)
            .concat(["-"]),
        )
        .execute();
      const objectPage = new Map(local.map((o) => [o.uri, o.local_id ? `/notes/${o.local_id}` : (o.url ?? o.uri)]));
      const items = list.map((n) => {
        // A refused act's proposal is on the other server: its address leads a browser to its page there.
        const href =
          n.kind === "reply"
            ? ((n.proposalUri ? pageOf.get(n.proposalUri) : undefined) ?? objectPage.get(n.objectUri ?? "") ?? "#")
            : n.kind === "act-refused"
              ? (httpUrl(n.proposalUri) ?? "#")
              : (pageOf.get(n.proposalUri ?? "") ?? "#");
        const who = names(n.actorUri ?? "") ?? n.actorUri ?? "";
        const text =
          n.kind === "vote-opened"
            ? t("notes.voteOpened", { title: n.title })
            : n.kind === "deadline-near"
              ? t("notes.deadlineNear", { title: n.title })
              : n.kind === "outcome"
                ? t("notes.outcome", { title: n.title })
                : n.kind === "follow"
                  ? t("notes.follow", { who })
                  : n.kind === "act-refused"
                    ? t("notes.actRefused", { who })
                    : t("notes.reply", { who });
        const detail =
          (n.kind === "vote-opened" || n.kind === "deadline-near") && n.detail
            ? t("notes.voteCloses", { when: `${n.detail.slice(0, 16).replace("T", " ")} UTC` })
            : n.kind === "outcome"
              ? t(`notes.outcome.${n.detail}` as MessageKey)
              : n.kind === "act-refused"
                ? t("notes.actRefusedWhy", { answer: n.detail })
                : "";
        return { href, text, detail, at: n.createdAt.toISOString().slice(0, 16).replace("T", " "), read: n.read };
      });
      const page = await sendPage(app, req, reply, "notifications", { title: t("notes.title"), items });
      return page;
    });

    f.post("/notifications/read", { preHandler: [requireSignedIn, f.csrfProtection] }, async (req, reply) => {
      await markNotificationsRead(app, req.actorId!);
      return reply.redirect("/notifications", 303);
    });
  };
}
