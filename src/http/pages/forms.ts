import type { FastifyReply, FastifyRequest } from "fastify";
import { lookUpHandles } from "../../community/actors.ts";
import type { AppContext } from "../../context.ts";
import type { Failure } from "../../shared/result.ts";
import { failureWords } from "./messages/index.ts";

// Small helpers every page form shares.

/** The named fields of a posted form, as trimmed-at-the-ends strings ("" when absent). Passwords are not trimmed. */
export function formFields<K extends string>(req: FastifyRequest, names: readonly K[]): Record<K, string> {
  const body = (req.body ?? {}) as Record<string, unknown>;
  const out = {} as Record<K, string>;
  for (const name of names) {
    const v = body[name];
    const s = typeof v === "string" ? v : Array.isArray(v) && typeof v[0] === "string" ? v[0] : "";
    out[name] = /password/i.test(name) ? s : s.trim();
  }
  return out;
}

/** A place on this site to go back to: a path, never another origin (`//host`, `/\host`). */
export function safeNext(value: unknown): string {
  return typeof value === "string" && /^\/(?![/\\])[^\s]*$/.test(value) && value.length <= 500 ? value : "";
}

/** preHandler: pages that need a signed-in person send others to the sign-in page, and back after. */
export async function requireSignedIn(req: FastifyRequest, reply: FastifyReply) {
  if (req.actorId) return;
  const back = req.method === "GET" ? req.url : (req.headers.referer && safeNext(new URL(req.headers.referer, "http://x").pathname)) || "/";
  return reply.redirect(`/signin?next=${encodeURIComponent(back)}`, 303);
}

/**
 * What a member reads when a form's act is refused: the catalogue's words for the failure's
 * reason code or the core's refusal code; only for a failure with no code the catalogue has,
 * the service's message with addresses turned into handles (a last resort, in English).
 */
export async function failureInWords(app: Pick<AppContext, "db" | "config">, failure: Failure): Promise<string> {
  return failureWords(failure) ?? inPlainWords(app, failure.message);
}

/** A service's message for people: the actor URIs in it become handles ("@dee is not a member of @garden"). */
export async function inPlainWords(app: Pick<AppContext, "db" | "config">, message: string): Promise<string> {
  const uris = message.match(/https?:\/\/[^\s,;)"']+/g) ?? [];
  if (uris.length === 0) return message;
  const handleOf = await lookUpHandles(app, uris);
  return message.replace(/https?:\/\/[^\s,;)"']+/g, (uri) => handleOf(uri) ?? uri);
}
