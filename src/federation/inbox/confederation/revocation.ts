import type { InboxContext } from "@fedify/fedify";
import type { Remove } from "@fedify/vocab";
import { InboundActivity, takenInBefore } from "../../../community/inbound.ts";
import type { AppContext } from "../../../context.ts";
import { recordRevocation } from "../../../decisions/confederation/revocation.ts";
import { fetchSignedDocument, mandateFromDocument } from "../../confederal-documents.ts";
import { claimOf, localBody, refuseOnce, retryIfTransient } from "./common.ts";

/** A member body revoked a mandate used here (`Remove{mandate}`): the signed mandate, fetched fresh, must say so. */
export async function receiveRevocation(ctx: InboxContext<AppContext>, remove: Remove): Promise<void> {
  const app = ctx.data;
  if (!remove.objectId || !remove.actorId || !remove.id) return;
  const conf = await localBody(app, remove.targetId);
  if (conf?.kind !== "confederation") return;
  if (await takenInBefore(app, remove.id.href)) return;
  const sender = remove.actorId.href;
  const claim = claimOf(remove, "Remove");
  const fetched = await fetchSignedDocument(app, remove.objectId.href, sender);
  retryIfTransient(fetched);
  if (!fetched.ok || fetched.document.type !== "Mandate") {
    return refuseOnce(app, claim, () => app.log.warn({ from: sender, reason: fetched.ok ? "not a Mandate" : fetched.reason }, "revocation refused"));
  }
  const m = mandateFromDocument(fetched.document);
  if (!m || m.revokedAt === null || m.revokedBy === null) {
    return refuseOnce(app, claim, () => app.log.warn({ from: sender, mandate: remove.objectId!.href }, "revocation refused: the mandate is not revoked"));
  }
  const inbound = new InboundActivity(claim);
  const result = await recordRevocation(app, conf, sender, { ...m, revokedAt: m.revokedAt, revokedBy: m.revokedBy }, inbound);
  if (inbound.state === "claimed") app.log.info({ confederation: conf.handle, mandate: m.id, ok: result.ok }, "mandate revocation received");
}
