import { randomBytes } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import { jwtVerify, SignJWT } from "jose";
import { findActorById } from "../community/actors.ts";
import { liveSession, openSession } from "../community/sessions.ts";
import type { AppContext } from "../context.ts";
import { actorUri } from "../shared/uris.ts";

const AUDIENCE = "folkmoot-api";
const TOKEN_LIFETIME_SECONDS = 30 * 24 * 3600;

export interface TokenIssuer {
  /** Opens a session for the account and signs its token; `label` says what signed in (a user agent). */
  issue(actorId: string, label?: string): Promise<{ token: string; sessionId: string; expiresAt: Date }>;
  /** The account and session behind a token; null if the token is forged or expired, or its session has ended. */
  session(token: string): Promise<{ actorId: string; sessionId: string } | null>;
  /** The account behind a token, as `session`. */
  verify(token: string): Promise<string | null>;
}

/**
 * The signing secret comes from JWT_SECRET, or is generated once and kept in the
 * database so every web process of an instance shares it across restarts.
 */
export async function loadTokenSecret(app: Pick<AppContext, "db" | "config">): Promise<Uint8Array> {
  if (app.config.jwtSecret) return new TextEncoder().encode(app.config.jwtSecret);
  const fresh = randomBytes(32).toString("base64url");
  await app.db
    .insertInto("instance_secrets")
    .values({ name: "jwt", value: fresh })
    .onConflict((oc) => oc.column("name").doNothing())
    .execute();
  const row = await app.db.selectFrom("instance_secrets").select("value").where("name", "=", "jwt").executeTakeFirstOrThrow();
  return new TextEncoder().encode(row.value);
}

/**
 * Tokens are JWTs signed with the instance secret, each naming its session (`jti`): a token
 * is honoured only while its session row is live, so signing out, ending one session or
 * changing the password takes effect at once without changing the secret.
 */
export function createTokenIssuer(secret: Uint8Array, origin: URL, ctx: Pick<AppContext, "db">): TokenIssuer {
  async function session(token: string) {
    let claims: { sub?: unknown; jti?: unknown };
    try {
      ({ payload: claims } = await jwtVerify(token, secret, { issuer: origin.origin, audience: AUDIENCE, algorithms: ["HS256"] }));
    } catch {
      return null;
    }
    if (typeof claims.sub !== "string" || typeof claims.jti !== "string") return null;
    const live = await liveSession(ctx, claims.jti);
    return live && live.actorId === claims.sub ? { actorId: live.actorId, sessionId: claims.jti } : null;
  }
  return {
    async issue(actorId, label = "") {
      const expiresAt = new Date(Date.now() + TOKEN_LIFETIME_SECONDS * 1000);
      const sessionId = randomBytes(18).toString("base64url");
      await openSession(ctx, { id: sessionId, actorId, label, expiresAt });
      const token = await new SignJWT({})
        .setProtectedHeader({ alg: "HS256", typ: "JWT" })
        .setSubject(actorId)
        .setJti(sessionId)
        .setIssuer(origin.origin)
        .setAudience(AUDIENCE)
        .setIssuedAt()
        .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
        .sign(secret);
      return { token, sessionId, expiresAt };
    },
    session,
    async verify(token) {
      return (await session(token))?.actorId ?? null;
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
    const session = m?.[1] ? await tokens.session(m[1]) : null;
    const actor = session ? await findActorById(app, session.actorId) : undefined;
    if (!session || !actor || actor.kind !== "person") {
      reply.header("www-authenticate", 'Bearer realm="folkmoot"');
      return reply.code(401).send({ error: "Unauthorized", message: m ? "the token is invalid, expired or signed out" : "sign in first: send Authorization: Bearer <token>" });
    }
    req.actorId = actor.id;
    sessions.set(req, session.sessionId);
  };
}

// The session `requireAccount` let through, per request: no request decoration to declare app-wide.
const sessions = new WeakMap<FastifyRequest, string>();

/** The id of the session whose token `requireAccount` accepted for this request. */
export function currentSessionId(req: FastifyRequest): string {
  const id = sessions.get(req);
  if (id === undefined) throw new Error("currentSessionId needs requireAccount first");
  return id;
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
