import { noteUri } from "../shared/uris.ts";

// The body's direct notes about a proposal (answers to acts, notices of a vote opened or an
// outcome) carry the proposal in their id, `/ap/notes/p-<proposal>-<uuid>`: a member who
// replies to such a note with an act acts on that proposal, without the note being stored.

/** A new id for a note from a body about proposal `proposalId`. */
export function noteAboutProposal(origin: URL, proposalId: string): URL {
  return noteUri(origin, `p-${proposalId}-${crypto.randomUUID()}`);
}

/** The proposal a note of ours is about (from its id), or null. */
export function proposalOfNote(origin: URL, uri: URL): string | null {
  if (uri.origin !== origin.origin) return null;
  const m = /^\/ap\/notes\/p-([a-z0-9]{1,40})-[0-9a-f-]{36}$/.exec(uri.pathname);
  return m?.[1] ?? null;
}
