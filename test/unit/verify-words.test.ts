import { describe, expect, it } from "vitest";
import { signDocument, type KeyFetcher } from "../../src/proofs/integrity.ts";
import { proposalObjectOfPage, verifyDecision } from "../../src/verify/index.ts";
import { proofFailureInWords } from "../../src/verify/signature.ts";

// `folkmoot verify` in words: a signature dated in the future is called that (not
// "malformed"), and a proposal's page address is taken for the proposal.

describe("a proposal's page address", () => {
  it("maps to the proposal's own address, with or without a query or fragment", () => {
    expect(proposalObjectOfPage("https://town.example/@riverside/proposals/abc123")).toBe("https://town.example/ap/proposals/abc123");
    expect(proposalObjectOfPage("http://127.0.0.1:8080/@riverside/proposals/abc123/?done=voted#take-part")).toBe("http://127.0.0.1:8080/ap/proposals/abc123");
    expect(proposalObjectOfPage("https://town.example/@riverside/proposals/new")).toBeNull();
    expect(proposalObjectOfPage("https://town.example/@riverside")).toBeNull();
    expect(proposalObjectOfPage("https://town.example/ap/proposals/abc123")).toBeNull();
    expect(proposalObjectOfPage("not a url")).toBeNull();
  });
});

describe("a record signed with a clock ahead", () => {
  it("is refused with the reason in words: dated in the future, and the clocks to check", async () => {
    const pair = (await crypto.subtle.generateKey("Ed25519", true, ["sign", "verify"])) as CryptoKeyPair;
    const body = "https://town.example/ap/actors/riverside";
    const keyId = new URL(`${body}#ed25519-key`);
    const proposal = "https://town.example/ap/proposals/abc123";
    const inAnHour = new Date(Date.now() + 3_600_000);
    const record = await signDocument({ id: `${proposal}/record`, type: "DecisionRecord", attributedTo: body, proposal, events: [] }, pair.privateKey, keyId, inAnHour);
    const docs = new Map<string, unknown>([
      [proposal, { id: proposal, type: "Question", attributedTo: body, name: "Benches" }],
      [`${proposal}/record`, record],
    ]);
    const fetched: string[] = [];
    const fetchKey: KeyFetcher = async (id) => (id.href === keyId.href ? { publicKey: pair.publicKey, controller: new URL(body) } : null);
    // Asked with the page's address (which answers no JSON), it fetches the proposal's.
    const result = await verifyDecision(
      "https://town.example/@riverside/proposals/abc123",
      {
        fetchKey,
        fetchJson: async (url) => {
          fetched.push(url);
          return docs.get(url) ?? null;
        },
      },
      {},
    );
    expect(fetched.slice(0, 2)).toEqual(["https://town.example/@riverside/proposals/abc123", proposal]);
    const signature = result.checks.find((c) => c.name === "signature")!;
    expect(signature.ok).toBe(false);
    expect(signature.detail).toMatch(/dated in the future/);
    expect(signature.detail).not.toMatch(/malformed/);
    expect(result.ok).toBe(false);
  });

  it("has words for every reason", () => {
    for (const r of ["no-proof", "unsupported-cryptosuite", "key-not-found", "bad-signature", "controller-mismatch", "dated-in-future", "expired", "malformed"] as const) {
      expect(proofFailureInWords(r)).toMatch(/\w+ \w+/);
    }
  });
});
