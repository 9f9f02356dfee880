import type { InboxContext } from "@fedify/fedify";
import { Note, type Offer } from "@fedify/vocab";
import type { Transaction } from "kysely";
import { InboundActivity, takenInBefore } from "../../../community/inbound.ts";
import { resolveMemberRef } from "../../../community/memberships.ts";
import { rememberSender } from "../senders.ts";
import type { AppContext } from "../../../context.ts";
import { referToMemberBodies, type TabledProposal } from "../../../decisions/confederation/referral.ts";
import { newReferralUri } from "../../../shared/uris.ts";
import type { Schema } from "../../../store/schema.ts";
import { queueAnswer } from "../../answers.ts";
import { fetchSignedDocument, mandateFromDocument, tabledMandateKey } from "../../confederal-documents.ts";
import { readOfferNote } from "../../vocab/offer.ts";
import { claimOf, localBody, refuseOnce, retryIfTransient } from "./common.ts";

/**
 * A delegate (or a member body) tables a confederal proposal in a local confederation
 * (`Offer{Note}`): its mandate is fetched fresh and checked, then the confederation
 * refers it to its member bodies. A refusal is answered with a direct note saying why.
 */
export async function receiveConfederalProposal(ctx: InboxContext<AppContext>, offer: Offer): Promise<void> {
  const app = ctx.data;
  if (!offer.actorId || !offer.id) return;
  const conf = await localBody(app, offer.targetId);
  if (conf?.kind !== "confederation") return;
  const note = await offer.getObject(ctx).catch(() => null);
  if (!(note instanceof Note)) return;
  const read = await readOfferNote(note);
  if (!read) return;
  const actor = offer.actorId.href;
  // Remembered so that a refusal can be answered (not fetched again if remembered lately).
  if (offer.actorId.origin !== app.config.publicOrigin.origin) await rememberSender(ctx, offer);
  const act = "invalid" in read ? { title: note.name?.toString() ?? "", text: "", invalid: read.invalid } : read;
  if (await takenInBefore(app, offer.id.href)) return;
  const claim = claimOf(offer, "Offer");
  const answerWhy = (why: string) => (trx: Transaction<Schema>) =>
    queueAnswer(trx, app, conf.id, actor, note.id, `Your confederal proposal “${act.title}” was not tabled in @${conf.handle}: ${why}.`);
  const warn = (why: string) => () => app.log.warn({ confederation: conf.handle, actor, why }, "confederal proposal refused");
  const refuse = (why: string) => refuseOnce(app, claim, warn(why), answerWhy(why));
  if ("invalid" in act) return refuse(act.invalid);
  if (!act.title) return refuse("it needs a title (the note's name)");
  // A join or leave names another confederation: fetched (and remembered) now, so that
  // the Join or Leave can be delivered to it when the members ratify.
  const named = (act.decides?.payload as { confederation?: unknown } | null | undefined)?.confederation;
  if (typeof named === "string") {
    const target = await resolveMemberRef(app, named);
    if (!target.ok || !target.value.isGroup) return refuse(`the confederation it names cannot be found: ${named}`);
  }
  const referral = newReferralUri(app.config.publicOrigin).href;
  let mandate: TabledProposal["mandate"];
  if (act.mandate) {
    // Fetched fresh: a recall shows at once, whether or not its Remove has arrived.
    const fetched = await fetchSignedDocument(app, act.mandate);
    retryIfTransient(fetched);
    if (!fetched.ok || fetched.document.type !== "Mandate") return refuse(fetched.ok ? "its mandate is not a Mandate" : `its mandate cannot be checked: ${fetched.reason}`);
    const m = mandateFromDocument(fetched.document);
    if (!m) return refuse("its mandate is malformed");
    mandate = { mandate: m, document: JSON.stringify(fetched.document), key: tabledMandateKey(referral) };
  }
  // Refused: the proposer is told why, in the transaction that claims the Offer.
  const inbound = new InboundActivity(claim, async (trx, outcome) => {
    if (outcome.ok) return;
    warn(outcome.error.message)();
    await answerWhy(outcome.error.message)(trx);
  });
  const tabled: TabledProposal = {
    referral,
    actor,
    title: act.title,
    text: act.text,
    ...(act.topic ? { topic: act.topic } : {}),
    ...(mandate ? { mandate } : {}),
    ...(act.decides ? { decides: act.decides } : {}),
  };
  const result = await referToMemberBodies(app, conf, tabled, inbound);
  if (inbound.state === "claimed" && result.ok) app.log.info({ confederation: conf.handle, referral, actor }, "confederal proposal tabled and referred");
}
