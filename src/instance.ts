import type { FastifyInstance } from "fastify";
import { ensureInstanceActor } from "./community/actors.ts";
import { expirePendingFollows } from "./community/origin-limits.ts";
import type { Config } from "./config.ts";
import type { AppContext } from "./context.ts";
import { notifyRecordChange } from "./community/notifications.ts";
import { mentionRemoteMembers, mentionRemoteMembersOf } from "./federation/outbox/member-notices.ts";
import { startDeadlineTimer } from "./decisions/deadlines.ts";
import { answerRatifiedJoins } from "./federation/outbox/admissions.ts";
import { federateChange } from "./federation/outbox/federate.ts";
import { createFolkmootFederation } from "./federation/index.ts";
import { createDeliveryKicker, deliverPending } from "./federation/delivery.ts";
import { publishDueUpdates, publishProposalChange } from "./federation/outbox/proposals.ts";
import { createTokenIssuer, loadTokenSecret } from "./http/auth.ts";
import { createLogger, routeFedifyLogs, type Logger } from "./logging.ts";
import { makeDataDirectoryPrivate, openDatabase } from "./store/database.ts";
import { CachedKvStore } from "./store/cached-kv-store.ts";
import { KyselyKvStore } from "./store/kv-store.ts";
import { KyselyMessageQueue } from "./store/message-queue.ts";
import { migrateToLatest } from "./store/migrator.ts";
import type { AdminSocket } from "./cli/admin-socket.ts";

export interface Instance {
  app: AppContext;
  http: FastifyInstance | null;
  /** The URL the HTTP server listens on (null for a worker). */
  listening: string | null;
  /** Waits until every recorded activity has been handed to the queue (tests). */
  deliveriesIdle(): Promise<void>;
  /** Graceful stop: no new requests, in-flight work finished or released to the queue, database closed. */
  close(): Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
  /** Skip the HTTP listener even for the `all` role (the CLI opens the app without serving). */
  serve?: boolean;
}

export interface OpenedApp {
  app: AppContext;
  kv: KyselyKvStore;
  kicker: ReturnType<typeof createDeliveryKicker>;
  close(): Promise<void>;
}

/**
 * Opens the database, applies migrations and wires the federation, without
 * serving or consuming queues: what the CLI needs, and the first half of
 * {@link startInstance}.
 */
export async function openApp(config: Config, log: Logger): Promise<OpenedApp> {
  routeFedifyLogs(log);
  keepDataDirectoryPrivate(config, log);
  const database = await openDatabase({
    url: config.databaseUrl,
    dataDir: config.databaseUrl ? undefined : `${config.dataDir}/db`,
    poolSize: config.queueWorkers + 8,
    logger: log.child({ component: "store" }),
    migratedTemplate: true,
  });
  try {
    const { applied } = await migrateToLatest(database.db);
    if (applied.length) log.info({ applied }, "migrations applied");
    const kv = new KyselyKvStore(database.db);
    const queue = new KyselyMessageQueue(database, { workers: config.queueWorkers, leaseSeconds: config.queueLeaseSeconds, logger: log.child({ component: "queue" }) });
    // Fedify's caches and circuit state answered from memory (store/cached-kv-store.ts).
    const federation = createFolkmootFederation(config, new CachedKvStore(kv), queue);
    const kicker = createDeliveryKicker(() => app);
    const app: AppContext = {
      config,
      database,
      db: database.db,
      log,
      federation,
      deliveries: kicker,
      // Committed changes to proposals are published as Questions (federation/outbox/proposals.ts).
      decisions: {
        onChange: publishProposalChange,
        // In the transaction that records the change: the activities it causes, and the notifications.
        federate: async (trx, app, body, change) => {
          await federateChange(trx, app, body, change);
          await notifyRecordChange(trx, app, body, change);
          await mentionRemoteMembers(trx, app, body, change);
        },
        afterReferralsClosed: answerRatifiedJoins,
        remind: async (trx, app, body, notices) => {
          await mentionRemoteMembersOf(trx, app, body, notices);
        },
      },
    };
    await ensureInstanceActor(app);
    return {
      app,
      kv,
      kicker,
      close: async () => {
        await kicker.idle();
        await database.close();
      },
    };
  } catch (err) {
    await database.close().catch(() => {});
    throw err;
  }
}

/**
 * With the embedded database: creates DATA_DIR 0700, or tightens one other users could
 * enter (directories 0700, files 0600) and says so in one warning.
 *
 * @throws DataDirectoryModeError when it is open to others and cannot be tightened.
 */
