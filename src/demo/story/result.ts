import type { RatificationRule } from "../../governance/index.ts";

// What the story tells its caller (the result, checkpoint by checkpoint) and the parts
// of a confederation's published referral it reads.

export interface StoryOptions {
  /** Receives each line of the account as it happens. */
  log: (line: string) => void;
  /** Six loopback addresses: three communes, then the North, South and regional councils (default 127.0.0.50–55). */
  hosts?: readonly string[];
  /** The instances' own log level (default silent). */
  logLevel?: string;
  /** Receives a function that stops every instance and deletes their data (for an interrupt). */
  onCleanup?: (cleanup: () => Promise<void>) => void;
}

interface TallyDoc {
  counts: { ratify: number; reject: number; abstain: number };
  people: { ratify: number; reject: number; abstain: number };
  passed: boolean;
  outcome: string;
  reason: string;
  ratifiedBy: string[];
  rejectedBy: string[];
  abstained: string[];
  bound: string[];
}

/** A referral as its confederation publishes it (the parts the story reads). */
export interface ReferralDoc {
  id: string;
  name: string;
  status: "open" | "closed";
  proposer: string;
  endTime: string;
  rule: RatificationRule;
  bodies: { body: string; members: number }[];
  parent: { confederation: string; referral: string } | null;
  decides?: { kind: string; payload: unknown } | null;
  verdicts: { body: string; verdict: string; document: Record<string, unknown> | null }[];
  tally?: TallyDoc;
  proof?: { cryptosuite?: string };
}

export interface Tally {
  referral: string;
  rule: string;
  counts: { ratify: number; reject: number; abstain: number };
  outcome: string;
  ratifiedBy: string[];
  rejectedBy: string[];
  abstained: string[];
  bound: string[];
  reason: string;
}

export interface VerifySummary {
  url: string;
  ok: boolean;
  checks: { name: string; ok: boolean; detail: string }[];
}

/** What the story established, checkpoint by checkpoint (handles, not URIs). */
export interface StoryResult {
  ok: boolean;
  /** Checkpoints that did not hold (or the error that stopped the story). */
  failures: string[];
  lines: string[];
  elapsedMs: number;
  /** How long each act took, in order. */
  acts: { act: string; ms: number }[];
  /** Council → member bodies admitted by its open admission after their `join`. */
  admitted: Record<string, string[]>;
  /** Assembly → how it decided to join (outcome, counts). */
  joins: Record<string, { outcome: string | null; counts: string }>;
  /** The municipal councils' own `join` of the regional council (decided by referral to their members). */
  councilJoins: Record<string, Tally>;
  /** The bodies of the regional council with their weights, once admitted. */
  regionMembers: { body: string; members: number }[];
  municipal: { tally: Tally | null; ratifications: Record<string, { outcome: string | null; counts: string; rule: string }> };
  /** North's own decision, by referral to its assemblies, to table the seed bank at the region. */
  tabling: { tally: Tally | null; ratifications: Record<string, { outcome: string | null; counts: string }>; offerSent: boolean };
  recall: {
    outcome: string | null;
    referralOpenWhenReceived: boolean;
    revocationReceived: boolean;
    refusedLocally: string | null;
    refusedByCouncil: string | null;
    noNewReferral: boolean;
  };
  cascade: {
    region: Tally | null;
    nested: Record<string, Tally & { verdictUp: string | null }>;
    base: Record<string, { verdict: string; counts: string; rule: string }>;
    verdictsAtRegion: Record<string, string>;
  };
  leave: { effective: boolean; members: string[] };
  verify: VerifySummary[];
}

/** A result before the story starts: nothing established yet. */
export function emptyResult(): StoryResult {
  return {
    ok: false,
    failures: [],
    lines: [],
    elapsedMs: 0,
    acts: [],
    admitted: {},
    joins: {},
    councilJoins: {},
    regionMembers: [],
    municipal: { tally: null, ratifications: {} },
    tabling: { tally: null, ratifications: {}, offerSent: false },
    recall: { outcome: null, referralOpenWhenReceived: false, revocationReceived: false, refusedLocally: null, refusedByCouncil: null, noNewReferral: false },
    cascade: { region: null, nested: {}, base: {}, verdictsAtRegion: {} },
    leave: { effective: false, members: [] },
    verify: [],
  };
}
