import { getDocumentLoader } from "@fedify/vocab-runtime";
import type { AppContext } from "../context.ts";
import { replayBody } from "../decisions/index.ts";
import { confederationVerdict, ratificationVerdict, type BodyState, type Mandate, type RatificationTally, type Verdict } from "../governance/index.ts";
import { signDocument, verifyDocument } from "../proofs/integrity.ts";
import { createKeyFetcher, type KeyController } from "../proofs/key-fetcher.ts";
import { documentSigningKey } from "../community/keys.ts";
import { instanceUserAgent } from "../shared/version.ts";
import { contextUrl } from "./vocab/context.ts";
import { actorUri, localActorId, proposalUri } from "../shared/uris.ts";

// The signed documents of a confederation (docs/federation.md, "Confederation"): a
// referral (by the confederation) and a verdict (by a member body). Each is served at a
// stable URL and signed afresh when served; what the other side sends is kept exactly as
// received (table `signed_documents`) and embedded as such.

const AS = "https://www.w3.org/ns/activitystreams";
type Json = Record<string, unknown>;

export { newReferralUri as newReferralUrl } from "../shared/uris.ts";

/** The referral id from a `/ap/referrals/{id}` path segment. */
export function referralUrl(origin: URL, id: string): URL {
  return new URL(`/ap/referrals/${encodeURIComponent(id)}`, origin);
}

/** Where a body's verdict is served: under what decided it (a ratification proposal, or a nested referral). */
export function verdictUrl(decidedBy: string): string {
  return `${decidedBy}/verdict`;
}

/** The core mandate id (`<proposal>#mandate:<delegate>`) of a Mandate document. */
export function mandateIdOf(doc: Json): string | null {
  return typeof doc.decidedBy === "string" && typeof doc.delegate === "string" ? `${doc.decidedBy}#mandate:${doc.delegate}` : null;
}

/** A Mandate document as the core's Mandate (null if malformed; the core checks the rest). */
export function mandateFromDocument(doc: Json): Mandate | null {
  const id = mandateIdOf(doc);
  if (id === null || typeof doc.attributedTo !== "string") return null;
  return {
    id,
    delegate: doc.delegate as string,
    role: doc.role as Mandate["role"],
    scope: String(doc.scope ?? ""),
    instructions: String(doc.instructions ?? ""),
    covers: Array.isArray(doc.covers) ? (doc.covers as string[]) : [],
    start: doc.startTime as string,
    end: doc.endTime as string,
    body: doc.attributedTo,
    ...(typeof doc.confederation === "string" ? { confederation: doc.confederation } : {}),
    decidedBy: doc.decidedBy as string,
    revokedAt: typeof doc.revokedAt === "string" ? doc.revokedAt : null,
    revokedBy: typeof doc.revokedBy === "string" ? doc.revokedBy : null,
  };
}

/** A Verdict document as the core's Verdict. */
export function verdictFromDocument(doc: Json): Verdict {
  return {
    body: doc.attributedTo as string,
    referral: doc.referral as string,
    verdict: doc.verdict as Verdict["verdict"],
    rule: doc.rule as Verdict["rule"],
    tally: doc.tally as Verdict["tally"],
    at: doc.published as string,
    ...(typeof doc.decidedBy === "string" ? { decidedBy: doc.decidedBy } : {}),
  };
}

/** `transient`: the document could not be had just now (network, 5xx, 429): worth retrying. `signerController`: the signer's actor as the key check read it. */
export type Fetched = { ok: true; document: Json; signer: string; signerController: KeyController | null } | { ok: false; reason: string; transient?: boolean };

/**
 * Fetches a document fresh (never from the document cache: a mandate's revocation must be
 * seen at once) and checks its Object Integrity Proof. With `signer`, the proof must be
 * that actor's; the document must also be attributed to its signer. The signer's actor,
 * as read to find its key (its document, and Fedify's parse of it if it was parsed), comes with it.
 */
export async function fetchSignedDocument(app: AppContext, url: string, signer?: string): Promise<Fetched> {
  const loader = getDocumentLoader({ allowPrivateAddress: app.config.allowPrivateAddress, userAgent: instanceUserAgent(app.config.publicOrigin) });
  let document: unknown;
  try {
    document = (await loader(url, { signal: AbortSignal.timeout(15_000) })).document;
  } catch (err) {
    const message = (err as Error).message;
    const status = /HTTP (\d{3})/.exec(message)?.[1];
    const transient = status === undefined || status === "429" || status.startsWith("5");
    return { ok: false, reason: `could not fetch ${url}: ${message}`, transient };
  }
  if (typeof document !== "object" || document === null || Array.isArray(document)) return { ok: false, reason: `${url} is not a JSON object` };
  const doc = document as Json;
  if (doc.id !== url) return { ok: false, reason: `${url} serves a document whose id is ${String(doc.id)}` };
  const ctx = app.federation.createContext(app.config.publicOrigin, app);
  const controllers: KeyController[] = [];
  const fetchKey = createKeyFetcher(ctx, (controller) => controllers.push(controller));
  const checked = await verifyDocument(doc, { fetchKey, ...(signer ? { expectedSigner: new URL(signer) } : {}) });
  if (!checked.ok) return { ok: false, reason: `the proof on ${url} does not hold (${checked.reason})` };
  if (doc.attributedTo !== checked.signer.href) return { ok: false, reason: `${url} is attributed to ${String(doc.attributedTo)} but signed by ${checked.signer.href}` };
  const signerController = controllers.find((c) => c.id.href === checked.signer.href) ?? null;
  return { ok: true, document: doc, signer: checked.signer.href, signerController };
}

