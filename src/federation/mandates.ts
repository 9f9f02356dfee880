import type { AppContext } from "../context.ts";
import { replayBody } from "../decisions/index.ts";
import { mandateStatus, type Mandate } from "../governance/index.ts";
import { signDocument } from "../proofs/integrity.ts";
import { documentSigningKey } from "../community/keys.ts";
import { contextUrl } from "./vocab/context.ts";
import { actorUri, localActorId, mandateUrl } from "../shared/uris.ts";

const AS = "https://www.w3.org/ns/activitystreams";

export { mandateIdFromPath, mandateUrl } from "../shared/uris.ts";

/**
 * A mandate as a document the body signs (Object Integrity Proof), so that any
 * instance, not only the first to receive it, can check who was mandated, for
 * what, until when, and whether it has been revoked. Signed afresh when served:
 * `revokedAt` appears the moment a recall is carried.
 */
export async function mandateDocument(app: AppContext, mandateId: string, now = new Date()): Promise<Record<string, unknown> | null> {
  const origin = app.config.publicOrigin;
  const proposal = mandateId.split("#mandate:")[0] ?? "";
  const ref = await app.db.selectFrom("proposals").select(["body_id"]).where("uri", "=", proposal).executeTakeFirst();
  if (!ref) return null;
  const state = await replayBody(app, ref.body_id);
  const mandate: Mandate | undefined = state?.mandates.get(mandateId);
  if (!mandate || localActorId(origin, mandate.body) !== ref.body_id) return null;
  const body = actorUri(origin, ref.body_id);
  const key = await documentSigningKey(app.db, ref.body_id, body);
  if (!key) return null;
  const document = {
    "@context": [AS, contextUrl(origin).href],
    id: mandateUrl(origin, mandate.id).href,
    type: "Mandate",
    attributedTo: body.href,
    delegate: mandate.delegate,
    role: mandate.role,
    scope: mandate.scope,
    instructions: mandate.instructions,
    covers: mandate.covers,
    startTime: mandate.start,
    endTime: mandate.end,
    decidedBy: mandate.decidedBy,
    ...(mandate.confederation ? { confederation: mandate.confederation } : {}),
    status: mandateStatus(mandate, now.toISOString()),
    ...(mandate.revokedAt ? { revokedAt: mandate.revokedAt, revokedBy: mandate.revokedBy } : {}),
  };
  return signDocument(document, key.privateKey, key.keyId);
}
