import { fileURLToPath } from "node:url";
import type { FastifyReply, FastifyRequest } from "fastify";
import { Eta } from "eta";
import { findActorById } from "../../community/actors.ts";
import { unreadNotifications } from "../../community/notifications.ts";
import { signedInPerson } from "./web-session.ts";
import { isAdministrator } from "../../community/invitations.ts";
import type { AppContext } from "../../context.ts";
import type { Failure } from "../../shared/result.ts";
import { actorUri } from "../../shared/uris.ts";
import { failureWords, type MessageKey, translator } from "./messages/index.ts";
import { STYLESHEET_HREF } from "./stylesheet.ts";

// Pages are Eta templates (views/*.eta). `<%= %>` escapes what it prints; `<%~ %>` is
// kept for HTML that is already safe (another template's output, sanitised post content).

export const HTML = "text/html; charset=utf-8";

const eta = new Eta({
  views: fileURLToPath(new URL("./views", import.meta.url)),
  cache: true,
  autoTrim: [false, "nl"],
});

export type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

/** A field's error messages, by field name, for a form shown again. */
export type FieldErrors = Record<string, string>;

/** What every page's layout needs, besides its own data. */
export interface PageFrame {
  title: string;
  t: Translate;
  me: { handle: string; name: string; admin: boolean } | null;
  /** Unread notifications of the signed-in person. */
  unread: number;
  /** The token every form posts back (CSRF); empty where no form can be shown. */
  csrf: string;
  instanceName: string;
  stylesheet: string;
  /** Extra elements for <head> (rel=alternate, canonical), as [rel, href, type?]. */
  links: { rel: string; href: string; type?: string }[];
  /** A one-line notice after a redirect (e.g. "Your password is changed"). */
  notice: string | null;
  /** Where the page is, for sign-in's `next`. */
  path: string;
}

const NOTICES: Record<string, MessageKey> = {
  "password-changed": "account.passwordChanged",
  "session-ended": "account.sessionEnded",
  "account-deleted": "account.deleted",
  acted: "acts.done",
  joined: "body.joined",
  left: "body.left",
  asked: "body.asked",
  voted: "acts.voted",
  "invitation-made": "admin.invitations.madeNotice",
  "invitation-withdrawn": "admin.invitations.withdrawnNotice",
  "admin-granted": "admin.accounts.grantedNotice",
  "admin-revoked": "admin.accounts.revokedNotice",
  "origin-removed": "admin.remote.removedNotice",
  "settings-saved": "admin.settings.saved",
};

/** Renders a view inside the layout and sends it. */
export async function sendPage(
  app: AppContext,
  req: FastifyRequest,
  reply: FastifyReply,
  view: string,
  data: { title: string; links?: PageFrame["links"]; [key: string]: unknown },
  status = 200,
) {
  const t = translator();
  // The session hook already read the person; other pages (the consent page's scope) read them here.
  const me = signedInPerson(req) ?? (req.actorId ? await findActorById(app, req.actorId) : undefined);
  const csrf = typeof reply.generateCsrf === "function" ? reply.generateCsrf() : "";
  const noticeKey = NOTICES[String((req.query as Record<string, unknown> | undefined)?.done ?? "")];
  const frame: PageFrame = {
    title: data.title,
    t,
    unread: me ? await unreadNotifications(app, me.id) : 0,
    me: me ? { handle: me.handle, name: me.name, admin: await isAdministrator(app, me.id) } : null,
    csrf,
    instanceName: app.config.instanceName,
    stylesheet: STYLESHEET_HREF,
    links: data.links ?? [],
    notice: noticeKey ? t(noticeKey) : null,
    path: req.url.split("?")[0] ?? "/",
  };
  const html = eta.render(view, { ...data, ...frame, host: app.config.publicOrigin.host });
  return reply.code(status).type(HTML).header("cache-control", "no-store").send(html);
}

/** A page with only a heading and a message, for errors that come before the session is known. */
export function renderBareMessage(instanceName: string, title: string, message: string): string {
  const t = translator();
  const frame: PageFrame = { title, t, me: null, unread: 0, csrf: "", instanceName, stylesheet: STYLESHEET_HREF, links: [], notice: null, path: "/" };
  return eta.render("message", { ...frame, message, linkHref: "/", linkText: t("nav.home"), host: "" });
}

/** A partial's HTML, for a page still built outside a template. */
export function renderPartial(view: string, data: Record<string, unknown>): string {
  return eta.render(view, { t: translator(), ...data });
}

/** The catalogue's words for a kind of failure, when nothing more precise is known. */
const KIND_WORDS: Record<Failure["code"], MessageKey> = {
  "not-found": "page.notFoundText",
  forbidden: "page.forbiddenText",
  unauthorized: "page.forbiddenText",
  invalid: "page.invalidText",
  conflict: "page.conflictText",
  unreachable: "page.unreachableText",
};

/** What an error page says of a failure: the words of its reason or refusal code, else those of its kind; never the service's English. */
export function failurePageWords(failure: Pick<Failure, "code" | "reason" | "refusal">): string {
  return failureWords(failure) ?? translator()(KIND_WORDS[failure.code]);
}

/**
 * A service's refusal as a page: 404 for what does not exist, 403 for a record one may not
 * read, else 400. The page words it from the catalogue (see {@link failurePageWords}); a page
 * that knows better gives its own catalogue words as `words`.
 */
export function sendFailurePage(app: AppContext, req: FastifyRequest, reply: FastifyReply, failure: Pick<Failure, "code" | "reason" | "refusal">, words?: string) {
  const t = translator();
  const status = failure.code === "not-found" ? 404 : failure.code === "unauthorized" || failure.code === "forbidden" ? 403 : 400;
  const title = status === 404 ? t("page.notFound") : t("page.notAvailable");
  return sendPage(app, req, reply, "message", { title, message: words ?? failurePageWords(failure), linkHref: "/", linkText: t("nav.home") }, status);
}

/** Who reads the page, for records only members may read: the signed-in person's actor URI, or null. */
export function viewerOf(app: AppContext, req: FastifyRequest): string | null {
  return req.actorId ? actorUri(app.config.publicOrigin, req.actorId).href : null;
}
