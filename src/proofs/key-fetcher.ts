import { fetchKey as fedifyFetchKey } from "@fedify/fedify";
import { isActor, Multikey, Object as ASObject, type Actor, type DocumentLoader } from "@fedify/vocab";
import type { FetchedKey, KeyFetcher } from "./integrity.ts";

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
 * @param onController Called with each controller a key is accepted from, as parsed (a
 *   caller that needs more of the signer's actor need not fetch and parse it again).
 */
export function createKeyFetcher(loaders: { documentLoader: DocumentLoader; contextLoader?: DocumentLoader }, onController?: (actor: Actor) => void): KeyFetcher {
  const { documentLoader, contextLoader } = loaders;
  const opts = { documentLoader, contextLoader };
  /** The key `keyId` as its controller `actorUrl` lists it, from the controller's document; null if it does not. */
  const fromController = async (keyId: URL, actorUrl: string, document: unknown): Promise<FetchedKey | null> => {
    const actor = await ASObject.fromJsonLd(document, opts);
    if (!isActor(actor) || actor.id?.href !== actorUrl) return null;
    for await (const method of actor.getAssertionMethods({ ...opts, suppressError: true })) {
      if (method.id?.href !== keyId.href) continue;
      if (method.controllerId?.href !== actorUrl || !method.publicKey) return null;
      onController?.(actor);
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
        const found = await fromController(keyId, actorUrl.href, document).catch(() => null);
        // Not an actor listing it: the fragment may name a key in another kind of document.
        if (found !== null) return found;
      }
      const { key } = await fedifyFetchKey(keyId, Multikey, opts);
      const controller = key?.controllerId;
      if (!controller) return null;
      const { document } = await documentLoader(controller.href);
      return await fromController(keyId, controller.href, document);
    } catch {
      return null;
    }
  };
}
