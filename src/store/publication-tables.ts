import type { ColumnType } from "kysely";

// See migrations/2026-11-22-0200_proposal-publication.ts.

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

export interface ProposalPublicationsTable {
  proposal_id: string;
  created_at: Timestamp;
  dirty_since: NullableTimestamp;
  updated_at: NullableTimestamp;
  outcome_posted_at: NullableTimestamp;
}

export interface RoundPublicationsTable {
  proposal_id: string;
  round_id: string;
  created_at: Timestamp;
}

export interface PublicationTables {
  proposal_publications: ProposalPublicationsTable;
  round_publications: RoundPublicationsTable;
}
