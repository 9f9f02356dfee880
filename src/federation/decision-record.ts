import type { AppContext } from "../context.ts";
import { findProposal, readHistory } from "../decisions/index.ts";
import { importActorKeys } from "./keys.ts";
import { signDocument } from "./integrity.ts";
import { contextUrl } from "./proposals.ts";
import { actorUri } from "./uris.ts";

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
  const keys = await app.db
    .selectFrom("actor_keys")
    .select(["algorithm", "public_jwk as publicJwk", "private_jwk as privateJwk"])
    .where("actor_id", "=", ref.bodyId)
    .execute();
  const pairs = await importActorKeys(keys);
  const ed25519 = pairs.find((p) => p.privateKey.algorithm.name === "Ed25519");
  if (!ed25519) return null;
  const body = actorUri(app.config.publicOrigin, ref.bodyId);
  const document = {
    "@context": [AS, contextUrl(app.config.publicOrigin).href],
    id: `${ref.uri}/record`,
    type: "DecisionRecord",
    attributedTo: body.href,
    proposal: ref.uri,
    totalItems: history.value.length,
    events: history.value.map((h) => h.event),
  };
  // Fedify names actors' keys by position: RSA is #main-key, Ed25519 the second multikey.
  return signDocument(document, ed25519.privateKey, new URL(`${body.href}#multikey-2`));
}
