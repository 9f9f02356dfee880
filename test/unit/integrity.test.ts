import { createProof, signObject, verifyObject, verifyProof, type Context } from "@fedify/fedify";
import { Create, Multikey, Note, Person, PUBLIC_COLLECTION, type DocumentLoader } from "@fedify/vocab";
import { Temporal } from "@js-temporal/polyfill";
import { beforeAll, describe, expect, it } from "vitest";
import { generateActorKeys, importActorKeys } from "../../src/community/keys.ts";
import { toInstant } from "../../src/shared/time.ts";
import { decodeBase58btc, encodeBase58btc } from "../../src/proofs/base58.ts";
import { signDocument, verifyDocument, type KeyFetcher } from "../../src/proofs/integrity.ts";
import { canonicalizeJson } from "../../src/proofs/jcs.ts";
import { createKeyFetcher } from "../../src/proofs/key-fetcher.ts";

const AS = "https://www.w3.org/ns/activitystreams";
const DI = "https://w3id.org/security/data-integrity/v1";
const FOLKMOOT = "https://example.org/ns/folkmoot";
const CREATED = new Date("2026-03-01T12:00:00Z");
const NOW = new Date("2026-03-02T00:00:00Z");

interface TestActor {
  id: URL;
  keyId: URL;
  pair: CryptoKeyPair;
  /** The actor document as Fedify serves it, with the Ed25519 key as `#multikey-2`. */
  json: unknown;
}

async function makeActor(origin: string, name: string): Promise<TestActor> {
  const pair = (await crypto.subtle.generateKey("Ed25519", true, ["sign", "verify"])) as CryptoKeyPair;
  const id = new URL(`/ap/actors/${name}`, origin);
  const keyId = new URL("#multikey-2", id);
  const person = new Person({
    id,
    preferredUsername: name,
    inbox: new URL(`/ap/actors/${name}/inbox`, origin),
    assertionMethods: [new Multikey({ id: keyId, controller: id, publicKey: pair.publicKey })],
  });
  return { id, keyId, pair, json: await person.toJsonLd({ format: "compact" }) };
}

/** A key fetcher over known actors, as a caller with its own key store would write it. */
function keyring(...actors: TestActor[]): KeyFetcher {
  return async (keyId) => {
    const actor = actors.find((a) => a.keyId.href === keyId.href);
    return actor ? { publicKey: actor.pair.publicKey, controller: actor.id } : null;
  };
}

/** A document loader serving fixed documents (fragments ignored, as over HTTP); no network. */
function loaderFor(docs: Record<string, unknown>): DocumentLoader {
  return async (url) => {
    const u = new URL(url);
    u.hash = "";
    const document = docs[u.href];
    if (document === undefined) throw new Error(`not found: ${u.href}`);
    return { contextUrl: null, documentUrl: u.href, document };
  };
}

/**
 * What Fedify puts on the wire (and hashes): `toJsonLd` output with the public
 * audience CURIE expanded (Fedify's `normalizeOutgoingActivityJsonLd`, internal).
 */
function wireForm(json: unknown): Record<string, unknown> {
  return JSON.parse(JSON.stringify(json).replaceAll('"as:Public"', `"${PUBLIC_COLLECTION.href}"`)) as Record<string, unknown>;
}

function mandate(signer: TestActor): Record<string, unknown> {
  return {
    "@context": [AS, DI, FOLKMOOT],
    id: "https://commune.example/ap/mandates/7",
    type: "Mandate",
    attributedTo: signer.id.href,
    delegate: "https://commune.example/ap/actors/dana",
    scope: { type: "Scope", body: "https://federation.example/ap/actors/council", topics: ["water", "roads"], until: "2026-09-01" },
    published: "2026-03-01T11:59:00Z",
  };
}

let alice: TestActor;
let mallory: TestActor;
let opts: { fetchKey: KeyFetcher; now: Date };

beforeAll(async () => {
  alice = await makeActor("https://commune.example", "alice");
  mallory = await makeActor("https://evil.example", "mallory");
  opts = { fetchKey: keyring(alice, mallory), now: NOW };
});

