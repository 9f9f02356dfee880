import type { InboxContext } from "@fedify/fedify";
import type { Invite } from "@fedify/vocab";
import { InboundActivity } from "../../../community/inbound.ts";
import type { AppContext } from "../../../context.ts";
import { confederationName, takeUpReferral } from "../../../decisions/confederation/ratification.ts";
import type { ReferralBody } from "../../../governance/index.ts";
import { fetchSignedDocument } from "../../confederal-documents.ts";
import { isBody } from "../../../community/actors.ts";
import { localActorId } from "../../../shared/uris.ts";
import { claimOf, refuseOnce, retryIfTransient } from "./common.ts";

/**
 * A confederation refers a proposal to its members (`Invite{referral}`): each local body
 * on the signed list takes it up (decisions/confederation/ratification.ts), each in its
 * own transaction with its own claim.
 */
export async function receiveReferral(ctx: InboxContext<AppContext>, invite: Invite): Promise<void> {
  const app = ctx.data;
  if (!invite.objectId || !invite.actorId || !invite.id) return;
  const confederation = invite.actorId.href;
  const url = invite.objectId.href;
  const fetched = await fetchSignedDocument(app, url, confederation);
  retryIfTransient(fetched);
  if (!fetched.ok || fetched.document.type !== "Referral") {
    return refuseOnce(app, claimOf(invite, "Invite"), () => app.log.warn({ referral: url, reason: fetched.ok ? "not a Referral" : fetched.reason }, "referral refused"));
  }
  const doc = fetched.document;
  if (doc.status !== "open" || !(Date.parse(String(doc.endTime)) > Date.now())) {
    return refuseOnce(app, claimOf(invite, "Invite"), () => app.log.warn({ referral: url }, "referral refused: it is no longer open"));
  }
  const listed = Array.isArray(doc.bodies) ? (doc.bodies as ReferralBody[]) : [];
  const received = {
    confederation,
    referral: url,
    title: String(doc.name ?? "A confederal proposal"),
    text: typeof doc.content === "string" ? doc.content : "",
    ...(typeof doc.topic === "string" ? { topic: doc.topic } : {}),
    deadline: String(doc.endTime),
  };
  // The local bodies on the list, read at once (the list names every member body, of every instance).
  const origin = app.config.publicOrigin;
  const ids = [...new Set(listed.map(({ body }) => (typeof body === "string" ? localActorId(origin, body) : null)).filter((id): id is string => id !== null))];
  const rows = ids.length === 0 ? [] : await app.db.selectFrom("actors").selectAll().where("id", "in", ids).execute();
  const bodies = new Map(rows.filter(isBody).map((r) => [r.id, r]));
  const named = bodies.size > 0 ? await confederationName(app, confederation) : "";
  let local = 0;
  for (const id of ids) {
    const body = bodies.get(id);
    if (!body) continue;
    local++;
    // Claimed per body: a crash between two bodies leaves the others to the redelivery.
    const inbound = new InboundActivity(claimOf(invite, "Invite", body.id));
    const result = await takeUpReferral(app, body, { ...received, confederationName: named }, inbound);
    if (inbound.state === "claimed")
      app.log.info({ body: body.handle, referral: url, ok: result.ok, ...(result.ok ? { decidedBy: result.value } : { reason: result.error.message }) }, "referral received");
  }
  if (local === 0) await refuseOnce(app, claimOf(invite, "Invite"), () => app.log.warn({ referral: url }, "referral names no body here"));
}
