import { createFederation, type Federation, type KvStore, type MessageQueue, type RetryPolicy } from "@fedify/fedify";
import { Temporal } from "@js-temporal/polyfill";
import type { Config } from "../config.ts";
import type { AppContext } from "../context.ts";
import { SOFTWARE_VERSION } from "../shared/version.ts";
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
 * The `Federation` object: Fedify's options (queue, retry policy, signature window), then
 * the dispatchers and the inbox listener table, each registered by its own module.
 */
export function createFolkmootFederation(config: Config, kv: KvStore, queue: MessageQueue): Federation<AppContext> {
  const federation = createFederation<AppContext>({
    kv,
    queue,
    manuallyStartQueue: true,
    origin: config.publicOrigin.origin,
    allowPrivateAddress: config.allowPrivateAddress,
    userAgent: { software: `Folkmoot/${SOFTWARE_VERSION}`, url: config.publicOrigin },
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
