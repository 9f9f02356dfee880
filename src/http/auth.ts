import { randomBytes } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import { jwtVerify, SignJWT } from "jose";
import { findActorById } from "../community/actors.ts";
import type { AppContext } from "../context.ts";
import { actorUri } from "../shared/uris.ts";

const AUDIENCE = "folkmoot-api";
const TOKEN_LIFETIME_SECONDS = 30 * 24 * 3600;

export interface TokenIssuer {
  issue(actorId: string): Promise<{ token: string; expiresAt: Date }>;
  verify(token: string): Promise<string | null>;
}

/**
 * The signing secret comes from JWT_SECRET, or is generated once and kept in the
 * database so every web process of an instance shares it across restarts.
 */
export async function loadTokenSecret(app: Pick<AppContext, "db" | "config">): Promise<Uint8Array> {
  if (app.config.jwtSecret) return new TextEncoder().encode(app.config.jwtSecret);
  const fresh = randomBytes(32).toString("base64url");
  await app.db.insertInto("instance_secrets").values({ name: "jwt", value: fresh }).onConflict((oc) => oc.column("name").doNothing()).execute();
  const row = await app.db.selectFrom("instance_secrets").select("value").where("name", "=", "jwt").executeTakeFirstOrThrow();
  return new TextEncoder().encode(row.value);
}

export function createTokenIssuer(secret: Uint8Array, origin: URL): TokenIssuer {
  return {
    async issue(actorId) {
      const expiresAt = new Date(Date.now() + TOKEN_LIFETIME_SECONDS * 1000);
      const token = await new SignJWT({})
        .setProtectedHeader({ alg: "HS256", typ: "JWT" })
        .setSubject(actorId)
        .setIssuer(origin.origin)
        .setAudience(AUDIENCE)
        .setIssuedAt()
        .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
        .sign(secret);
      return { token, expiresAt };
    },
    async verify(token) {
      try {
        const { payload } = await jwtVerify(token, secret, { issuer: origin.origin, audience: AUDIENCE, algorithms: ["HS256"] });
        return typeof payload.sub === "string" ? payload.sub : null;
      } catch {
        return null;
      }
    },
  };
}

declare module "fastify" {
  interface FastifyRequest {
    actorId: string | null;
  }
}

/** preHandler for routes that need a signed-in local account. */
export function requireAccount(app: AppContext, tokens: TokenIssuer) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const header = req.headers.authorization ?? "";
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    const actorId = m?.[1] ? await tokens.verify(m[1]) : null;
    const actor = actorId ? await findActorById(app, actorId) : undefined;
    if (!actor || actor.kind !== "person") {
      reply.header("www-authenticate", 'Bearer realm="folkmoot"');
      return reply.code(401).send({ error: "Unauthorized", message: m ? "the token is invalid or expired" : "sign in first: send Authorization: Bearer <token>" });
    }
    req.actorId = actor.id;
  };
}

/** The actor URI of the account `requireAccount` let through: what the decision services take. */
export function signedInUri(origin: URL, req: FastifyRequest): string {
  return actorUri(origin, req.actorId!).href;
}

/** The signed-in person's URI if a valid token came with the request, else null: reading needs none. */
export function optionalViewer(tokens: TokenIssuer, origin: URL) {
  return async (req: FastifyRequest): Promise<string | null> => {
    const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "");
    const id = m?.[1] ? await tokens.verify(m[1]) : null;
    return id === null ? null : actorUri(origin, id).href;
  };
}
