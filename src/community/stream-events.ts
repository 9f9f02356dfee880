import { type Kysely, sql } from "kysely";
import type { Logger } from "../logging.ts";
import type { Database } from "../store/database.ts";
import type { Schema } from "../store/schema.ts";

// What the streaming API (src/mastodon/streaming.ts) hears of: statuses and notifications
// as they are recorded. A recording transaction announces its event with NOTIFY, which
// PostgreSQL (and PGlite) delivers only once that transaction commits, and to every
// process that listens: a post recorded by a worker reaches the streams a web process
// serves, and a rolled-back one reaches none. The hub fans the events out in a process.

export const STREAM_CHANNEL = "folkmoot_stream";

/** What happened, by reference: listeners read the rows themselves (a NOTIFY carries under 8000 bytes). */
export type StreamEvent =
  /** A status appeared: a post, a body's note, a proposal leaving its draft. */
  | { type: "status"; uri: string }
  /** A status changed: an edit, a proposal's new stage. */
  | { type: "status.update"; uri: string }
  | { type: "delete"; uri: string }
  /** An in-app notification (src/community/notifications.ts) for a local account. */
  | { type: "notification"; id: string; recipient: string };

/** Announces `event` from inside the transaction that records it; it is heard when (and if) that transaction commits. */
export async function announceOnCommit(trx: Kysely<Schema>, event: StreamEvent): Promise<void> {
  await sql`select pg_notify(${STREAM_CHANNEL}, ${JSON.stringify(event)})`.execute(trx);
}

function parse(payload: string): StreamEvent | null {
  try {
    const e = JSON.parse(payload) as Partial<StreamEvent> & Record<string, unknown>;
    if ((e.type === "status" || e.type === "status.update" || e.type === "delete") && typeof e.uri === "string") return { type: e.type, uri: e.uri };
    if (e.type === "notification" && typeof e.id === "string" && typeof e.recipient === "string") return { type: e.type, id: e.id, recipient: e.recipient };
  } catch {
    // not ours: ignored below
  }
  return null;
}

/**
 * Fans the stream events out to the listeners of this process. It listens on the database
 * only while it has listeners (on PostgreSQL, one connection for all of them).
 */
export class StreamHub {
  readonly #database: Pick<Database, "listen">;
  readonly #log: Pick<Logger, "warn" | "error">;
  readonly #listeners = new Set<(event: StreamEvent) => void>();
  #subscription: Promise<(() => Promise<void>) | null> | null = null;

  constructor(database: Pick<Database, "listen">, log: Pick<Logger, "warn" | "error">) {
    this.#database = database;
    this.#log = log;
  }

  /** Adds a listener; resolves once the database listens. Returns the function that removes it. */
  async subscribe(listener: (event: StreamEvent) => void): Promise<() => void> {
    this.#listeners.add(listener);
    this.#subscription ??= this.#database
      .listen(STREAM_CHANNEL, (payload) => this.#deliver(payload))
      .catch((err: unknown) => {
        this.#log.warn({ err }, "LISTEN for the streaming API failed; streams stay silent");
        return null;
      });
    await this.#subscription;
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0) void this.#unlisten();
    };
  }

  get listeners(): number {
    return this.#listeners.size;
  }

  async close(): Promise<void> {
    this.#listeners.clear();
    await this.#unlisten();
  }

  async #unlisten(): Promise<void> {
    const subscription = this.#subscription;
    this.#subscription = null;
    const unlisten = await subscription;
    await unlisten?.().catch((err: unknown) => this.#log.warn({ err }, "UNLISTEN for the streaming API failed"));
  }

  #deliver(payload: string): void {
    const event = parse(payload);
    if (event === null) return;
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (err) {
        this.#log.error({ err, event }, "a stream listener failed");
      }
    }
  }
}
