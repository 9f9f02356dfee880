import type { FastifyReply, FastifyRequest } from "fastify";
import type { Failure, Result } from "../shared/result.ts";

const STATUS: Record<Failure["code"], number> = {
  invalid: 400,
  unauthorized: 401,
  forbidden: 403,
  "not-found": 404,
  conflict: 409,
  unreachable: 502,
};
const TITLE: Record<number, string> = { 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 409: "Conflict", 502: "Bad Gateway" };

export function sendFailure(reply: FastifyReply, failure: Failure) {
  const status = STATUS[failure.code];
  return reply.code(status).send({
    error: TITLE[status],
    message: failure.message,
    ...(failure.fields ? { fields: failure.fields } : failure.field ? { fields: { [failure.field]: failure.message } } : {}),
  });
}

/** Sends a service result: the value (shaped by `present`) or the failure with its status. */
export function reply<T>(res: FastifyReply, result: Result<T>, present: (v: T) => unknown, status = 200) {
  if (!result.ok) return sendFailure(res, result.error);
  return res.code(status).send(present(result.value));
}

interface RouteError {
  validation?: { instancePath?: string; params?: Record<string, unknown>; message?: string }[];
  statusCode?: number;
  message: string;
}

/** Fastify's error handler: invalid input answers 400 with one message per field, for people and for forms; the rest keeps its status, and a 5xx hides its cause. */
export function sendRouteError(error: RouteError, req: FastifyRequest, reply: FastifyReply) {
  // The answer is JSON whatever type the failed reply had set (Fastify sends an object only as JSON).
  reply.type("application/json; charset=utf-8");
  if (error.validation) {
    const fields: Record<string, string> = {};
    for (const v of error.validation) {
      const missing = v.params?.missingProperty as string | undefined;
      const extra = v.params?.additionalProperty as string | undefined;
      const path = (v.instancePath ?? "").replace(/^\//, "").replaceAll("/", ".") || missing || extra || "(body)";
      const key = missing && path !== missing ? `${path ? `${path}.` : ""}${missing}` : path;
      fields[key] ??= extra ? "is not a known field" : missing ? "is required" : (v.message ?? "is invalid");
    }
    return reply.code(400).send({
      error: "Bad Request",
      message: `invalid input: ${Object.entries(fields)
        .map(([k, m]) => `${k} ${m}`)
        .join("; ")}`,
      fields,
    });
  }
  const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500;
  if (status >= 500) req.log.error({ err: error }, "request failed");
  return reply
    .code(status)
    .send({ error: status >= 500 ? "Internal Server Error" : "Request Error", message: status >= 500 ? "something went wrong; see the server log" : error.message });
}

/** Fastify's not-found handler. */
export function sendNoRoute(req: FastifyRequest, reply: FastifyReply) {
  return reply.code(404).send({ error: "Not Found", message: `no route for ${req.method} ${req.url.split("?")[0]}` });
}
