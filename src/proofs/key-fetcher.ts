import { fetchKey as fedifyFetchKey } from "@fedify/fedify";
import { isActor, Multikey, Object as ASObject, type DocumentLoader } from "@fedify/vocab";
import type { KeyFetcher } from "./integrity.ts";

/**
 * The default {@link KeyFetcher}: resolves a Multikey id through Fedify (so a
 * Fedify `Context`, which has `documentLoader` and `contextLoader`, can be
 * passed as is), then fetches the key's controller and accepts the key only if
 * the controller is an actor listing that key id in its `assertionMethod`
 * (FEP-8b32, FEP-521a). Without that second step anyone could publish a
 * Multikey naming someone else's actor as its controller. The public key is
 * taken from the controller's own document.
 *
 * @param loaders A Fedify `Context`, or `{ documentLoader, contextLoader }`
 *   (e.g. `ctx.getDocumentLoader({ identifier })` for authorized fetch).
 */
export function createKeyFetcher(loaders: { documentLoader: DocumentLoader; contextLoader?: DocumentLoader }): KeyFetcher {
  const { documentLoader, contextLoader } = loaders;
  return async (keyId) => {
    try {
      const { key } = await fedifyFetchKey(keyId, Multikey, { documentLoader, contextLoader });
      const controller = key?.controllerId;
      if (!controller) return null;
      const { document } = await documentLoader(controller.href);
      const actor = await ASObject.fromJsonLd(document, { documentLoader, contextLoader });
      if (!isActor(actor) || actor.id?.href !== controller.href) return null;
      for await (const method of actor.getAssertionMethods({ documentLoader, contextLoader, suppressError: true })) {
        if (method.id?.href !== keyId.href) continue;
        if (method.controllerId?.href !== controller.href || !method.publicKey) return null;
        return { publicKey: method.publicKey, controller };
      }
      return null;
    } catch {
      return null;
    }
  };
}
