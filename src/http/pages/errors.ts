import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { type MessageKey, translator } from "./messages/index.ts";
import { HTML, renderBareMessage } from "./render.ts";

const t = translator();

/** The catalogue's words for each status a page can fail with (other 4xx: the words for bad input). */
export const PAGE_ERROR_WORDS: Partial<Record<number, MessageKey>> = {
  401: "page.forbiddenText",
  403: "page.forbiddenText",
  404: "page.notFoundText",
  405: "page.invalidText",
  409: "page.conflictText",
  413: "page.tooLarge",
  429: "form.tooMany",
};

/**
 * The pages' error handler: a form sent without its CSRF token (or after its cookie went)
 * gets a page that says to try again, not JSON; anything else goes to the API's handler.
 */
export function sendPageError(instanceName: string) {
  return (error: FastifyError, req: FastifyRequest, reply: FastifyReply) => sendError(instanceName, error, req, reply);
}

function sendError(instanceName: string, error: FastifyError, req: FastifyRequest, reply: FastifyReply) {
  const csrf = typeof error.code === "string" && error.code.startsWith("FST_CSRF");
  const status = csrf ? 403 : error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
  if (status >= 500) req.log.error({ err: error }, "page failed");
  // Worded from the catalogue by kind: a framework's or library's English never reaches the page.
  const message = csrf ? t("form.csrf") : status >= 500 ? t("page.failed") : t(PAGE_ERROR_WORDS[status] ?? "page.invalidText", { minutes: 1 });
  const title = status === 404 ? t("page.notFound") : t("page.notAvailable");
  return reply
    .code(status)
    .type(HTML)
    .send(renderBareMessage(instanceName, title, message));
}

/** True when a browser asks for a page (HTML first in its Accept), not a program for JSON. */
export function wantsPage(req: FastifyRequest): boolean {
  const first =
    String(req.headers.accept ?? "")
      .split(",")[0]
      ?.trim()
      .toLowerCase() ?? "";
  return (req.method === "GET" || req.method === "HEAD") && (first === "text/html" || first === "application/xhtml+xml") && !req.url.startsWith("/api/");
}

/** A browser at an address with no page gets a page that says so in the catalogue's words, not JSON. */
export function sendPageNotFound(instanceName: string, reply: FastifyReply) {
  return reply
    .code(404)
    .type(HTML)
    .send(renderBareMessage(instanceName, t("page.notFound"), t("page.notFoundText")));
}
