import type { WebSocket } from "ws";
import type { StreamEvent } from "../community/stream-events.ts";
import type { AppContext } from "../context.ts";
import { actorUri, isLocal } from "../shared/uris.ts";
import { notificationEntity } from "./notification-entity.ts";
import type { TokenHolder } from "./oauth.ts";
import { allows } from "./scopes.ts";
import { hashtagsOf, rowId, STATUS_COLUMNS, toStatuses } from "./status-entity.ts";

// Which open streams an event belongs to, and the messages they get: Mastodon's
// `{ "stream": [...], "event": "update", "payload": "<JSON string>" }`.

export type StreamName = "user" | "user:notification" | "public" | "public:local" | "hashtag" | "hashtag:local";

export interface Subscription {
  stream: StreamName;
  /** For the hashtag streams, lower case, without `#`. */
  tag: string | null;
}

export interface Connection {
  socket: WebSocket;
  token: string;
  holder: TokenHolder;
  subs: Map<string, Subscription>;
  alive: boolean;
}

const NAMES = new Set<string>(["user", "user:notification", "public", "public:local", "hashtag", "hashtag:local"]);

export const subscriptionKey = (s: Subscription) => `${s.stream}|${s.tag ?? ""}`;

/** A stream asked for, or why it cannot be had (Mastodon's messages). */
export function parseSubscription(stream: unknown, tag: unknown, holder: TokenHolder): Subscription | string {
  if (typeof stream !== "string" || !NAMES.has(stream)) return "Unknown stream type";
  const name = stream as StreamName;
  if (name.startsWith("user")) {
    if (holder.actorId === null) return "Access token does not have the required scopes";
    if (!allows(holder.scopes, name === "user" ? "read:statuses" : "read:notifications")) return "Access token does not have the required scopes";
    return { stream: name, tag: null };
  }
  if (!allows(holder.scopes, "read:statuses")) return "Access token does not have the required scopes";
  if (name.startsWith("hashtag")) {
    const t = typeof tag === "string" ? tag.replace(/^#/, "").toLowerCase() : "";
    if (!/^[\p{L}\p{N}_]{1,100}$/u.test(t)) return "No valid tag for stream provided";
    return { stream: name, tag: t };
  }
  return { stream: name, tag: null };
}

type Row = Awaited<ReturnType<typeof loadStatus>>;

async function loadStatus(app: AppContext, uri: string) {
  return app.db
    .selectFrom("objects")
    .leftJoin("proposals", "proposals.uri", "objects.uri")
    .select([...STATUS_COLUMNS, "objects.deleted_at", "proposals.status as proposal_status"])
    .where("objects.uri", "=", uri)
    .executeTakeFirst();
}

/** Whether the status is on the home timeline of `actorId`: theirs, or of (or to) an account or body they follow. */
async function onHomeOf(app: AppContext, actorId: string, row: NonNullable<Row>): Promise<boolean> {
  const me = actorUri(app.config.publicOrigin, actorId).href;
  if (row.attributed_to === me) return true;
  // A remote note that is not public is on the home timeline of the one it was kept for only.
  if (row.audience === null && !isLocal(app.config.publicOrigin, row.attributed_to)) {
    const kept = await app.db.selectFrom("notifications").select("id").where("recipient_id", "=", actorId).where("object_uri", "=", row.uri).executeTakeFirst();
    if (!kept) return false;
  }
  const followed = await app.db
    .selectFrom("follows")
    .select("followee_uri")
    .where("follower_uri", "=", me)
    .where("state", "=", "accepted")
    .where("followee_uri", "in", [row.attributed_to, ...(row.audience ? [row.audience] : [])])
    .executeTakeFirst();
  return followed !== undefined;
}

async function streamsFor(app: AppContext, c: Connection, row: NonNullable<Row>, tags: Set<string>): Promise<string[][]> {
  const local = isLocal(app.config.publicOrigin, row.attributed_to);
  // The public and hashtag streams carry public statuses only (written here, or taken into a
  // body's record, or published by an account followed here), as the public timeline; a
  // remote note kept for one person here is theirs alone.
  const open = local || row.audience !== null;
  const out: string[][] = [];
  for (const s of c.subs.values()) {
    if (s.stream === "user" && c.holder.actorId && (await onHomeOf(app, c.holder.actorId, row))) out.push(["user"]);
    if (open && (s.stream === "public" || (s.stream === "public:local" && local))) out.push([s.stream]);
    if (open && (s.stream === "hashtag" || (s.stream === "hashtag:local" && local)) && s.tag && tags.has(s.tag)) out.push([s.stream, s.tag]);
  }
  return out;
}

function send(c: Connection, stream: string[], event: string, payload: string): void {
  if (c.socket.readyState === c.socket.OPEN) c.socket.send(JSON.stringify({ stream, event, payload }));
}

/**
 * The function that takes each stream event to the open connections, in the order they
 * came. `live` checks a connection's token before anything is sent on it.
 */
export function dispatcher(app: AppContext, connections: ReadonlySet<Connection>, live: (c: Connection) => Promise<boolean>) {
  let chain = Promise.resolve();

  async function ready(c: Connection): Promise<boolean> {
    if (await live(c)) return true;
    c.socket.close(4001, "The access token was revoked");
    return false;
  }

  async function deliver(event: StreamEvent): Promise<void> {
    if (connections.size === 0) return;
    if (event.type === "notification") {
      for (const c of connections) {
        if (c.holder.actorId !== event.recipient) continue;
        const streams = [...c.subs.values()].filter((s) => s.stream === "user" || s.stream === "user:notification");
        if (streams.length === 0 || !(await ready(c))) continue;
        const entity = await notificationEntity(app, event.id, event.recipient);
        if (entity) for (const s of streams) send(c, [s.stream], "notification", JSON.stringify(entity));
      }
      return;
    }
    const row = await loadStatus(app, event.uri);
    if (!row) return;
    const id = rowId(row);
    if (event.type === "delete") {
      for (const c of connections) for (const s of c.subs.values()) if (s.stream !== "user:notification") send(c, s.tag ? [s.stream, s.tag] : [s.stream], "delete", id);
      return;
    }
    if (row.deleted_at !== null || row.proposal_status === "draft") return;
    const tags = new Set(hashtagsOf(row.content));
    for (const c of connections) {
      const streams = await streamsFor(app, c, row, tags);
      if (streams.length === 0 || !(await ready(c))) continue;
      const [status] = await toStatuses(app, [row], c.holder.actorId);
      if (!status) continue;
      const payload = JSON.stringify(status);
      for (const stream of streams) send(c, stream, event.type === "status" ? "update" : "status.update", payload);
    }
  }

  return (event: StreamEvent): void => {
    chain = chain.then(
      () => deliver(event),
      () => undefined,
    );
    chain = chain.catch((err: unknown) => app.log.error({ err, event }, "streaming an event failed"));
  };
}
