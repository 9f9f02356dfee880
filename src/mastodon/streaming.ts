import websocket from "@fastify/websocket";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { WebSocket } from "ws";
import { StreamHub } from "../community/stream-events.ts";
import type { AppContext } from "../context.ts";
import { sendError } from "./http.ts";
import { type TokenHolder, tokenHolder } from "./oauth.ts";
import { allows } from "./scopes.ts";
import { type Connection, dispatcher, parseSubscription, subscriptionKey } from "./stream-dispatch.ts";

// Mastodon's streaming API over WebSocket (docs/mastodon.md, "Streaming"): one socket per
// app, `stream` in the query or `subscribe` messages, events as they are recorded
// (src/community/stream-events.ts). Pings keep it alive; a token ended elsewhere closes it.

export interface StreamingOptions {
  /** Ping and token check interval (Mastodon's streaming server pings every 30 s). */
  heartbeatMs?: number;
  /** Open sockets one token may hold at once. */
  maxPerToken?: number;
}

/** Close code when the token was revoked or its session ended (4000–4999 are the application's). */
export const CLOSE_TOKEN_ENDED = 4001;

/** The token as Mastodon's streaming server accepts it: the Authorization header, `access_token`, or `Sec-WebSocket-Protocol`. */
function tokenOf(req: FastifyRequest): string | null {
  const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "")?.[1];
  if (bearer) return bearer;
  const query = (req.query as Record<string, unknown>).access_token;
  if (typeof query === "string" && query) return query;
  const protocol = req.headers["sec-websocket-protocol"]?.split(",")[0]?.trim();
  return protocol || null;
}

export function streamingRoutes(app: AppContext, opts: StreamingOptions = {}) {
  const heartbeatMs = opts.heartbeatMs ?? 30_000;
  const maxPerToken = opts.maxPerToken ?? 8;
  return async (f: FastifyInstance) => {
    await f.register(websocket, { options: { maxPayload: 16 * 1024 } });
    const hub = new StreamHub(app.database, app.log);
    const connections = new Set<Connection>();
    const dispatch = dispatcher(app, connections, async (c) => (await tokenHolder(app, c.token)) !== null);
    let listening: Promise<unknown> | null = null;
    const holders = new WeakMap<FastifyRequest, { token: string; holder: TokenHolder }>();

    const heartbeat = setInterval(() => {
      for (const c of connections) {
        // A socket being closed (a revoked token) finishes its closing handshake, so the
        // app reads why; ws ends it if the other side never answers.
        if (c.socket.readyState !== c.socket.OPEN) continue;
        if (!c.alive) {
          c.socket.terminate();
          continue;
        }
        c.alive = false;
        c.socket.ping();
        void tokenHolder(app, c.token).then(
          (holder) => {
            if (holder === null) c.socket.close(CLOSE_TOKEN_ENDED, "The access token was revoked");
          },
          (err: unknown) => app.log.warn({ err }, "checking a streaming token failed"),
        );
      }
    }, heartbeatMs);
    heartbeat.unref();
    f.addHook("onClose", async () => {
      clearInterval(heartbeat);
      await hub.close();
    });

    f.get("/api/v1/streaming/health", async (_req, reply) => reply.type("text/plain; charset=utf-8").send("OK"));

    async function admit(req: FastifyRequest, reply: FastifyReply) {
      const token = tokenOf(req);
      const holder = token ? await tokenHolder(app, token) : null;
      if (!token || !holder) return sendError(reply, 401, "Error: Invalid access token");
      if (!allows(holder.scopes, "read:statuses") && !allows(holder.scopes, "read:notifications")) {
        return sendError(reply, 401, "Error: Access token does not have the required scopes");
      }
      const q = req.query as Record<string, unknown>;
      if (q.stream !== undefined) {
        const sub = parseSubscription(q.stream, q.tag ?? q.list, holder);
        if (typeof sub === "string") return sendError(reply, 400, sub);
      }
      if ([...connections].filter((c) => c.token === token).length >= maxPerToken) {
        return sendError(reply, 429, `Error: at most ${maxPerToken} streaming connections per access token`);
      }
      // The socket opens only once the database listens: nothing recorded after it is missed.
      listening ??= hub.subscribe((event) => dispatch(event));
      await listening;
      holders.set(req, { token, holder });
    }

    f.route({
      method: "GET",
      url: "/api/v1/streaming",
      preHandler: admit,
      // Server-sent events (/api/v1/streaming/user and the like) are not served: WebSocket only.
      handler: async (_req, reply) => sendError(reply, 400, "Error: this endpoint streams over WebSocket only"),
      wsHandler: (socket: WebSocket, req) => {
        const admitted = holders.get(req);
        if (!admitted) return socket.close(1011);
        const c: Connection = { socket, token: admitted.token, holder: admitted.holder, subs: new Map(), alive: true };
        connections.add(c);
        const q = req.query as Record<string, unknown>;
        if (q.stream !== undefined) {
          const sub = parseSubscription(q.stream, q.tag ?? q.list, c.holder);
          if (typeof sub !== "string") c.subs.set(subscriptionKey(sub), sub);
        }
        socket.on("pong", () => {
          c.alive = true;
        });
        socket.on("close", () => connections.delete(c));
        socket.on("message", (data, isBinary) => {
          if (isBinary) return;
          let msg: Record<string, unknown>;
          try {
            msg = JSON.parse(String(data)) as Record<string, unknown>;
          } catch {
            return socket.send(JSON.stringify({ error: "Error parsing JSON", status: 400 }));
          }
          if (msg.type !== "subscribe" && msg.type !== "unsubscribe") return;
          const sub = parseSubscription(msg.stream, msg.tag ?? msg.list, c.holder);
          if (typeof sub === "string") return socket.send(JSON.stringify({ error: sub, status: 400 }));
          if (msg.type === "subscribe") c.subs.set(subscriptionKey(sub), sub);
          else c.subs.delete(subscriptionKey(sub));
        });
      },
    });
  };
}
