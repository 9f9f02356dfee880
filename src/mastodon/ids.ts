import { createHash } from "node:crypto";

// Ids as Mastodon apps expect them. A status id is Mastodon's kind of "snowflake": the
// milliseconds of its publication shifted 16 bits, and 16 bits of the hash of its URI
// below, as a decimal string. So ids sort by time as numbers (and as strings of the same
// length, as they all are from 1970 + 2 years to 2248), and the same post always has
// the same id, on every request, without storing one.

const SHIFT = 16n;

export function statusId(published: Date | string, uri: string): string {
  const ms = BigInt(new Date(published).getTime());
  const low = BigInt(createHash("sha256").update(uri).digest().readUInt16BE(0));
  return ((ms << SHIFT) | low).toString();
}

/** The publication instant a status id was made from; null for what is not one. */
export function statusTime(id: unknown): Date | null {
  if (typeof id !== "string" || !/^\d{1,20}$/.test(id)) return null;
  const at = new Date(Number(BigInt(id) >> SHIFT));
  return Number.isNaN(at.getTime()) ? null : at;
}

/** Compares two status ids as numbers. */
export function compareIds(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** A numeric id (a notification's, a follow's) from a paging parameter; null when absent or not one. */
export function numericId(value: unknown): string | null {
  return typeof value === "string" && /^\d{1,19}$/.test(value) ? value : null;
}

// A remote account's id: its URI, reversibly, so /api/v1/accounts/:id needs no table of ids.
const REMOTE = "r-";

export function remoteAccountId(uri: string): string {
  return REMOTE + Buffer.from(uri).toString("base64url");
}

export function remoteAccountUri(id: string): string | null {
  if (!id.startsWith(REMOTE)) return null;
  const uri = Buffer.from(id.slice(REMOTE.length), "base64url").toString();
  return /^https?:\/\//.test(uri) ? uri : null;
}