describe("signDocument / verifyDocument", () => {
  it("signs with an eddsa-jcs-2022 DataIntegrityProof and verifies it", async () => {
    const doc = mandate(alice);
    const signed = await signDocument(doc, alice.pair.privateKey, alice.keyId, CREATED);
    expect(doc).not.toHaveProperty("proof"); // the input is left alone
    const proof = signed.proof as Record<string, string>;
    expect(proof).toMatchObject({
      type: "DataIntegrityProof",
      cryptosuite: "eddsa-jcs-2022",
      verificationMethod: alice.keyId.href,
      proofPurpose: "assertionMethod",
      created: "2026-03-01T12:00:00Z",
    });
    expect(proof.proofValue).toMatch(/^z[1-9A-HJ-NP-Za-km-z]+$/);
    expect(decodeBase58btc(proof.proofValue!.slice(1))).toHaveLength(64);
    expect(await verifyDocument(signed, opts)).toEqual({ ok: true, signer: alice.id, created: CREATED });
  });

  it("keeps extension properties, and verifies after a trip over the wire with reordered keys", async () => {
    const signed = await signDocument(mandate(alice), alice.pair.privateKey, alice.keyId, CREATED);
    const { proof: _proof, ...body } = signed;
    expect(body).toEqual(mandate(alice));
    const reordered = JSON.parse(JSON.stringify(Object.fromEntries(Object.entries(signed).reverse()))) as unknown;
    expect(await verifyDocument(reordered, opts)).toMatchObject({ ok: true, signer: alice.id });
  });

  it("is deterministic: same document and created, same proofValue", async () => {
    const a = await signDocument(mandate(alice), alice.pair.privateKey, alice.keyId, CREATED);
    const b = await signDocument(mandate(alice), alice.pair.privateKey, alice.keyId, CREATED);
    const c = await signDocument(mandate(alice), alice.pair.privateKey, alice.keyId, new Date(CREATED.getTime() + 1000));
    expect((a.proof as Record<string, string>).proofValue).toBe((b.proof as Record<string, string>).proofValue);
    expect((a.proof as Record<string, string>).proofValue).not.toBe((c.proof as Record<string, string>).proofValue);
  });

  it("writes created as Temporal.Instant#toString does (what Fedify's verifier re-serialises)", async () => {
    for (const ms of [0, 120, 123, 100]) {
      const date = new Date(CREATED.getTime() + ms);
      const signed = await signDocument(mandate(alice), alice.pair.privateKey, alice.keyId, date);
      expect((signed.proof as Record<string, string>).created).toBe(Temporal.Instant.fromEpochMilliseconds(date.getTime()).toString());
      expect(await verifyDocument(signed, opts)).toMatchObject({ ok: true, created: date });
    }
  });

  it("works with keys stored and imported through keys.ts (Ed25519 is the second pair)", async () => {
    const [, ed] = await importActorKeys(await generateActorKeys());
    const signed = await signDocument(mandate(alice), ed!.privateKey, alice.keyId, CREATED);
    const fetchKey: KeyFetcher = async () => ({ publicKey: ed!.publicKey, controller: alice.id });
    expect(await verifyDocument(signed, { fetchKey, now: NOW })).toMatchObject({ ok: true });
  });

  it("refuses to sign twice, over a Linked Data Signature, or with a non-Ed25519 key", async () => {
    const signed = await signDocument(mandate(alice), alice.pair.privateKey, alice.keyId, CREATED);
    await expect(signDocument(signed, alice.pair.privateKey, alice.keyId)).rejects.toThrow(TypeError);
    await expect(signDocument({ ...mandate(alice), signature: {} }, alice.pair.privateKey, alice.keyId)).rejects.toThrow(TypeError);
    const [rsa] = await importActorKeys(await generateActorKeys());
    await expect(signDocument(mandate(alice), rsa!.privateKey, alice.keyId)).rejects.toThrow(TypeError);
    await expect(signDocument(mandate(alice), alice.pair.publicKey, alice.keyId)).rejects.toThrow(TypeError);
  });

  it("ignores a Linked Data Signature added after the proof (FEP-8b32)", async () => {
    const signed = await signDocument(mandate(alice), alice.pair.privateKey, alice.keyId, CREATED);
    const withLd = { ...signed, signature: { type: "RsaSignature2017", creator: "x", signatureValue: "y" } };
    expect(await verifyDocument(withLd, opts)).toMatchObject({ ok: true });
  });
});