async function sign(app: AppContext, bodyId: string, document: Json): Promise<Json | null> {
  const key = await documentSigningKey(app.db, bodyId, actorUri(app.config.publicOrigin, bodyId));
  return key ? signDocument(document, key.privateKey, key.keyId) : null;
}

/** The documents received and kept, by URI. */
async function keptDocuments(app: AppContext, uris: readonly string[]): Promise<Map<string, Json>> {
  if (uris.length === 0) return new Map();
  const rows = await app.db.selectFrom("signed_documents").select(["uri", "document"]).where("uri", "in", uris).execute();
  return new Map(rows.map((r) => [r.uri, JSON.parse(r.document) as Json]));
}

/** Where the delegate's mandate is kept as it was when they tabled a referral. */
export function tabledMandateKey(referral: string): string {
  return `${referral}#mandate`;
}

/** A referral as the confederation publishes it, with every verdict it counted, signed. */
export async function referralDocument(app: AppContext, uri: string): Promise<Json | null> {
  const row = await app.db.selectFrom("referrals").select(["body_id"]).where("uri", "=", uri).executeTakeFirst();
  if (!row) return null;
  const state = await replayBody(app, row.body_id);
  const r = state?.referrals.get(uri);
  if (!state || !r) return null;
  const verdictUris = r.verdicts.map((v) => (v.decidedBy ? verdictUrl(v.decidedBy) : ""));
  const kept = await keptDocuments(app, [...verdictUris.filter(Boolean), tabledMandateKey(uri)]);
  const t = r.tally;
  return sign(app, row.body_id, {
    "@context": [AS, contextUrl(app.config.publicOrigin).href],
    id: uri,
    type: "Referral",
    attributedTo: state.id,
    kind: r.kind,
    name: r.title,
    content: r.text,
    ...(r.topic ? { topic: r.topic } : {}),
    proposer: r.proposer,
    ...(r.viaMandate ? { mandate: kept.get(tabledMandateKey(uri)) ?? null } : {}),
    bodies: r.bodies,
    rule: r.rule,
    published: r.openedAt,
    endTime: r.deadline,
    parent: r.parent,
    admit: r.admit,
    decides: r.decides,
    status: r.closedAt === null ? "open" : "closed",
    ...(r.closedAt ? { closed: r.closedAt } : {}),
    left: r.left,
    verdicts: r.verdicts.map((v, i) => ({ receivedAt: r.receivedAt[i], document: kept.get(verdictUris[i]!) ?? null, verdict: v.verdict, body: v.body })),
    ...(t ? { tally: publishedTally(t) } : {}),
  });
}

/** A referral's tally as its document publishes it (what `folkmoot verify` recomputes). */
export function publishedTally(t: RatificationTally): Json {
  return {
    counts: t.counts,
    people: t.people,
    passed: t.passed,
    outcome: t.outcome,
    reason: t.reason,
    ratifiedBy: t.ratifiedBy,
    rejectedBy: t.rejectedBy,
    abstained: t.abstained,
    bound: t.bound,
  };
}

/** A body's verdict as a document it signs. */
export async function verdictDocument(app: AppContext, bodyId: string, verdict: Verdict): Promise<Json | null> {
  if (!verdict.decidedBy) return null;
  return sign(app, bodyId, {
    "@context": [AS, contextUrl(app.config.publicOrigin).href],
    id: verdictUrl(verdict.decidedBy),
    type: "Verdict",
    attributedTo: verdict.body,
    referral: verdict.referral,
    verdict: verdict.verdict,
    rule: verdict.rule,
    tally: verdict.tally,
    published: verdict.at,
    decidedBy: verdict.decidedBy,
  });
}

/** The verdict of a local body decided by `decidedBy` (its ratification proposal, or its nested referral), or null. */
export async function localVerdict(app: AppContext, decidedBy: string): Promise<{ bodyId: string; state: BodyState; verdict: Verdict } | null> {
  const origin = app.config.publicOrigin;
  const referral = await app.db.selectFrom("referrals").select(["body_id"]).where("uri", "=", decidedBy).executeTakeFirst();
  if (referral) {
    const state = await replayBody(app, referral.body_id);
    const verdict = state ? confederationVerdict(state, decidedBy) : null;
    return state && verdict ? { bodyId: referral.body_id, state, verdict } : null;
  }
  const proposal = await app.db.selectFrom("proposals").select(["body_id"]).where("uri", "=", decidedBy).executeTakeFirst();
  if (!proposal) return null;
  const state = await replayBody(app, proposal.body_id);
  const verdict = state ? ratificationVerdict(state, decidedBy) : null;
  if (!state || !verdict || localActorId(origin, verdict.body) !== proposal.body_id) return null;
  return { bodyId: proposal.body_id, state, verdict };
}

/** Serves `<decidedBy>/verdict`. */
export async function servedVerdict(app: AppContext, decidedBy: string): Promise<Json | null> {
  const found = await localVerdict(app, decidedBy);
  return found ? verdictDocument(app, found.bodyId, found.verdict) : null;
}

/** The proposal URI of a `/ap/proposals/{id}` id. */
export function localProposalUri(app: AppContext, id: string): string {
  return proposalUri(app.config.publicOrigin, id).href;
}
