import type { FastifyInstance } from "fastify";
import type { AppContext } from "../context.ts";
import { type LoadedProposal, loadProposalState, mayReadProposal, type RoundSummary, vote, voteOptions } from "../decisions/index.ts";
import { instantMs } from "../governance/time.ts";
import { actorUri } from "../shared/uris.ts";
import { accountOf, authenticate, holderOf, params, sendError } from "./http.ts";
import { remoteAccountId, remoteAccountUri } from "./ids.ts";

// A proposal's vote as a Mastodon poll: its id is the proposal's, its options the round's
// choices ("Agree", "Disagree", "Abstain" or "Stand aside", …). A local member votes from
// any app and it is their vote, through the same `vote` service as the pages and the API.

const NOT_FOUND = "Record not found";

/** The round a poll shows: the main round open now, else the last one. */
function currentRound(rounds: readonly RoundSummary[]): RoundSummary | null {
  const open = rounds.filter((r) => r.open && r.amendment === null);
  return open[0] ?? rounds.filter((r) => r.amendment === null).at(-1) ?? null;
}

export async function poll(app: AppContext, proposalId: string, viewerId: string | null) {
  // One replay of the body's record: whether this viewer may see it at all, and its rounds.
  const loaded = await loadProposalState(app, proposalId);
  return loaded ? pollOf(app, proposalId, loaded, viewerId) : null;
}

/** The poll of a proposal already loaded (a timeline loads a page's proposals at once); null if the viewer may not see it. */
export function pollOf(app: AppContext, proposalId: string, loaded: LoadedProposal, viewerId: string | null) {
  const viewer = viewerId ? actorUri(app.config.publicOrigin, viewerId).href : null;
  if (!mayReadProposal(loaded.state, loaded.proposal, viewer)) return null;
  const round = currentRound(loaded.detail.rounds);
  if (!round) return null;
  const options = voteOptions(round.rule);
  const ballot = viewer ? loaded.proposal.rounds.get(round.id)?.ballots.get(viewer) : undefined;
  const own = ballot ? options.findIndex((o) => o.choice === ballot.choice) : -1;
  return {
    entity: {
      id: proposalId,
      expires_at: new Date(instantMs(round.closesAt) ?? Date.parse(String(round.closesAt))).toISOString(),
      expired: !round.open,
      multiple: false,
      votes_count: round.voters,
      voters_count: round.voters,
      options: options.map((o) => ({ title: o.name, votes_count: round.counts ? (round.counts[o.choice] ?? 0) : null })),
      emojis: [],
      ...(viewer ? { voted: own >= 0, own_votes: own >= 0 ? [own] : [] } : {}),
    },
    bodyHandle: loaded.body.handle,
    round,
    options,
  };
}

type RawOption = { name?: unknown; replies?: { totalItems?: unknown } };

/**
 * The poll of a `Question` from another server (a proposal of a body elsewhere, a Mastodon
 * poll), from its JSON as received and last updated: its options and counts, when it ends.
 * Read only here: its id is `r-` and the Question's URI (ids.ts). Null when it has no options.
 */
export function remotePollEntity(uri: string, raw: string | null) {
  let doc: Record<string, unknown>;
  try {
    doc = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
  } catch {
    return null;
  }
  const multiple = Array.isArray(doc.anyOf);
  const list = (multiple ? doc.anyOf : doc.oneOf) as unknown;
  const options = (Array.isArray(list) ? list : list && typeof list === "object" ? [list] : []) as RawOption[];
  if (options.length === 0) return null;
  const date = (v: unknown) => (typeof v === "string" && !Number.isNaN(Date.parse(v)) ? new Date(v) : null);
  const ends = date(doc.endTime);
  const closed = date(doc.closed);
  const count = (v: unknown) => (typeof v === "number" && Number.isFinite(v) && v >= 0 ? Math.floor(v) : 0);
  const counts = options.map((o) => count(o.replies?.totalItems));
  const votes = counts.reduce((a, b) => a + b, 0);
  return {
    id: remoteAccountId(uri),
    expires_at: (closed ?? ends)?.toISOString() ?? null,
    expired: closed !== null || (ends !== null && ends.getTime() <= Date.now()),
    multiple,
    votes_count: votes,
    voters_count: typeof doc.votersCount === "number" ? count(doc.votersCount) : multiple ? null : votes,
    options: options.map((o, i) => ({ title: typeof o.name === "string" ? o.name : "", votes_count: counts[i]! })),
    emojis: [],
    voted: false,
    own_votes: [],
  };
}

/** The public `Question` of another server a remote poll id names (see {@link remotePollEntity}). */
async function remotePoll(app: AppContext, id: string) {
  const uri = remoteAccountUri(id);
  if (!uri) return null;
  const row = await app.db
    .selectFrom("objects")
    .select(["uri", "raw"])
    .where("uri", "=", uri)
    .where("type", "=", "Question")
    .where("audience", "is not", null)
    .where("deleted_at", "is", null)
    .executeTakeFirst();
  return row ? remotePollEntity(row.uri, row.raw) : null;
}

export function pollRoutes(app: AppContext) {
  return async (f: FastifyInstance) => {
    f.get<{ Params: { id: string } }>("/api/v1/polls/:id", { preHandler: authenticate(app, { scope: "read:statuses", optional: true }) }, async (req, reply) => {
      if (req.params.id.startsWith("r-")) return (await remotePoll(app, req.params.id)) ?? sendError(reply, 404, NOT_FOUND);
      const found = await poll(app, req.params.id, holderOf(req)?.actorId ?? null);
      return found ? found.entity : sendError(reply, 404, NOT_FOUND);
    });

    f.post<{ Params: { id: string } }>("/api/v1/polls/:id/votes", { preHandler: authenticate(app, { scope: "write:statuses", user: true }) }, async (req, reply) => {
      const me = accountOf(req);
      if (req.params.id.startsWith("r-")) {
        if (!(await remotePoll(app, req.params.id))) return sendError(reply, 404, NOT_FOUND);
        return sendError(
          reply,
          422,
          "Validation failed: this poll is on another server; voting on it from here is not possible yet (reply to it there, or from an account of that server)",
        );
      }
      const found = await poll(app, req.params.id, me);
      if (!found) return sendError(reply, 404, NOT_FOUND);
      const raw = params(req).choices;
      const choices = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).map((c) => Number(c));
      if (choices.length !== 1 || !Number.isInteger(choices[0]) || !found.options[choices[0]!]) {
        return sendError(reply, 422, "Validation failed: choose one of the poll's options");
      }
      if (found.entity.expired) return sendError(reply, 422, "Validation failed: The poll has already ended");
      const cast = await vote(app, actorUri(app.config.publicOrigin, me).href, found.bodyHandle, req.params.id, {
        choice: found.options[choices[0]!]!.choice,
        round: found.round.id,
      });
      if (!cast.ok) return sendError(reply, 422, `Validation failed: ${cast.error.message}`);
      const after = await poll(app, req.params.id, me);
      return after ? after.entity : sendError(reply, 404, NOT_FOUND);
    });
  };
}
