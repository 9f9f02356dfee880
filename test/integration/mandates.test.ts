import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { operations } from "../../src/cli/operations.ts";
import { draftProposal, foundBodyRecord, readProposal, runDueDeadlines, tableProposal, vote } from "../../src/decisions/index.ts";
import { mandateUrl } from "../../src/federation/mandates.ts";
import { defaultBylaws } from "../../src/governance/index.ts";
import { verifyDocument } from "../../src/proofs/integrity.ts";
import { createKeyFetcher } from "../../src/proofs/key-fetcher.ts";
import { AP_JSON, eventually, startTestInstance, type TestInstance } from "../support/instance.ts";

// A body elects a delegate with a written mandate; the mandate is a document the
// body signs, which anyone can fetch and check; a recall revokes it at once.

let a: TestInstance;
const uris: Record<string, string> = {};
// Deadlines are moved on with a clock that only runs forwards (the record's times never go back).
let clock = Date.now();
const base = Date.now();
const day = (n: number) => new Date(base + n * 86_400_000).toISOString();

async function decide(kind: "delegation" | "recall", title: string, payload: unknown) {
  const drafted = await draftProposal(a.app, uris.alice!, "riverside", { kind, title, text: title, payload });
  if (!drafted.ok) throw new Error(drafted.error.message);
  const id = drafted.value.id;
  const tabled = await tableProposal(a.app, uris.alice!, "riverside", id);
  if (!tabled.ok) throw new Error(`table: ${tabled.error.message}`);
  clock = Math.max(clock, Date.now());
  await runDueDeadlines(a.app, new Date((clock += 5_000)));
  for (const who of ["alice", "carol"]) {
    const v = await vote(a.app, uris[who]!, "riverside", id, { choice: "agree" });
    if (!v.ok) throw new Error(`vote: ${v.error.message}`);
  }
  await runDueDeadlines(a.app, new Date((clock += 120_000)));
  const read = await readProposal(a.app, null, "riverside", id);
  if (!read.ok) throw new Error(read.error.message);
  return read.value;
}

async function fetchMandate(id: string) {
  const res = await fetch(mandateUrl(a.app.config.publicOrigin, id), { headers: { accept: AP_JSON } });
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

beforeAll(async () => {
  a = await startTestInstance({ host: "127.0.0.24" });
  for (const handle of ["alice", "bob", "carol"]) uris[handle] = (await operations["account.create"](a.app, { handle, password: `${handle}-password` })).id;
  await operations["body.create"](a.app, { handle: "riverside", kind: "assembly" });
  for (const handle of ["alice", "bob", "carol"]) await operations["member.add"](a.app, { body: "riverside", member: handle });
  const founded = await foundBodyRecord(a.app, "riverside", { bylaws: { ...defaultBylaws("assembly"), deliberationPeriod: "PT1S", votingPeriod: "PT1M" } });
  expect(founded.ok).toBe(true);
});

afterAll(async () => {
  await a?.stop();
});

describe("mandates", () => {
  let mandateId: string;

  it("a carried delegation gives a mandate the body signs, and anyone can check it", async () => {
    const start = day(0);
    const end = day(30);
    const decided = await decide("delegation", "Bob takes the minutes", {
      role: "secretary",
      delegates: ["bob"],
      mandate: { scope: "Take the minutes of every meeting", instructions: "Publish them within a week" },
      start,
      end,
    });
    expect(decided.outcome).toBe("passed");
    mandateId = `${decided.uri}#mandate:${uris.bob}`;
    const doc = await fetchMandate(mandateId);
    expect(doc).toMatchObject({ type: "Mandate", delegate: uris.bob, role: "secretary", scope: "Take the minutes of every meeting", status: "live", decidedBy: decided.uri });
    const ctx = a.app.federation.createContext(a.app.config.publicOrigin, a.app);
    const checked = await verifyDocument(doc, { fetchKey: createKeyFetcher(ctx) });
    expect(checked.ok).toBe(true);
    // A forged copy (another scope) does not verify.
    const forged = await verifyDocument({ ...doc, scope: "Spend the treasury" }, { fetchKey: createKeyFetcher(ctx) });
    expect(forged).toEqual({ ok: false, reason: "bad-signature" });
  });

  it("refuses a second consecutive term beyond the bylaws' rotation limit", async () => {
    // The default bylaws allow two consecutive terms: a third nomination is refused with the reason.
    const term = day;
    const second = await decide("delegation", "Bob again", {
      role: "secretary",
      delegates: ["bob"],
      mandate: { scope: "Minutes", instructions: "…" },
      start: term(30),
      end: term(60),
    });
    expect(second.outcome).toBe("passed");
    const third = await draftProposal(a.app, uris.alice!, "riverside", {
      kind: "delegation",
      title: "Bob a third time",
      text: "…",
      payload: { role: "secretary", delegates: ["bob"], mandate: { scope: "Minutes", instructions: "…" }, start: term(60), end: term(90) },
    });
    expect(third.ok).toBe(false);
    if (!third.ok) expect(third.error.message).toMatch(/consecutive/);
  });

  it("a carried recall revokes the mandate at once", async () => {
    const recalled = await decide("recall", "Recall Bob as secretary", { delegate: "bob", role: "secretary" });
    expect(recalled.outcome).toBe("passed");
    // Revoked at the moment the recall was carried (status follows the clock from then on).
    const doc = await eventually(
      async () => {
        const d = await fetchMandate(mandateId);
        return d.revokedAt ? d : null;
      },
      10_000,
      "the mandate revoked",
    );
    expect(doc.revokedBy).toBe(recalled.uri);
    const ctx = a.app.federation.createContext(a.app.config.publicOrigin, a.app);
    expect((await verifyDocument(doc, { fetchKey: createKeyFetcher(ctx) })).ok).toBe(true);
  });
});
