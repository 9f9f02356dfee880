import type { FastifyReply } from "fastify";
import type { Failure } from "../../shared/result.ts";
import { escapeHtml as e } from "../../shared/text.ts";
import { STYLESHEET_HREF } from "./stylesheet.ts";

export const HTML = "text/html; charset=utf-8";

/** The page frame shared by every HTML page. */
export function layout(title: string, body: string, head = ""): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(title)}</title>${head}
<link rel="stylesheet" href="${STYLESHEET_HREF}"></head><body><header><a href="/">Folkmoot</a></header><main>${body}</main></body></html>`;
}

/** A service's refusal as a page: 404 for what does not exist, 403 for a record one may not read, else 400. */
export function sendFailurePage(reply: FastifyReply, failure: Failure) {
  const status = failure.code === "not-found" ? 404 : failure.code === "unauthorized" || failure.code === "forbidden" ? 403 : 400;
  return reply
    .code(status)
    .type(HTML)
    .send(layout(status === 404 ? "Not found" : "Not available", `<h1>${status === 404 ? "Not found" : "Not available"}</h1><p>${e(failure.message)}</p>`));
}
