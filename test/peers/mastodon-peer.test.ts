/**
 * Tests of the hand-written Mastodon-style peer itself: what it serves, that
 * its draft-cavage signatures verify with an independent verifier
 * (`http-signature`) and with Fedify, that forgeries are caught, and that it
 * records and verifies deliveries from another peer instance.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createFederation, generateCryptoKeyPair, MemoryKvStore, verifyRequest } from "@fedify/fedify";
import { Create, type DocumentLoader, Follow, Note, Person } from "@fedify/vocab";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { digestHeader, httpSignature, type MastodonPeer, signRequestCavage, startMastodonPeer } from "../support/mastodon-peer.ts";
import { readTestTls } from "../support/tls.ts";

const ACCEPT_AP = { accept: "application/activity+json" };

async function getJson(url: string, headers: Record<string, string> = ACCEPT_AP): Promise<{ status: number; json: any; type: string | null }> {
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(5000) });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined, type: res.headers.get("content-type") };
}

/** What a server would hand `http-signature`: method, path, lower-case headers. */
function asIncoming(method: string, url: string, headers: Record<string, string>) {
  const u = new URL(url);
  return { method, url: u.pathname + u.search, httpVersion: "1.1", headers };
}

function note(peer: MastodonPeer, content: string): Record<string, unknown> {
  return {
    "@context": "https://www.w3.org/ns/activitystreams",
    id: peer.newId("notes"),
    type: "Note",
    attributedTo: peer.actorId,
    content,
    to: ["https://www.w3.org/ns/activitystreams#Public"],
  };
}

function create(peer: MastodonPeer, object: Record<string, unknown>, actor = peer.actorId): Record<string, unknown> {
  return {
    "@context": "https://www.w3.org/ns/activitystreams",
    id: peer.newId(),
    type: "Create",
    actor,
    object,
    to: object.to,
  };
}