describe("verifyDocument refuses", () => {
  let signed: Record<string, unknown>;
  let proof: Record<string, unknown>;
  beforeAll(async () => {
    signed = await signDocument(mandate(alice), alice.pair.privateKey, alice.keyId, CREATED);
    proof = signed.proof as Record<string, unknown>;
  });
  const reason = async (doc: unknown, options = opts) => {
    const r = await verifyDocument(doc, options);
    return r.ok ? "ok" : r.reason;
  };

  it("a changed property, extension property, added property or @context: bad-signature", async () => {
    expect(await reason({ ...signed, delegate: "https://commune.example/ap/actors/mallory" })).toBe("bad-signature");
    expect(await reason({ ...signed, scope: { ...(signed.scope as object), topics: ["water", "roads", "budget"] } })).toBe("bad-signature");
    expect(await reason({ ...signed, summary: "extra" })).toBe("bad-signature");
    expect(await reason({ ...signed, "@context": [AS, DI] })).toBe("bad-signature");
  });

  it("a changed proof field", async () => {
    expect(await reason({ ...signed, proof: { ...proof, created: "2026-03-01T12:00:01Z" } })).toBe("bad-signature");
    const flipped = decodeBase58btc((proof.proofValue as string).slice(1))!;
    flipped[0]! ^= 1;
    expect(await reason({ ...signed, proof: { ...proof, proofValue: `z${encodeBase58btc(flipped)}` } })).toBe("bad-signature");
    // Pointing at Mallory's key: Mallory did not sign this.
    expect(await reason({ ...signed, proof: { ...proof, verificationMethod: mallory.keyId.href } })).toBe("bad-signature");
    expect(await reason({ ...signed, proof: { ...proof, cryptosuite: "eddsa-rdfc-2022" } })).toBe("unsupported-cryptosuite");
    expect(await reason({ ...signed, proof: { ...proof, type: "Ed25519Signature2020" } })).toBe("unsupported-cryptosuite");
    expect(await reason({ ...signed, proof: { ...proof, proofPurpose: "authentication" } })).toBe("malformed");
    expect(await reason({ ...signed, proof: { ...proof, expires: "2030-01-01T00:00:00Z" } })).toBe("bad-signature");
  });

  it("a wrong key: bad-signature", async () => {
    const fetchKey: KeyFetcher = async () => ({ publicKey: mallory.pair.publicKey, controller: alice.id });
    expect(await reason(signed, { fetchKey, now: NOW })).toBe("bad-signature");
  });

  it("a key controlled by another actor than the one the document names: controller-mismatch", async () => {
    // Mallory signs, with her own key, a mandate that claims to come from Alice.
    const forged = await signDocument(mandate(alice), mallory.pair.privateKey, mallory.keyId, CREATED);
    expect(await reason(forged)).toBe("controller-mismatch");
    // The same through `actor`, through a second attribution, and through expectedSigner.
    const { attributedTo: _a, ...unattributed } = mandate(alice);
    expect(await reason(await signDocument({ ...unattributed, actor: alice.id.href }, mallory.pair.privateKey, mallory.keyId, CREATED))).toBe("controller-mismatch");
    expect(await reason(await signDocument({ ...mandate(mallory), actor: { id: alice.id.href, type: "Person" } }, mallory.pair.privateKey, mallory.keyId, CREATED))).toBe(
      "controller-mismatch",
    );
    expect(await reason(await signDocument({ ...mandate(mallory), attributedTo: [mallory.id.href, alice.id.href] }, mallory.pair.privateKey, mallory.keyId, CREATED))).toBe(
      "controller-mismatch",
    );
    const honest = await signDocument(mandate(mallory), mallory.pair.privateKey, mallory.keyId, CREATED);
    expect(await reason(honest)).toBe("ok");
    expect(await reason(honest, { ...opts, expectedSigner: alice.id } as typeof opts)).toBe("controller-mismatch");
    // A document naming no one binds the key to nothing, unless the caller says whom to expect.
    const anonymous = await signDocument(unattributed, alice.pair.privateKey, alice.keyId, CREATED);
    expect(await reason(anonymous)).toBe("controller-mismatch");
    expect(await reason(anonymous, { ...opts, expectedSigner: alice.id } as typeof opts)).toBe("ok");
  });

  it("a missing proof: no-proof", async () => {
    expect(await reason(mandate(alice))).toBe("no-proof");
    expect(await reason({ ...signed, proof: null })).toBe("no-proof");
    expect(await reason({ ...signed, proof: [] })).toBe("no-proof");
  });

  it("an unknown or unusable key: key-not-found", async () => {
    expect(await reason(signed, { fetchKey: async () => null, now: NOW })).toBe("key-not-found");
    expect(
      await reason(signed, {
        fetchKey: async () => {
          throw new Error("network down");
        },
        now: NOW,
      }),
    ).toBe("key-not-found");
    const [rsa] = await importActorKeys(await generateActorKeys());
    expect(await reason(signed, { fetchKey: async () => ({ publicKey: rsa!.publicKey, controller: alice.id }), now: NOW })).toBe("key-not-found");
  });

  it("malformed input, without throwing", async () => {
    const cases: unknown[] = [
      null,
      undefined,
      "a string",
      42,
      [signed],
      { ...signed, proof: "zabc" },
      { ...signed, proof: [proof, proof] },
      { ...signed, proof: { ...proof, previousProof: "urn:uuid:1" } },
      { ...signed, proof: { ...proof, proofValue: undefined } },
      { ...signed, proof: { ...proof, proofValue: `u${(proof.proofValue as string).slice(1)}` } },
      { ...signed, proof: { ...proof, proofValue: "z0OIl" } },
      { ...signed, proof: { ...proof, proofValue: `z${encodeBase58btc(new Uint8Array(32))}` } },
      { ...signed, proof: { ...proof, verificationMethod: "not a url" } },
      { ...signed, proof: { ...proof, verificationMethod: { id: alice.keyId.href } } },
      { ...signed, proof: { ...proof, created: undefined } },
      { ...signed, proof: { ...proof, created: "yesterday" } },
      { ...signed, proof: { ...proof, created: "2026-03-01T12:00:00" } }, // no time zone
      { ...signed, proof: { ...proof, expires: "not a date" } },
      { ...signed, proof: { ...proof, "@context": ["https://example.org/other"] } },
      { ...signed, name: "\ud800" }, // a lone surrogate cannot be canonicalised
      { ...signed, when: new Date() }, // not JSON
    ];
    for (const doc of cases) expect(await reason(doc), JSON.stringify(doc)?.slice(0, 120)).toBe("malformed");
  });

  it("names a clock ahead and an expired proof for what they are, not malformed", async () => {
    expect(await reason({ ...signed, proof: { ...proof, created: "2026-03-03T00:00:00Z" } })).toBe("dated-in-future"); // a day after `now`
    expect(await reason({ ...signed, proof: { ...proof, expires: "2026-03-01T23:00:00Z" } })).toBe("expired"); // before `now`
  });

  it("accepts a single proof in an array, and a proof carrying the document's @context (FEP-8b32 examples)", async () => {
    expect(await reason({ ...signed, proof: [proof] })).toBe("ok");
    expect(await reason({ ...signed, proof: { ...proof, "@context": signed["@context"] } })).toBe("ok");
  });
});

