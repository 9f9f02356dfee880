import type { ColumnType, Generated } from "kysely";

// Table types for decisions; see migrations/2026-11-22-0100_decisions.ts.

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

/** One event of a body's record (append-only). */
export interface GovernanceEventsTable {
  seq: Generated<string>;
  body_id: string;
  /** The proposal's short id, or null for the body's own events. */
  proposal_id: string | null;
  /** Position within the stream (the body's own events, or one proposal's). */
  position: number;
  type: string;
  /** The event as JSON text. */
  event: string;
  recorded_at: Generated<Date>;
}

/** Where a proposal stands, derived from the record (for listing and deadlines). */
export interface ProposalsTable {
  id: string;
  body_id: string;
  uri: string;
  kind: string;
  title: string;
  status: string;
  /** The decision rule as JSON text. */
  rule: string | null;
  next_deadline: NullableTimestamp;
  decided_at: NullableTimestamp;
  outcome: "passed" | "rejected" | "tabled" | "withdrawn" | null;
  drafted_at: Timestamp;
  updated_at: Generated<Date>;
}

/** A vote's closing reminder sent (src/decisions/reminders.ts): once per proposal and closing time. */
export interface VoteRemindersTable {
  proposal_id: string;
  closes_at: Timestamp;
  reminded_at: Generated<Date>;
}

export interface DecisionTables {
  governance_events: GovernanceEventsTable;
  proposals: ProposalsTable;
  vote_reminders: VoteRemindersTable;
}
