import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { FastifyInstance } from "fastify";

// The pages' one stylesheet, served as a file so their Content-Security-Policy needs
// no inline style. Its URL carries a hash of its content: a browser may keep it for a
// year, and a changed stylesheet gets a new URL.

const CSS = readFileSync(new URL("./folkmoot.css", import.meta.url));
const VERSION = createHash("sha256").update(CSS).digest("hex").slice(0, 12);

export const STYLESHEET_PATH = "/assets/folkmoot.css";
/** What the pages link to. */
export const STYLESHEET_HREF = `${STYLESHEET_PATH}?v=${VERSION}`;

export function stylesheet() {
  return async (f: FastifyInstance) => {
    f.get(STYLESHEET_PATH, { schema: { hide: true } }, async (_req, reply) =>
      reply.type("text/css; charset=utf-8").header("cache-control", "public, max-age=31536000, immutable").send(CSS),
    );
  };
}