describe("interoperability with Fedify's eddsa-jcs-2022", () => {
  let loader: DocumentLoader;
  let create: Create;
  beforeAll(async () => {
    loader = loaderFor({ [alice.id.href]: alice.json, [mallory.id.href]: mallory.json });
    create = new Create({
      id: new URL("https://commune.example/ap/activities/1"),
      actor: alice.id,
      to: PUBLIC_COLLECTION,
      object: new Note({
        id: new URL("https://commune.example/ap/notes/1"),
        attribution: alice.id,
        to: PUBLIC_COLLECTION,
        content: '<p>The assembly meets on Thursday. Ünïcode, "quotes" and 😀.</p>',
        published: toInstant(new Date("2026-03-01T11:00:00Z")),
      }),
    });
  });

  it("Fedify's verifyProof and verifyObject accept a Create(Note) signed by signDocument", async () => {
    const json = (await create.toJsonLd({ format: "compact" })) as Record<string, unknown>;
    const signed = await signDocument(json, alice.pair.privateKey, alice.keyId, new Date("2026-03-01T12:00:00.120Z"));
    const parsed = await Create.fromJsonLd(signed, { documentLoader: loader });
    const proofs = [];
    for await (const p of parsed.getProofs({ documentLoader: loader })) proofs.push(p);
    expect(proofs).toHaveLength(1);
    const key = await verifyProof(signed, proofs[0]!, { documentLoader: loader });
    expect(key?.id?.href).toBe(alice.keyId.href);
    expect(await verifyObject(Create, signed, { documentLoader: loader })).not.toBeNull();
    // And a hand-written Create, not produced by Fedify's serialiser.
    const plain = await signDocument(
      {
        "@context": [AS, DI],
        id: "https://commune.example/ap/activities/2",
        type: "Create",
        actor: alice.id.href,
        object: { id: "https://commune.example/ap/notes/2", type: "Note", attributedTo: alice.id.href, content: "Hello" },
      },
      alice.pair.privateKey,
      alice.keyId,
    );
    expect(await verifyObject(Create, plain, { documentLoader: loader })).not.toBeNull();
    // Fedify also refuses a tampered one.
    expect(await verifyObject(Create, { ...plain, id: "https://commune.example/ap/activities/3" }, { documentLoader: loader })).toBeNull();
  });

  it("verifyDocument accepts a Create(Note) signed by Fedify's signObject", async () => {
    const signed = await signObject(create, alice.pair.privateKey, alice.keyId, { documentLoader: loader });
    const json = wireForm(await signed.toJsonLd({ format: "compact" }));
    expect(json).toHaveProperty("proof.cryptosuite", "eddsa-jcs-2022");
    expect(await verifyDocument(json, { fetchKey: keyring(alice) })).toMatchObject({ ok: true, signer: alice.id });
    // Fedify writes created with nanoseconds; we hash the string as written.
    expect((json as { proof: { created: string } }).proof.created).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{4,9}Z$/);
    // Fedify hashes the public audience as the full IRI but `toJsonLd` writes the
    // CURIE `as:Public`; its own verifier retries with the IRI, ours does not
    // (we check the bytes we were given). What Fedify delivers is the IRI form.
    const curie = await signed.toJsonLd({ format: "compact" });
    expect(JSON.stringify(curie)).toContain('"as:Public"');
    expect(await verifyDocument(curie, { fetchKey: keyring(alice) })).toEqual({ ok: false, reason: "bad-signature" });
  });

  it("creates byte-identical proofs to Fedify's createProof for the same JSON and time", async () => {
    const created = new Date("2026-03-01T12:00:00.5Z");
    const fedifyProof = await createProof(create, alice.pair.privateKey, alice.keyId, { created: toInstant(created) });
    const json = wireForm(await create.toJsonLd({ format: "compact" }));
    const ours = await signDocument(json, alice.pair.privateKey, alice.keyId, created);
    const ourValue = decodeBase58btc((ours.proof as Record<string, string>).proofValue!.slice(1));
    expect(ourValue).toEqual(fedifyProof.proofValue);
  });

  it("createKeyFetcher resolves #multikey-2 from the actor document, and verification works end to end", async () => {
    const fetchKey = createKeyFetcher({ documentLoader: loader });
    const key = await fetchKey(alice.keyId);
    expect(key?.controller.href).toBe(alice.id.href);
    expect(key?.publicKey.algorithm.name).toBe("Ed25519");
    const signed = await signDocument(mandate(alice), alice.pair.privateKey, alice.keyId, CREATED);
    expect(await verifyDocument(signed, { fetchKey, now: NOW })).toMatchObject({ ok: true, signer: alice.id });
    expect(await fetchKey(new URL("#multikey-9", alice.id))).toBeNull();
    expect(await fetchKey(new URL("https://nowhere.example/key"))).toBeNull();
  });

  it("createKeyFetcher takes a Fedify Context as its loaders", () => {
    // Compile-time check (tsc): what the federation handlers will pass.
    const fromContext = (ctx: Context<unknown>): KeyFetcher => createKeyFetcher(ctx);
    expect(typeof fromContext).toBe("function");
  });

  it("createKeyFetcher refuses a Multikey whose claimed controller does not list it", async () => {
    // Mallory publishes a standalone key document naming Alice as its controller.
    const evilKeyId = new URL("https://evil.example/keys/alice");
    const evilKey = new Multikey({ id: evilKeyId, controller: alice.id, publicKey: mallory.pair.publicKey });
    const evilLoader = loaderFor({
      [alice.id.href]: alice.json,
      [evilKeyId.href]: await evilKey.toJsonLd({ format: "compact" }),
    });
    const fetchKey = createKeyFetcher({ documentLoader: evilLoader });
    expect(await fetchKey(evilKeyId)).toBeNull();
    const forged = await signDocument(mandate(alice), mallory.pair.privateKey, evilKeyId, CREATED);
    expect(await verifyDocument(forged, { fetchKey, now: NOW })).toEqual({ ok: false, reason: "key-not-found" });
  });
});

