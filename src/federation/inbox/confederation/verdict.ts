import type { InboxContext } from "@fedify/fedify";
import { isActor, type Add } from "@fedify/vocab";
import { findActorById } from "../../../community/actors.ts";
import { InboundActivity, takenInBefore } from "../../../community/inbound.ts";
import type { AppContext } from "../../../context.ts";
import { listedOn, recordVerdict } from "../../../decisions/confederation/verdict.ts";
import { replayBody } from "../../../decisions/read.ts";
import { fetchSignedDocument, verdictFromDocument, verdictUrl } from "../../confederal-documents.ts";
import { advertisedMembers, advertisedMembersOf, claimOf, refuseOnce, retryIfTransient } from "./common.ts";

/**
 * A member body's verdict on a local referral (`Add{verdict, target: referral}`): the
 * signed `Verdict` is fetched fresh and checked before any transaction, then recorded.
 */
export async function receiveVerdict(ctx: InboxContext<AppContext>, add: Add): Promise<void> {
  const app = ctx.data;
  if (!add.objectId || !add.actorId || !add.targetId || !add.id) return;
  const referral = add.targetId.href;
  const row = await app.db.selectFrom("referrals").select(["body_id"]).where("uri", "=", referral).executeTakeFirst();
  if (!row) return;
  const conf = await findActorById(app, row.body_id);
  if (!conf) return;
  if (await takenInBefore(app, add.id.href)) return;
  const sender = add.actorId.href;
  const claim = claimOf(add, "Add");
  const refuse = (reason: string) => refuseOnce(app, claim, () => app.log.warn({ referral, from: sender, reason }, "verdict refused"));
  const fetched = await fetchSignedDocument(app, add.objectId.href, sender);
  retryIfTransient(fetched);
  if (!fetched.ok) return refuse(fetched.reason);
  const doc = fetched.document;
  if (doc.type !== "Verdict" || typeof doc.decidedBy !== "string" || doc.id !== verdictUrl(doc.decidedBy)) return refuse("not a Verdict served under what decided it");
  const verdict = verdictFromDocument(doc);
  if (verdict.referral !== referral) return refuse(`the verdict answers ${verdict.referral}`);
  // Keep nothing from a body that is not on the list (the core would refuse it anyway).
  if (!listedOn(await replayBody(app, conf.id), referral, sender)) return refuse(`${sender} is not on the referral's list`);
  // The body's weight for future referrals: the `Members` its actor advertises now (as
  // read a moment ago to check the verdict's signature, else fetched).
  const read = fetched.signerController?.id.href === sender ? await advertisedMembersOf(fetched.signerController) : undefined;
  const weight = read !== undefined ? read : await advertisedWeight(ctx, add);
  const inbound = new InboundActivity(claim);
  const result = await recordVerdict(app, conf, { verdict, sender, document: doc, weight }, inbound);
  if (inbound.state !== "claimed") return;
  if (!result.ok) app.log.warn({ referral, from: sender, reason: result.error.message }, "verdict refused");
  else app.log.info({ referral, from: sender, verdict: verdict.verdict }, "verdict received");
}

/**
 * A member body's weight for future referrals: the `Members` its actor advertises now,
 * read again with each verdict it sends (the referrals already open keep their frozen list).
 */
async function advertisedWeight(ctx: InboxContext<AppContext>, activity: Add): Promise<number | null> {
  const member = activity.actorId!.href;
  const actor = await activity.getActor(ctx).catch(() => null);
  return actor && isActor(actor) && actor.id?.href === member ? advertisedMembers(actor) : null;
}