describe("mastodon-peer", () => {
  let a: MastodonPeer;
  let b: MastodonPeer;

  beforeAll(async () => {
    [a, b] = await Promise.all([startMastodonPeer({ host: "127.0.0.5" }), startMastodonPeer({ host: "127.0.0.6", username: "bob", autoAcceptFollows: true })]);
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
  });

  describe("what it serves", () => {
    it("serves its actor as a Mastodon-shaped Person", async () => {
      const { status, json, type } = await getJson(a.actorId);
      expect(status).toBe(200);
      expect(type).toMatch(/^application\/activity\+json/);
      expect(json["@context"]).toEqual(expect.arrayContaining(["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"]));
      expect(json).toMatchObject({
        id: a.actorId,
        type: "Person",
        preferredUsername: "alice",
        inbox: a.inbox,
        outbox: a.outbox,
        followers: a.followers,
        endpoints: { sharedInbox: a.sharedInbox },
        publicKey: { id: a.keyId, owner: a.actorId, publicKeyPem: a.publicKeyPem },
      });
      expect(a.keyId).toBe(`${a.actorId}#main-key`);
      expect(a.publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    });

    it("serves mallory with a different key", async () => {
      const { json } = await getJson(a.mallory.actorId);
      expect(json.id).toBe(`${a.origin}/users/mallory`);
      expect(json.publicKey.owner).toBe(a.mallory.actorId);
      expect(json.publicKey.publicKeyPem).toBe(a.mallory.publicKeyPem);
      expect(a.mallory.publicKeyPem).not.toBe(a.publicKeyPem);
    });

    it("answers WebFinger for acct:user@host:port, acct:user@host and the actor URL", async () => {
      for (const resource of [`acct:${a.handle}`, `acct:alice@${a.host}`, a.actorId]) {
        const { status, json, type } = await getJson(`${a.origin}/.well-known/webfinger?resource=${encodeURIComponent(resource)}`, { accept: "application/jrd+json" });
        expect(status).toBe(200);
        expect(type).toMatch(/^application\/jrd\+json/);
        expect(json.subject).toBe(`acct:alice@${a.host}:${a.port}`);
        expect(json.links).toContainEqual({ rel: "self", type: "application/activity+json", href: a.actorId });
      }
      expect((await getJson(`${a.origin}/.well-known/webfinger?resource=acct:nobody@${a.host}`)).status).toBe(404);
      expect((await getJson(`${a.origin}/.well-known/webfinger`)).status).toBe(400);
    });

    it("serves empty outbox and following, and NodeInfo as mastodon", async () => {
      const outbox = await getJson(a.outbox);
      expect(outbox.json).toMatchObject({ type: "OrderedCollection", totalItems: 0 });
      const ni = await getJson(`${a.origin}/.well-known/nodeinfo`, { accept: "application/json" });
      const doc = await getJson(ni.json.links[0].href, { accept: "application/json" });
      expect(doc.json.software.name).toBe("mastodon");
    });

    it("serves, re-serves and unserves arbitrary objects", async () => {
      const n = note(a, "served note");
      a.serve(n.id as string, n);
      expect((await getJson(n.id as string)).json).toEqual(n);
      a.serve(n.id as string, { id: n.id, type: "Tombstone" }, { status: 410 });
      expect((await getJson(n.id as string)).status).toBe(410);
      a.unserve(n.id as string);
      expect((await getJson(n.id as string)).status).toBe(404);
      expect(() => a.serve("http://127.0.0.9:1/x", {})).toThrow(/not under/);
    });

    it("newId() is unique and under the origin", () => {
      const ids = new Set(Array.from({ length: 50 }, () => a.newId()));
      expect(ids.size).toBe(50);
      for (const id of ids) expect(id.startsWith(`${a.origin}/activities/`)).toBe(true);
    });
  });

  describe("signatures checked by http-signature", () => {
    const inbox = "http://127.0.0.7:8080/users/x/inbox";
    const body = JSON.stringify({ type: "Create", actor: "https://x.example/users/a" });

    function signed(overrides: Partial<Parameters<typeof signRequestCavage>[0]> = {}) {
      return signRequestCavage({
        method: "POST",
        url: inbox,
        body,
        keyId: a.keyId,
        privateKeyPem: a.privateKeyPem,
        headers: { "content-type": "application/activity+json" },
        ...overrides,
      });
    }
    const options = { headers: ["(request-target)", "host", "date", "digest"] };

    it("signs (request-target) host date digest exactly as Mastodon does", () => {
      const h = signed();
      expect(h.host).toBe("127.0.0.7:8080");
      expect(h.digest).toBe(digestHeader(body));
      expect(h.digest).toMatch(/^SHA-256=[A-Za-z0-9+/]+=*$/);
      expect(h.date).toMatch(/^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
      expect(h.signature).toMatch(new RegExp(`^keyId="${a.keyId}",algorithm="rsa-sha256",headers="\\(request-target\\) host date digest",signature="[A-Za-z0-9+/]+=*"$`));
      const parsed = httpSignature.parseRequest(asIncoming("POST", inbox, h), options);
      expect(parsed.signingString).toBe(`(request-target): post /users/x/inbox\nhost: 127.0.0.7:8080\ndate: ${h.date}\ndigest: ${h.digest}`);
      expect(httpSignature.verifySignature(parsed, a.publicKeyPem)).toBe(true);
    });

    it("detects a signature made with another key (forged keyId)", () => {
      const h = signed({ privateKeyPem: a.mallory.privateKeyPem }); // claims a.keyId
      const parsed = httpSignature.parseRequest(asIncoming("POST", inbox, h), options);
      expect(httpSignature.verifySignature(parsed, a.publicKeyPem)).toBe(false);
    });

    it("detects a Digest header altered after signing", () => {
      const h = signed();
      h.digest = digestHeader("something else");
      const parsed = httpSignature.parseRequest(asIncoming("POST", inbox, h), options);
      expect(httpSignature.verifySignature(parsed, a.publicKeyPem)).toBe(false);
    });

    it("detects a request sent to another path (request-target)", () => {
      const h = signed();
      const parsed = httpSignature.parseRequest(asIncoming("POST", "http://127.0.0.7:8080/inbox", h), options);
      expect(httpSignature.verifySignature(parsed, a.publicKeyPem)).toBe(false);
    });

    it("detects a stale Date", () => {
      const h = signed({ date: new Date(Date.now() - 2 * 3600 * 1000) });
      expect(() => httpSignature.parseRequest(asIncoming("POST", inbox, h), { ...options, clockSkew: 3600 })).toThrow(/clock skew/);
    });

    it("detects a signature that leaves out digest", () => {
      const h = signed({ signedHeaders: ["(request-target)", "host", "date"] });
      expect(() => httpSignature.parseRequest(asIncoming("POST", inbox, h), options)).toThrow(/digest was not a signed header/);
    });

    it("signs a GET over (request-target) host date accept", () => {
      const url = "http://127.0.0.7:8080/users/x?page=1";
      const h = signRequestCavage({
        method: "GET",
        url,
        keyId: a.keyId,
        privateKeyPem: a.privateKeyPem,
        headers: { accept: "application/activity+json" },
      });
      expect(h.digest).toBeUndefined();
      // Mastodon and Fedify put only the path into (request-target).
      const parsed = httpSignature.parseRequest(asIncoming("GET", url.replace("?page=1", ""), h));
      expect(parsed.params.headers).toEqual(["(request-target)", "host", "date", "accept"]);
      expect(httpSignature.verifySignature(parsed, a.publicKeyPem)).toBe(true);
    });
  });

  describe("signatures checked by Fedify's verifyRequest", () => {
    // Plain loader: Fedify's default one refuses private (loopback) addresses.
    const documentLoader: DocumentLoader = async (url) => {
      const res = await fetch(url, { headers: ACCEPT_AP, signal: AbortSignal.timeout(5000) });
      if (!res.ok) throw new Error(`HTTP ${res.status} for ${url}`);
      return { contextUrl: null, documentUrl: res.url, document: await res.json() };
    };
    const inbox = "http://127.0.0.7:8080/inbox";
    const body = JSON.stringify({ type: "Follow" });
    const request = (h: Record<string, string>, b = body) => new Request(inbox, { method: "POST", headers: h, body: b });

    it("accepts the peer's signature and resolves the key to its actor", async () => {
      const h = signRequestCavage({ method: "POST", url: inbox, body, keyId: a.keyId, privateKeyPem: a.privateKeyPem });
      const key = await verifyRequest(request(h), { documentLoader });
      expect(key?.id?.href).toBe(a.keyId);
      expect(key?.ownerId?.href).toBe(a.actorId);
    });

    it("rejects a forged signature, a tampered body and a stale Date", async () => {
      const forged = signRequestCavage({ method: "POST", url: inbox, body, keyId: a.keyId, privateKeyPem: a.mallory.privateKeyPem });
      expect(await verifyRequest(request(forged), { documentLoader })).toBeNull();
      const good = signRequestCavage({ method: "POST", url: inbox, body, keyId: a.keyId, privateKeyPem: a.privateKeyPem });
      expect(await verifyRequest(request(good, JSON.stringify({ type: "Delete" })), { documentLoader })).toBeNull();
      const stale = signRequestCavage({
        method: "POST",
        url: inbox,
        body,
        keyId: a.keyId,
        privateKeyPem: a.privateKeyPem,
        date: new Date(Date.now() - 2 * 3600 * 1000),
      });
      expect(await verifyRequest(request(stale), { documentLoader })).toBeNull();
    });
  });

  describe("deliveries between two peers", () => {
    it("records and verifies a signed Create from another peer (202)", async () => {
      const activity = create(b, note(b, "hello alice"));
      const res = await b.post(a.inbox, activity);
      expect(res.status).toBe(202);
      const r = await a.waitFor((x) => x.body?.id === activity.id, 2000);
      expect(r).toMatchObject({
        path: "/users/alice/inbox",
        signatureValid: true,
        keyId: b.keyId,
        keyOwner: b.actorId,
        signerMatchesActor: true,
        status: 202,
        body: activity,
      });
      expect(r.headers["content-type"]).toBe("application/activity+json");
      expect(r.headers.digest).toBe(digestHeader(r.rawBody));
      // The activity b sent is now dereferenceable at its id.
      expect((await getJson(activity.id as string)).json).toEqual(activity);
      expect(b.sent.at(-1)).toMatchObject({ url: a.inbox, status: 202 });
    });

    it("accepts the shared inbox too", async () => {
      const activity = create(b, note(b, "to everyone"));
      expect((await b.post(a.sharedInbox, activity)).status).toBe(202);
      const r = await a.waitFor((x) => x.body?.id === activity.id, 2000);
      expect(r.path).toBe("/inbox");
      expect(r.signatureValid).toBe(true);
    });

    it("flags mallory signing an activity that claims bob (valid signature, wrong signer)", async () => {
      const activity = create(b, note(b, "not really bob"));
      const res = await b.post(a.inbox, activity, { keyId: b.mallory.keyId, privateKeyPem: b.mallory.privateKeyPem });
      expect(res.status).toBe(202);
      const r = await a.waitFor((x) => x.body?.id === activity.id, 2000);
      expect(r.signatureValid).toBe(true);
      expect(r.keyOwner).toBe(b.mallory.actorId);
      expect(r.signerMatchesActor).toBe(false);
    });

    it("rejects with 401 and records: forged signature, wrong digest, stale date, unsigned, garbage header", async () => {
      const cases: Array<[string, Parameters<MastodonPeer["post"]>[2], RegExp]> = [
        ["forged", { privateKeyPem: b.mallory.privateKeyPem }, /does not verify/],
        ["digest", { digestOverride: digestHeader("another body") }, /Digest sha-256 does not match/],
        ["stale", { date: new Date(Date.now() - 2 * 3600 * 1000) }, /clock skew/],
        ["unsigned", { unsigned: true }, /no authorization or signature header/i],
        ["garbage", { signatureOverride: 'keyId="x",signature="!!"' }, /signature header/],
        ["no-digest-signed", { signedHeaders: ["(request-target)", "host", "date"] }, /digest was not a signed header/],
      ];
      for (const [name, o, error] of cases) {
        const activity = create(b, note(b, name));
        const res = await b.post(a.inbox, activity, o);
        expect(res.status, name).toBe(401);
        const r = await a.waitFor((x) => x.body?.id === activity.id, 2000);
        expect(r.signatureValid, name).toBe(false);
        expect(r.status, name).toBe(401);
        expect(r.error, name).toMatch(error);
      }
    });

    it("rejects a raw body that does not match the signed digest, and verifies a signed raw body", async () => {
      const activity = create(b, note(b, "raw"));
      const raw = JSON.stringify(activity, null, 2);
      expect((await b.post(a.inbox, {}, { rawBody: raw })).status).toBe(202);
      const r = await a.waitFor((x) => x.rawBody === raw, 2000);
      expect(r.signatureValid).toBe(true);
      expect(r.body).toEqual(activity);
    });

    it("answers 401 to an RFC 9421 signature, as a Mastodon-only verifier does", async () => {
      const activity = create(b, note(b, "rfc9421"));
      const res = await b.post(a.inbox, activity, {
        unsigned: true,
        headers: { "signature-input": 'sig1=("@method" "@target-uri");keyid="x"', signature: "sig1=:AAAA:" },
      });
      expect(res.status).toBe(401);
      const r = await a.waitFor((x) => x.body?.id === activity.id, 2000);
      expect(r.error).toMatch(/RFC 9421/);
    });

    it("auto-accepts a Follow with a signed Accept embedding the Follow", async () => {
      const follow = {
        "@context": "https://www.w3.org/ns/activitystreams",
        id: a.newId("follows"),
        type: "Follow",
        actor: a.actorId,
        object: b.actorId,
      };
      expect((await a.post(b.inbox, follow)).status).toBe(202);
      const accept = await a.waitFor((x) => x.body?.type === "Accept" && x.body?.object?.id === follow.id, 5000);
      expect(accept.signatureValid).toBe(true);
      expect(accept.signerMatchesActor).toBe(true);
      expect(accept.body).toMatchObject({ actor: b.actorId, object: { type: "Follow", actor: a.actorId, object: b.actorId } });
      expect(b.followerIds.has(a.actorId)).toBe(true);
      expect((await getJson(b.followers)).json.orderedItems).toContain(a.actorId);
      expect(b.errors).toEqual([]);
    });

    it("waitFor is bounded and reports what arrived", async () => {
      await expect(a.waitFor(() => false, 100)).rejects.toThrow(/no matching POST within 100 ms; received: \[/);
    });

    it("refuses to send anywhere but loopback", async () => {
      await expect(b.post("http://192.0.2.1/inbox", {})).rejects.toThrow(/non-loopback/);
      await expect(b.signedGet("https://example.com/users/x")).rejects.toThrow(/non-loopback/);
    });
  });

  describe("signedGet", () => {
    let server: Server;
    let seen: IncomingMessage | undefined;
    let url: string;
    beforeAll(async () => {
      server = createServer((req, res) => {
        seen = req;
        res.writeHead(200, { "content-type": "application/activity+json" });
        res.end('{"ok":true}');
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.7", resolve));
      url = `http://127.0.0.7:${(server.address() as AddressInfo).port}/users/someone?page=true`;
    });
    afterAll(async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    });

    it("sends a draft-cavage signed GET with Accept: application/activity+json", async () => {
      const res = await a.signedGet(url);
      expect(await res.json()).toEqual({ ok: true });
      const req = seen!;
      expect(req.headers.accept).toBe("application/activity+json");
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
      // Path only in (request-target), as Mastodon and Fedify sign it.
      const parsed = httpSignature.parseRequest({ method: "GET", url: "/users/someone", headers });
      expect(parsed.keyId).toBe(a.keyId);
      expect(httpSignature.verifySignature(parsed, a.publicKeyPem)).toBe(true);
    });
  });

  describe("over TLS with the test CA", () => {
    let s: MastodonPeer;
    beforeAll(async () => {
      s = await startMastodonPeer({ host: "127.0.0.8", tls: readTestTls() });
    });
    afterAll(async () => {
      await s?.close();
    });

    it("serves WebFinger and the actor over https", async () => {
      expect(s.origin).toMatch(/^https:\/\/127\.0\.0\.8:\d+$/);
      const wf = await getJson(`${s.origin}/.well-known/webfinger?resource=acct:${s.handle}`);
      expect(wf.json.links).toContainEqual({ rel: "self", type: "application/activity+json", href: s.actorId });
      expect((await getJson(s.actorId)).json.id).toBe(s.actorId);
    });

    it("verifies a delivery from an http peer and delivers to one", async () => {
      const toS = create(a, note(a, "to tls"));
      expect((await a.post(s.inbox, toS)).status).toBe(202);
      expect((await s.waitFor((x) => x.body?.id === toS.id, 2000)).signatureValid).toBe(true);
      const fromS = create(s, note(s, "from tls"));
      expect((await s.post(a.inbox, fromS)).status).toBe(202);
      expect((await a.waitFor((x) => x.body?.id === fromS.id, 2000)).keyOwner).toBe(s.actorId);
    });
  });

  describe("against a real Fedify 2 server", () => {
    // A minimal Fedify instance on its own loopback address: the peer must
    // verify what Fedify sends (RFC 9421 first, draft-cavage after our 401)
    // and Fedify must accept what the peer sends.
    let server: Server;
    let origin: string;
    const followsSeen: string[] = [];
    const fed = createFederation<void>({ kv: new MemoryKvStore(), allowPrivateAddress: true });

    beforeAll(async () => {
      const rsa = await generateCryptoKeyPair("RSASSA-PKCS1-v1_5");
      fed
        .setActorDispatcher("/users/{identifier}", async (ctx, identifier) => {
          const keys = await ctx.getActorKeyPairs(identifier);
          return new Person({
            id: ctx.getActorUri(identifier),
            preferredUsername: identifier,
            inbox: ctx.getInboxUri(identifier),
            publicKey: keys[0]!.cryptographicKey,
          });
        })
        .setKeyPairsDispatcher(async () => [rsa]);
      fed.setInboxListeners("/users/{identifier}/inbox", "/inbox").on(Follow, async (_ctx, f) => {
        if (f.id) followsSeen.push(f.id.href);
      });
      server = createServer(async (req, res) => {
        const chunks: Buffer[] = [];
        for await (const c of req) chunks.push(c as Buffer);
        const headers = new Headers();
        for (const [k, v] of Object.entries(req.headers)) {
          if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(", ") : v);
        }
        const hasBody = req.method !== "GET" && req.method !== "HEAD";
        const response = await fed.fetch(new Request(`${origin}${req.url}`, { method: req.method!, headers, ...(hasBody ? { body: Buffer.concat(chunks) } : {}) }), {
          contextData: undefined,
        });
        res.writeHead(response.status, Object.fromEntries(response.headers));
        res.end(Buffer.from(await response.arrayBuffer()));
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.3", resolve));
      origin = `http://127.0.0.3:${(server.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      await new Promise<void>((resolve) => {
        server?.close(() => resolve());
        server?.closeAllConnections();
      });
    });

    it("answers Fedify's RFC 9421 knock with 401 and verifies its draft-cavage retry", async () => {
      const ctx = fed.createContext(new URL(origin), undefined);
      const sender = ctx.getActorUri("fed");
      const id = new URL(`${origin}/creates/${Date.now()}`);
      await ctx.sendActivity(
        { identifier: "fed" },
        { id: new URL(a.actorId), inboxId: new URL(a.inbox) },
        new Create({ id, actor: sender, object: new Note({ id: new URL(`${id.href}/note`), content: "hi" }) }),
      );
      const mine = a.received.filter((r) => r.body?.id === id.href);
      expect(mine.map((r) => [r.status, r.signatureValid])).toEqual([
        [401, false],
        [202, true],
      ]);
      expect(mine[0]!.error).toMatch(/RFC 9421/);
      expect(mine[1]).toMatchObject({ keyOwner: sender.href, signerMatchesActor: true });
    });

    it("is accepted by Fedify, which rejects mallory claiming alice", async () => {
      const target = `${origin}/users/fed`;
      const follow = (): Record<string, unknown> => ({
        "@context": "https://www.w3.org/ns/activitystreams",
        id: a.newId("follows"),
        type: "Follow",
        actor: a.actorId,
        object: target,
      });
      const good = follow();
      expect((await a.post(`${target}/inbox`, good)).status).toBe(202);
      expect(followsSeen).toContain(good.id);
      const bad = follow();
      const res = await a.post(`${target}/inbox`, bad, { keyId: a.mallory.keyId, privateKeyPem: a.mallory.privateKeyPem });
      expect(res.status).toBe(401);
      expect(followsSeen).not.toContain(bad.id);
      const get = await a.signedGet(target);
      expect(get.status).toBe(200);
    });
  });
});
