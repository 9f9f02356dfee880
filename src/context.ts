import type { Federation } from "@fedify/fedify";
import type { Kysely } from "kysely";
import type { Config } from "./config.ts";
import type { Logger } from "./logging.ts";
import type { Database } from "./store/database.ts";
import type { Schema } from "./store/schema.ts";

/** What every service, inbox handler and route needs; Fedify's context data. */
export interface AppContext {
  config: Config;
  database: Database;
  db: Kysely<Schema>;
  log: Logger;
  federation: Federation<AppContext>;
  /** Hands recorded activities to the delivery queue soon (transactional outbox). */
  deliveries: { kick(): void };
  /** Decision hooks: `onChange` runs after each committed change to a proposal (federation publishes it). */
  decisions?: { onChange?(app: AppContext, change: { bodyId: string; proposalId: string; events: unknown[] }): Promise<void> };
}
