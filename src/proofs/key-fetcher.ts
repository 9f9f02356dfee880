import { fetchKey as fedifyFetchKey } from "@fedify/fedify";
import { isActor, Multikey, Object as ASObject, type Actor, type DocumentLoader } from "@fedify/vocab";
import { importMultibaseKey, preloadedContexts } from "@fedify/vocab-runtime";
import type { FetchedKey, KeyFetcher } from "./integrity.ts";

/** The controller a key was accepted from: its document as fetched, and the actor Fedify parsed from it (null when read as plain JSON). */
export interface KeyController {
  readonly id: URL;
  readonly document: unknown;
  readonly actor: Actor | null;
}

/**
 * The default {@link KeyFetcher}: accepts a key only if its controller is an actor
 * listing that key id in its `assertionMethod` (FEP-8b32, FEP-521a), and takes the
 * public key from the controller's own document. Without that check anyone could
 * publish a Multikey naming someone else's actor as its controller.
 *
 * A key id of the form `<actor>#fragment` (what Folkmoot and Mastodon publish) is
 * resolved with one fetch and one parse: the document at `<actor>` is the controller
 * itself. Any other key id (a standalone key document) is resolved through Fedify, then
 * its controller is fetched and must list it.
 *
 * @param loaders A Fedify `Context`, or `{ documentLoader, contextLoader }`
 *   (e.g. `ctx.getDocumentLoader({ identifier })` for authorized fetch).
 * @param onController Called with each controller a key is accepted from: its document,
 *   and the actor as Fedify parsed it when it did (a caller that needs more of the
 *   signer's actor need not fetch it again).
 * @param opts `plainJson: false` reads every key by the JSON-LD algorithm (for tests).
 */
export function createKeyFetcher(
  loaders: { documentLoader: DocumentLoader; contextLoader?: DocumentLoader },
  onController?: (controller: KeyController) => void,
  opts: { plainJson?: boolean } = {},
): KeyFetcher {
  const { documentLoader, contextLoader } = loaders;
  const parseOpts = { documentLoader, contextLoader };
  /** The key `keyId` as its controller `actorUrl` lists it, from the controller's document; null if it does not. */
  const fromController = async (keyId: URL, actorUrl: string, document: unknown): Promise<FetchedKey | null> => {
    const actor = await ASObject.fromJsonLd(document, parseOpts);
    if (!isActor(actor) || actor.id?.href !== actorUrl) return null;
    for await (const method of actor.getAssertionMethods({ ...parseOpts, suppressError: true })) {
      if (method.id?.href !== keyId.href) continue;
      if (method.controllerId?.href !== actorUrl || !method.publicKey) return null;
      onController?.({ id: actor.id, document, actor });
      return { publicKey: method.publicKey, controller: actor.id };
    }
    return null;
  };
  return async (keyId) => {
    try {
      if (keyId.hash !== "") {
        const actorUrl = new URL(keyId);
        actorUrl.hash = "";
        const { document } = await documentLoader(actorUrl.href);
        // Read from the plain JSON when it can be (`folkmoot verify` checks a thousand
        // signers' keys for one referral; a confederation, one verdict per member body).
        const plain = opts.plainJson === false ? undefined : await listedInPlainJson(keyId, actorUrl.href, document);
        if (plain !== undefined) {
          if (plain !== null) onController?.({ id: plain.controller, document, actor: null });
          return plain;
        }
        const found = await fromController(keyId, actorUrl.href, document).catch(() => null);
        // Not an actor listing it: the fragment may name a key in another kind of document.
        if (found !== null) return found;
      }
      const { key } = await fedifyFetchKey(keyId, Multikey, parseOpts);
      const controller = key?.controllerId;
      if (!controller) return null;
      const { document } = await documentLoader(controller.href);
      return await fromController(keyId, controller.href, document);
    } catch {
      return null;
    }
  };
}

/** Types of actor a key's controller may be. */
const ACTOR_TYPES = new Set(["Person", "Group", "Organization", "Application", "Service"]);
/** Terms an inline context of a plainly read document must leave alone. */
const KEY_TERMS = new Set(["id", "type", "assertionMethod", "controller", "publicKeyMultibase", "Multikey", ...ACTOR_TYPES]);

/**
 * The key `keyId` as the actor document `document` (fetched from `actorUrl`) lists it in its
 * `assertionMethod`, read from the JSON as written, without the JSON-LD algorithm (about
 * 3 ms an actor). Only for a document whose contexts are ones Fedify ships (ActivityStreams,
 * the security vocabularies) plus inline terms that do not touch the ones read here: then
 * the compact JSON means what it says. Anything else is undefined, for Fedify to read.
 * (The document is its own controller's word either way: whoever writes it chooses its keys.)
 */
async function listedInPlainJson(keyId: URL, actorUrl: string, document: unknown): Promise<FetchedKey | null | undefined> {
  if (document === null || typeof document !== "object" || Array.isArray(document)) return undefined;
  const doc = document as Record<string, unknown>;
  const contexts = Array.isArray(doc["@context"]) ? doc["@context"] : [doc["@context"]];
  for (const c of contexts) {
    if (
      typeof c === "string"
        ? !(c in preloadedContexts)
        : c === null || typeof c !== "object" || Array.isArray(c) || Object.keys(c).some((k) => k.startsWith("@") || KEY_TERMS.has(k))
    )
      return undefined;
  }
  if (doc.id !== actorUrl || typeof doc.type !== "string" || !ACTOR_TYPES.has(doc.type)) return undefined;
  const methods = Array.isArray(doc.assertionMethod) ? doc.assertionMethod : doc.assertionMethod === undefined ? [] : [doc.assertionMethod];
  for (const m of methods) {
    if (m === null || typeof m !== "object") return undefined;
    const method = m as Record<string, unknown>;
    if (method.id !== keyId.href) continue;
    if (method.type !== "Multikey" || typeof method.publicKeyMultibase !== "string") return undefined;
    if (method.controller !== actorUrl) return null;
    return { publicKey: await importMultibaseKey(method.publicKeyMultibase), controller: new URL(actorUrl) };
  }
  return undefined;
}
