import type { Kysely } from "kysely";
import { markRecordedForDelivery } from "../../community/outbox.ts";
import { recordChangeNotices, type RecordNotice } from "../../community/notifications.ts";
import type { AppContext, BodyRef, RecordChange } from "../../context.ts";
import { proposalIdFromUri, proposalPageUrl } from "../../decisions/index.ts";
import { escapeHtml } from "../../shared/text.ts";
import { activityUri, actorUri, noteUri } from "../../shared/uris.ts";
import { noteAboutProposal } from "../notice-ids.ts";
import type { Schema } from "../../store/schema.ts";

// Remote members get what local members see in the app (a vote opened for them, an outcome)
// as a direct mention from the body, one per member, written to the outbox in the
// transaction of the change: it is delivered after the commit and retried like any activity.

/** Rows written per statement: a body with thousands of remote members is many small inserts, not one huge one. */
const CHUNK = 500;

const AS_CONTEXT = "https://www.w3.org/ns/activitystreams";

function noticeText(n: RecordNotice, handle: string, url: string): string {
  if (n.kind === "deadline-near") {
    const closes = n.detail.replace("T", " ").replace(/:\d{2}(\.\d+)?Z$/, " UTC");
    return `the vote on “${n.title}” in @${handle} closes at ${closes}, and you have not voted yet. Answer the poll, or reply to the proposal with #agree, #disagree or #abstain and your reason: ${url}`;
  }
  if (n.kind === "vote-opened") {
    const closes = n.detail ? ` until ${n.detail.replace("T", " ").replace(/:\d{2}(\.\d+)?Z$/, " UTC")}` : "";
    return `voting is open on “${n.title}” in @${handle}${closes}. Answer the poll, or reply to the proposal with #agree, #disagree or #abstain and your reason: ${url}`;
  }
  return `“${n.title}” in @${handle}: ${n.detail.replace(/-/g, " ")}. ${url}`;
}

/**
 * Queues, in `trx`, a direct mention from the body to each remote member a change concerns
 * (see {@link recordChangeNotices}). Members whose inbox is not known, and other bodies
 * (a confederation's members), get none.
 */
export async function mentionRemoteMembers(trx: Kysely<Schema>, app: Pick<AppContext, "config">, body: BodyRef, change: RecordChange): Promise<number> {
  return mentionRemoteMembersOf(trx, app, body, recordChangeNotices(change));
}

/** Queues, in `trx`, the direct mention of each of `notices` addressed to a remote member (a reminder that a vote closes soon, too). */
export async function mentionRemoteMembersOf(trx: Kysely<Schema>, app: Pick<AppContext, "config">, body: BodyRef, all: readonly RecordNotice[]): Promise<number> {
  if (body.kind === "confederation") return 0;
  const origin = app.config.publicOrigin;
  const notices = all.filter((n) => new URL(n.recipient).origin !== origin.origin);
  if (notices.length === 0) return 0;
  const bodyUri = actorUri(origin, body.id).href;
  const published = new Date().toISOString();
  let queued = 0;
  for (let i = 0; i < notices.length; i += CHUNK) {
    const chunk = notices.slice(i, i + CHUNK);
    const actors = await trx
      .selectFrom("remote_actors")
      .select(["uri", "handle", "inbox", "shared_inbox", "type"])
      .where("uri", "in", [...new Set(chunk.map((n) => n.recipient))])
      .execute();
    const known = new Map(actors.filter((a) => a.type !== "Group" && a.type !== "Organization").map((a) => [a.uri, a]));
    const rows = chunk.flatMap((n) => {
      const to = known.get(n.recipient);
      if (!to) return [];
      const id = proposalIdFromUri(origin, n.proposalUri);
      const url = id ? proposalPageUrl(origin, body.handle, id).href : n.proposalUri;
      const handle = `@${(to.handle ?? fallbackHandle(to.uri)).replace(/^@/, "")}`;
      const noteId = (id ? noteAboutProposal(origin, id) : noteUri(origin, crypto.randomUUID())).href;
      const activityId = activityUri(origin).href;
      const note = {
        id: noteId,
        type: "Note",
        attributedTo: bodyUri,
        to: to.uri,
        inReplyTo: n.proposalUri,
        content: `<p><span class="h-card"><a href="${escapeHtml(to.uri)}" class="u-url mention">${escapeHtml(handle)}</a></span> ${escapeHtml(noticeText(n, body.handle, url))}</p>`,
        tag: [{ type: "Mention", href: to.uri, name: handle }],
        published,
      };
      const activity = { "@context": AS_CONTEXT, id: activityId, type: "Create", actor: bodyUri, to: to.uri, object: note, published };
      return [
        {
          uri: activityId,
          actor_id: body.id,
          type: "Create",
          object_uri: noteId,
          payload: JSON.stringify(activity),
          recipients: JSON.stringify({ followers: false, actors: [{ id: to.uri, inbox: to.inbox, sharedInbox: to.shared_inbox }] }),
          public: false,
        },
      ];
    });
    if (rows.length > 0) {
      await trx.insertInto("activities").values(rows).execute();
      markRecordedForDelivery(trx);
    }
    queued += rows.length;
  }
  return queued;
}

function fallbackHandle(uri: string): string {
  const url = new URL(uri);
  return `${decodeURIComponent(url.pathname.split("/").filter(Boolean).at(-1) ?? "")}@${url.host}`;
}