describe("base58btc and JCS", () => {
  it("encodes and decodes base58btc (Bitcoin alphabet, leading zeros as 1)", () => {
    const vectors: [number[] | string, string][] = [
      [[], ""],
      [[0], "1"],
      [[0, 0, 1], "112"],
      [[0xff], "5Q"],
      ["Hello World!", "2NEpo7TZRRrLZSi2U"],
      ["The quick brown fox jumps over the lazy dog.", "USm3fpXnKG5EUBx2ndxBDMPVciP5hGey2Jh4NDv6gmeo1LkMeiKrLJUUBk6Z"],
    ];
    for (const [input, expected] of vectors) {
      const bytes = typeof input === "string" ? new TextEncoder().encode(input) : new Uint8Array(input);
      expect(encodeBase58btc(bytes)).toBe(expected);
      expect(decodeBase58btc(expected)).toEqual(bytes);
    }
    for (let n = 0; n < 50; n++) {
      const bytes = crypto.getRandomValues(new Uint8Array(n + 1));
      if (n % 5 === 0) bytes[0] = 0;
      expect(decodeBase58btc(encodeBase58btc(bytes))).toEqual(bytes);
    }
    expect(decodeBase58btc("0OIl")).toBeNull();
  });

  it("canonicalises per RFC 8785", () => {
    // RFC 8785 §3.2.3 (sorting by UTF-16 code units) and §3.2.2.3 (numbers).
    const sorted = { "\u20ac": "Euro", "\r": "CR", "\ufb33": "Dalet", "1": "One", "\ud83d\ude00": "Emoji", "\u0080": "Control", "\u00f6": "o" };
    expect(canonicalizeJson(sorted)).toBe('{"\\r":"CR","1":"One","\u0080":"Control","ö":"o","€":"Euro","😀":"Emoji","\ufb33":"Dalet"}');
    // biome-ignore lint/correctness/noPrecisionLoss: RFC 8785's own test value, written as the RFC writes it
    expect(canonicalizeJson({ numbers: [333333333.33333329, 1e30, 4.5, 2e-3, 0.000000000000000000000000001, -0, 1e21, 1e-7] })).toBe(
      '{"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27,0,1e+21,1e-7]}',
    );
    expect(canonicalizeJson({ b: [true, null, '\u001f\n"\\/'], a: { d: 1, c: undefined } })).toBe('{"a":{"d":1},"b":[true,null,"\\u001f\\n\\"\\\\/"]}');
    expect(() => canonicalizeJson(Number.NaN)).toThrow(TypeError);
    expect(() => canonicalizeJson("\udc00")).toThrow(TypeError);
    expect(() => canonicalizeJson(new URL("https://a.example/"))).toThrow(TypeError);
  });
});
