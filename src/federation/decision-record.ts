import type { AppContext } from "../context.ts";
import { findProposal, readHistory } from "../decisions/index.ts";
import { documentSigningKey } from "../community/keys.ts";
import { signDocument } from "../proofs/integrity.ts";
import { contextUrl } from "./vocab/context.ts";
import { actorUri } from "../shared/uris.ts";

const AS = "https://www.w3.org/ns/activitystreams";

/**
 * A proposal's whole record of events, signed by its body (an Object Integrity
 * Proof, eddsa-jcs-2022), served at `<proposal>/record`: anyone can check who
 * signed it and recompute the decision from it (`folkmoot verify`). Under a
 * secret ballot the events carry no choices, so only eligibility can be checked.
 */
export async function decisionRecordDocument(app: AppContext, proposalId: string): Promise<Record<string, unknown> | null> {
  const ref = await findProposal(app, proposalId);
  if (!ref) return null;
  const history = await readHistory(app, null, ref.bodyHandle, ref.id);
  if (!history.ok) return null;
  const body = actorUri(app.config.publicOrigin, ref.bodyId);
  const key = await documentSigningKey(app.db, ref.bodyId, body);
  if (!key) return null;
  const document = {
    "@context": [AS, contextUrl(app.config.publicOrigin).href],
    id: `${ref.uri}/record`,
    type: "DecisionRecord",
    attributedTo: body.href,
    proposal: ref.uri,
    totalItems: history.value.length,
    events: history.value.map((h) => h.event),
  };
  return signDocument(document, key.privateKey, key.keyId);
}
