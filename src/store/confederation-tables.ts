import type { ColumnType } from "kysely";

// See migrations/2026-11-22-0300_confederation.ts.

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

/** A confederation's referral, projected from its record (for the deadline timer and lists). */
export interface ReferralsTable {
  uri: string;
  body_id: string;
  title: string;
  opened_at: Timestamp;
  deadline: Timestamp;
  closed_at: NullableTimestamp;
  /** `ratified` or `not-ratified` once closed. */
  outcome: string | null;
  /** Nested: the higher confederation's referral. */
  parent: string | null;
}

/** A document another body signed (a verdict, a mandate), kept exactly as received. */
export interface SignedDocumentsTable {
  uri: string;
  type: string;
  signer: string;
  document: string;
  received_at: Timestamp;
}

export interface ConfederationTables {
  referrals: ReferralsTable;
  signed_documents: SignedDocumentsTable;
}