export function keepDataDirectoryPrivate(config: Config, log: Logger): void {
  if (config.databaseUrl) return;
  const { directories, files, exposed } = makeDataDirectoryPrivate(config.dataDir);
  if (directories + files === 0) return;
  (exposed ? log.warn.bind(log) : log.debug.bind(log))(
    { dataDir: config.dataDir, directories, files },
    `the data directory ${config.dataDir} was open to other users: made ${directories} director${directories === 1 ? "y" : "ies"} 0700 and ${files} file${files === 1 ? "" : "s"} 0600`,
  );
}

/**
 * Starts what the role asks for: `web` serves HTTP and enqueues, `worker` runs
 * the queues and the delivery sweeper, `all` (the default) does both in one
 * process.
 */
export async function startInstance(config: Config, options: StartOptions = {}): Promise<Instance> {
  const log = options.logger ?? createLogger(config.logLevel);
  const opened = await openApp(config, log);
  const { app, kv, kicker } = opened;
  const { federation, database } = app;
  const timers: NodeJS.Timeout[] = [];
  const controller = new AbortController();
  let queueStopped: Promise<void> = Promise.resolve();
  let admin: AdminSocket | null = null;
  let http: FastifyInstance | null = null;
  let buildHttpApp: typeof import("./http/app.ts").buildHttpApp;
  let closeGracefully: typeof import("./http/app.ts").closeGracefully = async () => {};
  let deadlines: { stop(): Promise<void> } | null = null;
  try {
    const runsWorker = config.role !== "web";
    const runsWeb = config.role !== "worker" && options.serve !== false;
    if (runsWorker) {
      queueStopped = federation.startQueue(app, { signal: controller.signal });
      // The transactional outbox's safety net: anything committed but never handed off.
      timers.push(setInterval(() => void deliverPending(app, { minAgeMs: 3000 }).catch((err) => log.error({ err }, "delivery sweep failed")), 5000));
      timers.push(setInterval(() => void kv.sweepExpired().catch((err) => log.warn({ err }, "KV sweep failed")), 10 * 60_000));
      // Follow requests nobody approved in 14 days expire.
      timers.push(setInterval(() => void expirePendingFollows(app.db).catch((err) => log.warn({ err }, "expiring follow requests failed")), 10 * 60_000));
      // Proposals move on at their deadlines; the deadlines live in the database, so restarts keep them.
      deadlines = startDeadlineTimer(app, 1000);
      // Debounced Update(Question) after votes, as Mastodon does; pending updates survive restarts.
      timers.push(setInterval(() => void publishDueUpdates(app, config.questionUpdateSeconds * 1000).catch((err) => log.error({ err }, "publishing poll updates failed")), 1000));
      kicker.kick();
    }
    let listening: string | null = null;
    if (runsWeb) {
      // Loaded only by processes that serve HTTP: a worker never needs the routes, the
      // pages or the Mastodon API (about 55 MiB less resident, docs/performance.md).
      ({ buildHttpApp, closeGracefully } = await import("./http/app.ts"));
      const tokens = createTokenIssuer(await loadTokenSecret(app), config.publicOrigin, app);
      http = await buildHttpApp(app, tokens);
      await http.listen({ port: config.port, host: config.host });
      listening = `${config.tls ? "https" : "http"}://${config.host.includes(":") ? `[${config.host}]` : config.host}:${config.port}`;
    }
    // The CLI's socket (and the operations behind it) only with the embedded database.
    if (database.kind === "pglite" && options.serve !== false) admin = await (await import("./cli/admin-socket.ts")).startAdminSocket(app, config.dataDir);
    for (const t of timers) t.unref();

    let closing: Promise<void> | null = null;
    return {
      app,
      http,
      listening,
      deliveriesIdle: () => kicker.idle(),
      close: () =>
        (closing ??= (async () => {
          for (const t of timers) clearInterval(t);
          log.debug("stopping: deadlines");
          await deadlines?.stop();
          await admin?.close();
          log.debug("stopping: http");
          if (http) await closeGracefully(http);
          log.debug("stopping: deliveries");
          await kicker.idle();
          log.debug("stopping: queue");
          controller.abort(); // the queue finishes or releases in-flight messages
          await queueStopped;
          log.debug("stopping: database");
          await opened.close();
          log.debug("stopped");
        })()),
    };
  } catch (err) {
    for (const t of timers) clearInterval(t);
    await deadlines?.stop().catch(() => {});
    controller.abort();
    await queueStopped.catch(() => {});
    await admin?.close().catch(() => {});
    if (http) await closeGracefully(http).catch(() => {});
    await opened.close().catch(() => {});
    throw err;
  }
}
