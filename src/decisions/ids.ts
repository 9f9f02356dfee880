import { randomBytes } from "node:crypto";
import { proposalUri } from "../shared/uris.ts";

const ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"; // no 0/o, 1/l: ids get read aloud and typed

function randomId(length: number): string {
  const bytes = randomBytes(length);
  let out = "";
  for (const b of bytes) out += ALPHABET[b & 31];
  return out;
}

/** A short, unguessable proposal id (60 bits), used in URLs and the proposal's URI. */
export function newProposalId(): string {
  return randomId(12);
}

/** A short amendment id, unique within its proposal. */
export function newAmendmentId(): string {
  return randomId(8);
}

/** Proposal ids as they appear in paths. */
export const PROPOSAL_ID_PATTERN = /^[a-z0-9]{1,40}$/;

/** The local proposal id named by `uri`, or null if it is not one of ours. */
export function proposalIdFromUri(origin: URL, uri: string): string | null {
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    return null;
  }
  if (u.origin !== origin.origin) return null;
  const m = /^\/ap\/proposals\/([^/]+)$/.exec(u.pathname);
  const id = m?.[1] ? decodeURIComponent(m[1]) : null;
  return id !== null && PROPOSAL_ID_PATTERN.test(id) && proposalUri(origin, id).href === u.href ? id : null;
}
