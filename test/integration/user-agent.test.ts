import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runVerify } from "../../src/cli/verify-command.ts";
import { operations } from "../../src/cli/operations.ts";
import { fetchSignedDocument } from "../../src/federation/confederal-documents.ts";
import { SOFTWARE_VERSION, VERIFIER_USER_AGENT } from "../../src/shared/version.ts";
import { startMastodonPeer, type MastodonPeer } from "../support/mastodon-peer.ts";
import { startTestInstance, type TestInstance } from "../support/instance.ts";

// Every request Folkmoot makes names it, its version and the instance (docs/federation.md,
// "Delivery"): Fedify's own (look-ups, key fetches, deliveries) and Folkmoot's (signed
// documents, `folkmoot verify`, which names itself as the verifier).

let a: TestInstance;
let peer: MastodonPeer;
let bodyUri: string;

const AS = "https://www.w3.org/ns/activitystreams";

beforeAll(async () => {
  a = await startTestInstance({ host: "127.0.0.27" });
  peer = await startMastodonPeer({ host: "127.0.0.28" });
  bodyUri = (await operations["body.create"](a.app, { handle: "riverside", kind: "assembly" })).id;
});

afterAll(async () => {
  await peer?.close();
  await a?.stop();
});

describe("User-Agent", () => {
  it("names Folkmoot, its version and the instance on every request the instance makes", async () => {
    // A remote actor resolved (the actor, then WebFinger by its URL).
    await operations["member.add"](a.app, { body: "riverside", member: peer.actorId });
    // A delivery (the Accept of a Follow; the Follow's key is fetched first).
    expect((await peer.post(`${bodyUri}/inbox`, { "@context": AS, id: peer.newId(), type: "Follow", actor: peer.actorId, object: bodyUri })).status).toBe(202);
    await peer.waitFor((r) => r.body?.type === "Accept" && r.signatureValid, 20_000);
    // A signed document fetched fresh (a confederation's referral or verdict, say), and the key its proof names.
    const docUrl = `${peer.origin}/documents/verdict`;
    peer.serve(docUrl, {
      "@context": AS,
      id: docUrl,
      type: "Note",
      attributedTo: peer.actorId,
      proof: {
        type: "DataIntegrityProof",
        cryptosuite: "eddsa-jcs-2022",
        verificationMethod: `${peer.actorId}#ed25519-key`,
        proofPurpose: "assertionMethod",
        created: new Date().toISOString(),
        proofValue: "z3FXQjecWufY46yg5abdVZsXqLhxhueuSoZgNSARiKBk9czhSePTFehP8c3PGfb6a22gkfUKKiYwAgP1fV6oCLXcB",
      },
    });
    expect((await fetchSignedDocument(a.app, docUrl)).ok).toBe(false);
    // A signed GET (authorized fetch), as the body.
    const ctx = a.app.federation.createContext(a.app.config.publicOrigin, a.app);
    const loader = await ctx.getDocumentLoader({ identifier: bodyUri.split("/").at(-1)! });
    await loader(peer.actorId);

    const expected = `Folkmoot/${SOFTWARE_VERSION} (`;
    const seen = peer.requests.map((r) => `${r.method} ${r.path} ${r.userAgent}`);
    expect(peer.requests.length).toBeGreaterThan(4);
    for (const r of peer.requests) {
      expect(r.userAgent?.startsWith(expected) && r.userAgent.endsWith(`+${a.app.config.publicOrigin.href})`), `${r.method} ${r.path}: ${r.userAgent}`).toBe(true);
    }
    for (const wanted of ["GET /users/alice", "GET /.well-known/webfinger", "POST /users/alice/inbox", "GET /documents/verdict"]) {
      expect(
        seen.some((s) => s.startsWith(`${wanted} `)) || seen.some((s) => s.startsWith(wanted.replace("/users/alice/inbox", "/inbox"))),
        `${wanted} in ${seen.join("; ")}`,
      ).toBe(true);
    }
    // The signed GET knocks with draft-cavage, as the deliveries do.
    const signed = peer.requests.filter((r) => r.headers.signature !== undefined && r.method === "GET");
    expect(signed.length).toBeGreaterThan(0);
    for (const r of signed) {
      expect(r.headers.signature).toMatch(/keyId="[^"]+#main-key"/);
      expect(r.headers["signature-input"]).toBeUndefined();
    }
  });

  it("names the verifier when folkmoot verify runs without an instance", async () => {
    const before = peer.requests.length;
    const url = `${peer.origin}/proposals/1`;
    peer.serve(url, { "@context": AS, id: url, type: "Question", attributedTo: peer.actorId });
    const result = await runVerify(url, { allowPrivateAddress: true });
    expect(result.ok).toBe(false);
    const mine = peer.requests.slice(before);
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.map((r) => r.userAgent)).toEqual(mine.map(() => VERIFIER_USER_AGENT));
  });
});
