import type { FastifyReply } from "fastify";
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
    ...(failure.field ? { fields: { [failure.field]: failure.message } } : {}),
  });
}

/** Sends a service result: the value (shaped by `present`) or the failure with its status. */
export function reply<T>(res: FastifyReply, result: Result<T>, present: (v: T) => unknown, status = 200) {
  if (!result.ok) return sendFailure(res, result.error);
  return res.code(status).send(present(result.value));
}
