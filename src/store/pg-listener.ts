import pg from "pg";
import type { StoreLogger } from "./database.ts";

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

type NotifyCallback = (payload: string) => void;

/**
 * LISTEN on PostgreSQL over one dedicated client, created on the first
 * subscription, closed after the last, and reconnected with backoff when the
 * connection drops. All state changes run one at a time on `#chain`.
 */
export class PgListener {
  readonly #url: string;
  readonly #logger: StoreLogger;
  readonly #channels = new Map<string, Set<NotifyCallback>>();
  #client: pg.Client | null = null;
  #chain: Promise<unknown> = Promise.resolve();
  #reconnectTimer: NodeJS.Timeout | null = null;
  #failures = 0;
  #closed = false;

  constructor(url: string, logger: StoreLogger) {
    this.#url = url;
    this.#logger = logger;
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.#chain.then(fn);
    this.#chain = result.catch(() => {});
    return result;
  }

  async add(channel: string, callback: NotifyCallback): Promise<() => Promise<void>> {
    if (this.#closed) throw new Error("The database has been closed");
    let callbacks = this.#channels.get(channel);
    if (callbacks == null) {
      callbacks = new Set();
      this.#channels.set(channel, callbacks);
    }
    callbacks.add(callback);
    await this.#serial(async () => {
      if (this.#closed || this.#reconnectTimer != null) return;
      try {
        if (this.#client == null) await this.#connect();
        else await this.#client.query(`LISTEN ${quoteIdent(channel)}`);
      } catch (err) {
        // Keep the subscription; the reconnect loop will LISTEN once it can.
        this.#logger.warn({ err, channel }, "LISTEN failed; retrying in the background");
        this.#dropClient();
        this.#scheduleReconnect();
      }
    });
    let done = false;
    return async () => {
      if (done) return;
      done = true;
      await this.#remove(channel, callback);
    };
  }

  async #remove(channel: string, callback: NotifyCallback): Promise<void> {
    const callbacks = this.#channels.get(channel);
    if (callbacks == null || !callbacks.delete(callback) || callbacks.size > 0) return;
    this.#channels.delete(channel);
    await this.#serial(async () => {
      if (this.#channels.has(channel)) return; // re-subscribed meanwhile
      if (this.#channels.size === 0) {
        await this.#disconnect();
        return;
      }
      await this.#client?.query(`UNLISTEN ${quoteIdent(channel)}`).catch((err: unknown) => {
        this.#logger.debug({ err, channel }, "UNLISTEN failed");
      });
    });
  }

  async #connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.#url, keepAlive: true, application_name: "folkmoot-listen" });
    client.on("notification", (msg) => this.#dispatch(msg.channel, msg.payload ?? ""));
    client.on("error", (err) => {
      if (this.#client !== client) return;
      this.#logger.warn({ err }, "LISTEN connection failed; reconnecting");
      this.#lost(client);
    });
    client.on("end", () => this.#lost(client));
    try {
      await client.connect();
      for (const channel of this.#channels.keys()) await client.query(`LISTEN ${quoteIdent(channel)}`);
    } catch (err) {
      await client.end().catch(() => {});
      throw err;
    }
    this.#client = client;
    this.#failures = 0;
  }

  #dispatch(channel: string, payload: string): void {
    for (const callback of this.#channels.get(channel) ?? []) {
      try {
        callback(payload);
      } catch (err) {
        this.#logger.error({ err, channel }, "NOTIFY callback threw");
      }
    }
  }

  #lost(client: pg.Client): void {
    if (this.#client !== client) return;
    this.#dropClient();
    if (!this.#closed && this.#channels.size > 0) this.#scheduleReconnect();
  }

  #dropClient(): void {
    const client = this.#client;
    this.#client = null;
    client?.end().catch(() => {});
  }

  #scheduleReconnect(): void {
    if (this.#reconnectTimer != null || this.#closed) return;
    const delay = Math.min(30_000, 250 * 2 ** Math.min(this.#failures, 7));
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = null;
      void this.#serial(async () => {
        if (this.#closed || this.#client != null || this.#channels.size === 0) return;
        try {
          await this.#connect();
          this.#logger.debug({}, "LISTEN connection re-established");
        } catch (err) {
          this.#failures++;
          this.#logger.warn({ err, failures: this.#failures }, "LISTEN reconnect failed");
          this.#scheduleReconnect();
        }
      });
    }, delay);
  }

  async #disconnect(): Promise<void> {
    if (this.#reconnectTimer != null) clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = null;
    const client = this.#client;
    this.#client = null;
    await client?.end().catch(() => {});
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#channels.clear();
    await this.#serial(() => this.#disconnect());
  }
}
