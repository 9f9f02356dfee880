import { createFederation, type Federation, type KvStore, type MessageQueue, type RetryPolicy } from "@fedify/fedify";
import { getUserAgent } from "@fedify/vocab-runtime";
import { Temporal } from "@js-temporal/polyfill";
import type { Config } from "../config.ts";
import type { AppContext } from "../context.ts";
import { instanceUserAgent } from "../shared/version.ts";
import { registerActorDispatchers } from "./dispatchers/actor.ts";
import { registerCollections } from "./dispatchers/collections.ts";
import { registerNodeInfo } from "./dispatchers/nodeinfo.ts";
import { registerObjectDispatchers } from "./dispatchers/objects.ts";
import { registerInboxListeners } from "./inbox/listeners.ts";

/**
 * Retries a failed delivery with exponential backoff up to one hour between
 * tries, for `hours` in all, so a peer that is down for a day still gets
 * everything. (Fedify's default gives up after about half an hour.)
 */
export function deliveryRetryPolicy(hours: number): RetryPolicy {
  const limitMs = hours * 3_600_000;
  return ({ elapsedTime, attempts }) => {
    if (elapsedTime.total({ unit: "millisecond" }) >= limitMs) return null;
    const seconds = Math.min(3600, 2 ** Math.min(attempts, 12)) * (0.8 + Math.random() * 0.4);
    return Temporal.Duration.from({ milliseconds: Math.round(seconds * 1000) }) as unknown as globalThis.Temporal.Duration;
  };
}

/**
 * `queue`, with the instance's `User-Agent` put on every delivery it carries. Fedify names
 * the software in its fetches (the `userAgent` option) but sends deliveries with the
 * runtime's default (`node`); an outbox message's `headers` are sent with the POST, so
 * they are stamped here, as they are enqueued (first tries, retries and fan-outs alike).
 */
export function withDeliveryUserAgent(queue: MessageQueue, userAgent: string): MessageQueue {
  const stamp = (message: unknown): unknown => {
    if (typeof message !== "object" || message === null || (message as { type?: unknown }).type !== "outbox") return message;
    const m = message as { headers?: Record<string, string> };
    const headers = m.headers ?? {};
    if (Object.keys(headers).some((h) => h.toLowerCase() === "user-agent")) return message;
    return { ...m, headers: { ...headers, "User-Agent": userAgent } };
  };
  const wrapped: MessageQueue = {
    ...(queue.nativeRetrial !== undefined ? { nativeRetrial: queue.nativeRetrial } : {}),
    enqueue: (message, options) => queue.enqueue(stamp(message), options),
    listen: (handler, options) => queue.listen(handler, options),
  };
  const many = queue.enqueueMany?.bind(queue);
  if (many) wrapped.enqueueMany = (messages, options) => many(messages.map(stamp), options);
  const depth = queue.getDepth?.bind(queue);
  if (depth) wrapped.getDepth = depth;
  return wrapped;
}

/**
 * The `Federation` object: Fedify's options (queue, retry policy, signature window), then
 * the dispatchers and the inbox listener table, each registered by its own module.
 */
export function createFolkmootFederation(config: Config, kv: KvStore, queue: MessageQueue): Federation<AppContext> {
  const federation = createFederation<AppContext>({
    kv,
    queue: withDeliveryUserAgent(queue, getUserAgent(instanceUserAgent(config.publicOrigin))),
    manuallyStartQueue: true,
    origin: config.publicOrigin.origin,
    allowPrivateAddress: config.allowPrivateAddress,
    userAgent: instanceUserAgent(config.publicOrigin),
    // draft-cavage first: what Mastodon, snac, GoToSocial, Pleroma and Misskey verify. A
    // server that answers 202 before verifying (snac) never makes Fedify fall back, so an
    // RFC 9421 first knock would be remembered as working there and every delivery dropped.
    firstKnock: "draft-cavage-http-signatures-12",
    outboxRetryPolicy: deliveryRetryPolicy(config.deliveryRetryHours),
    permanentFailureStatusCodes: [404, 410],
    signatureTimeWindow: { hours: 1 },
    onOutboxError: () => {
      // Logged by Fedify through LogTape (routed to pino); each attempt is retried by policy.
    },
  });

  // A follower whose inbox is gone for good (410, or 404) stops being delivered to.
  federation.setOutboxPermanentFailureHandler(async (ctx, { inbox, statusCode, reason }) => {
    const db = ctx.data.db;
    const gone = await db
      .selectFrom("remote_actors")
      .select("uri")
      .where((eb) => eb.or([eb("inbox", "=", inbox.href), eb("shared_inbox", "=", inbox.href)]))
      .execute();
    if (gone.length === 0) return;
    const removed = await db
      .deleteFrom("follows")
      .where(
        "follower_uri",
        "in",
        gone.map((g) => g.uri),
      )
      .executeTakeFirst();
    ctx.data.log.info({ inbox: inbox.href, statusCode, reason, removed: Number(removed.numDeletedRows) }, "inbox gone for good; its followers removed");
  });

  registerActorDispatchers(federation, config);
  registerCollections(federation);
  registerObjectDispatchers(federation);
  registerInboxListeners(federation);
  registerNodeInfo(federation);
  return federation;
}
