import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { translator } from "./messages/index.ts";
import { HTML, renderBareMessage } from "./render.ts";

const t = translator();

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
  const message = csrf ? t("form.csrf") : status === 429 ? t("form.tooMany", { minutes: 1 }) : status >= 500 ? t("page.failed") : error.message;
  const title = status === 404 ? t("page.notFound") : t("page.notAvailable");
  return reply
    .code(status)
    .type(HTML)
    .send(renderBareMessage(instanceName, title, message));
}
