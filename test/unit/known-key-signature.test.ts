import { generateKeyPairSync } from "node:crypto";
import { verifyRequestDetailed } from "@fedify/fedify";
import { CryptographicKey } from "@fedify/vocab";
import { describe, expect, it } from "vitest";
import { boundedKeyCache } from "../../src/federation/inbox-guard.ts";
import { verifiedWithKnownKey } from "../../src/federation/known-key-signature.ts";
import { signRequestCavage } from "../support/mastodon-peer.ts";

// The guard's quick check must never say yes where Fedify's check says no; where it
// cannot tell it says null and the guard asks Fedify (inbox-guard.ts).

const inbox = "http://127.0.0.233:9/ap/inbox";
const owner = "http://127.0.0.234/users/zoe";
const keyId = `${owner}#main-key`;

async function keyPair(): Promise<{ privateKeyPem: string; key: CryptographicKey }> {
  const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const spki = publicKey.export({ type: "spki", format: "der" });
  const cryptoKey = await crypto.subtle.importKey("spki", spki, { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, true, ["verify"]);
  return {
    privateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    key: new CryptographicKey({ id: new URL(keyId), owner: new URL(owner), publicKey: cryptoKey }),
  };
}

const { privateKeyPem, key } = await keyPair();
const other = await keyPair();
const body = JSON.stringify({ "@context": "https://www.w3.org/ns/activitystreams", id: `${owner}/statuses/1/activity`, type: "Create", actor: owner });

function request(headers: Record<string, string>, sent: string = body): Request {
  return new Request(inbox, { method: "POST", headers, body: sent });
}

async function both(req: Request, sent: string, keys = boundedKeyCache()) {
  const quick = await verifiedWithKnownKey(req.clone(), new TextEncoder().encode(sent), keys);
  const refuse = () => Promise.reject(new Error("not fetched in this test"));
  const fedify = await verifyRequestDetailed(req.clone(), { documentLoader: refuse, contextLoader: refuse, keyCache: keys, timeWindow: { hours: 1 } });
  return { quick, fedify: fedify.verified };
}

async function heldKeys() {
  const keys = boundedKeyCache();
  await keys.set(new URL(keyId), key);
  return keys;
}

describe("the inbox guard's check of a signature by a held key", () => {
  it("says yes, with the key Fedify finds, to what Mastodon signs (and to snac's header order)", async () => {
    const mastodon = signRequestCavage({ method: "POST", url: inbox, keyId, privateKeyPem, body, headers: { "content-type": "application/activity+json" } });
    const snac = signRequestCavage({
      method: "POST",
      url: inbox,
      keyId,
      privateKeyPem,
      body,
      headers: { "content-type": "application/activity+json" },
      signedHeaders: ["(request-target)", "content-type", "date", "digest", "host"],
    });
    for (const headers of [mastodon, snac]) {
      const { quick, fedify } = await both(request(headers), body, await heldKeys());
      expect(fedify).toBe(true);
      expect(quick?.id?.href).toBe(keyId);
    }
  });

  it("cannot tell (null) whenever Fedify refuses, and when the key is not held", async () => {
    const good = signRequestCavage({ method: "POST", url: inbox, keyId, privateKeyPem, body });
    const cases: Record<string, { req: Request; sent: string; keys?: Awaited<ReturnType<typeof heldKeys>> }> = {
      "a body changed after signing": { req: request(good, `${body} `), sent: `${body} ` },
      "signed two hours ago": { req: request(signRequestCavage({ method: "POST", url: inbox, keyId, privateKeyPem, body, date: new Date(Date.now() - 7_200_000) })), sent: body },
      "signed with another key": { req: request(signRequestCavage({ method: "POST", url: inbox, keyId, privateKeyPem: other.privateKeyPem, body })), sent: body },
      "a digest not signed": {
        req: request(signRequestCavage({ method: "POST", url: inbox, keyId, privateKeyPem, body, signedHeaders: ["(request-target)", "host", "date"] })),
        sent: body,
      },
      "a wrong digest, signed": { req: request(signRequestCavage({ method: "POST", url: inbox, keyId, privateKeyPem, body, digestOverride: "SHA-256=AAAA" })), sent: body },
    };
    for (const [what, c] of Object.entries(cases)) {
      const { quick, fedify } = await both(c.req, c.sent, await heldKeys());
      expect(fedify, what).toBe(false);
      expect(quick, what).toBeNull();
    }
    // Right, but the key is not held here: Fedify fetches it, so the guard asks Fedify.
    expect(await verifiedWithKnownKey(request(good), new TextEncoder().encode(body), boundedKeyCache())).toBeNull();
  });
});
