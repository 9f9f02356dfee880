import type { Federation } from "@fedify/fedify";
import type { Kysely } from "kysely";
import type { Config } from "./config.ts";
import type { BodyState, Effect, GovernanceEvent } from "./governance/index.ts";
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
  /**
   * Decision hooks. `onChange` runs after each committed change to a proposal (federation
   * publishes it); `federate` runs inside the transaction that appends events to a body's
   * record, so the activities they cause commit with them.
   */
  decisions?: {
    onChange?(app: AppContext, change: { bodyId: string; proposalId: string; events: unknown[] }): Promise<void>;
    federate?(trx: Kysely<Schema>, app: AppContext, body: BodyRef, change: RecordChange): Promise<void>;
    /** After a confederation's referrals closed (committed): admit bodies whose admission was ratified. */
    afterReferralsClosed?(app: AppContext, body: BodyRef): Promise<void>;
    /** In the transaction that records a reminder (a vote closes soon): tell the remote members among `notices`. */
    remind?(trx: Kysely<Schema>, app: AppContext, body: BodyRef, notices: readonly RecordNotice[]): Promise<void>;
  };
}

/** What a change (or a reminder) tells one member: a vote opened or closing soon, an outcome. */
export interface RecordNotice {
  recipient: string;
  kind: "vote-opened" | "deadline-near" | "outcome";
  proposalUri: string;
  title: string;
  /** vote-opened and deadline-near: when the vote closes; outcome: the outcome (passed, rejected, tabled, …). */
  detail: string;
}

/** A body as the decision hooks see it. */
export interface BodyRef {
  readonly id: string;
  readonly handle: string;
  readonly kind: string;
  readonly name: string;
  readonly admission: "open" | "by-decision";
}

/** Events just appended to a body's record, with the state before and after, and the effects that became binding. */
export interface RecordChange {
  readonly before: BodyState | null;
  readonly after: BodyState;
  readonly events: readonly GovernanceEvent[];
  readonly effects: readonly Effect[];
}
