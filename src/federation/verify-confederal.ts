import {
  tallyVerdicts,
  verdictProblem,
  type RatificationTally,
  type ReferralBody,
  type Verdict,
  type VerdictCounts,
  type VerdictsTally,
  type VoteTally,
} from "../governance/confederation.ts";
import { formatFraction } from "../governance/fraction.ts";
import { checkMandatedAct, isMandate, type Mandate } from "../governance/mandates.ts";
import { isRatificationRule, type RatificationRule } from "../governance/ratification.ts";
import type { ChoiceCounts } from "../governance/rules/types.ts";
import { instantMs } from "../governance/time.ts";
import { canonicalizeJson, verifyDocument, type FetchedKey } from "./integrity.ts";
import { verifyProposalDecision, type Check, type Verification, type VerifyDeps } from "./verify.ts";

// `folkmoot verify <referral url>`: a confederal decision recomputed from signed
// documents alone. The referral (signed by the confederation) embeds the mandate
// its delegate tabled it under (signed by the body that gave it) and every verdict
// it counted (each signed by its member body); each verdict names the decision
// below it (a body's proposal, or a lower confederation's referral), which is
// verified in turn down to `depth` levels. Nothing the confederation says about
// its own tally is trusted: it is what gets checked.

/** How many documents are fetched (or keys resolved) at once, and verdicts examined at once per referral. */
const CONCURRENCY = 16;
/** Above this many lines, the lists in a detail are shortened. */
const LIST_MAX = 6;

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | null {
  return typeof v === "string" && v.trim() !== "" ? v : null;
}

/** An actor id as written, if it is a URL (ids are compared as written, as the server wrote them). */
function actorId(v: unknown): string | null {
  return typeof v === "string" && URL.canParse(v) ? v : null;
}

/**
 * Verifies a confederal decision: a `Referral` document (already fetched from `url`).
 * Checks the confederation's signature on it; the delegate's mandate it embeds, if
 * any (signature of the body that gave it, scope at the time it was tabled, and that
 * it had not been recalled by then); every verdict it embeds (signature of its body,
 * on the list and not gone, on time, one per body, consistent with its own tally);
 * and, once closed, that the claimed tally is what the valid verdicts give. With
 * `depth > 0`, also verifies each verdict's own decision (`decidedBy`): a body's
 * proposal, recomputed from its signed record, or (nested) a lower confederation's
 * referral, verified with `depth - 1`, and that their counts are the verdict's.
 */
export async function verifyReferral(doc: unknown, url: string, deps: VerifyDeps, opts: { depth: number }): Promise<Verification> {
  const depth = Number.isFinite(opts.depth) ? Math.max(0, Math.floor(opts.depth)) : 0;
  return checkReferral(doc, url, shared(deps), depth);
}

// ---------------------------------------------------------------------------
// Bounded concurrency: every fetch and key look-up of one verification (nested
// ones included) goes through one limiter; keys are resolved once per run.

const SHARED = new WeakSet<VerifyDeps>();

function limiter(n: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async (task) => {
    if (active < n) active++;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await task();
    } finally {
      const next = waiting.shift();
      if (next) next(); // hand the slot over
      else active--;
    }
  };
}

function shared(deps: VerifyDeps): VerifyDeps {
  if (SHARED.has(deps)) return deps;
  const limit = limiter(CONCURRENCY);
  const keys = new Map<string, Promise<FetchedKey | null>>();
  const wrapped: VerifyDeps = {
    fetchJson: (target) => limit(() => deps.fetchJson(target)),
    fetchKey: (keyId) => {
      let key = keys.get(keyId.href);
      if (!key) {
        key = limit(() => deps.fetchKey(keyId)).catch(() => null);
        keys.set(keyId.href, key);
      }
      return key;
    },
  };
  SHARED.add(wrapped);
  return wrapped;
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

// ---------------------------------------------------------------------------
// Formatting

function choiceCounts(c: ChoiceCounts): string {
  return `agree ${c.agree}, disagree ${c.disagree}, abstain ${c.abstain}, block ${c.block}`;
}

function verdictCounts(c: VerdictCounts): string {
  return `ratify ${c.ratify}, reject ${c.reject}, abstain ${c.abstain}`;
}

function list(items: readonly string[]): string {
  if (items.length <= LIST_MAX) return `[${items.join(", ")}]`;
  return `[${items.slice(0, LIST_MAX).join(", ")}, … (${items.length} in all)]`;
}

function describeRule(rule: RatificationRule): string {
  switch (rule.kind) {
    case "supermajority":
    case "weighted":
      return `${rule.kind} (${formatFraction(rule.fraction)})`;
    case "double-majority":
      return `double majority (${formatFraction(rule.bodies)} of bodies, ${formatFraction(rule.people)} of people)`;
    default:
      return rule.kind;
  }
}

function verify(document: unknown, signer: string, deps: VerifyDeps): Promise<{ ok: true; detail: string } | { ok: false; detail: string }> {
  return verifyDocument(document, { fetchKey: deps.fetchKey, expectedSigner: new URL(signer) }).then((r) =>
    r.ok ? { ok: true, detail: `signed by ${r.signer.href} (${r.created.toISOString()})` } : { ok: false, detail: `its signature does not hold (${r.reason})` },
  );
}

// ---------------------------------------------------------------------------
// The referral

interface ReferralShape {
  kind: string;
  name: string;
  topic: string | null;
  proposer: string;
  bodies: ReferralBody[];
  rule: RatificationRule;
  published: string;
  endTime: string;
  status: "open" | "closed";
  left: string[];
  verdicts: unknown[];
  parent: { confederation: string; referral: string } | null;
  admit: string | null;
}

function readReferral(doc: Json): ReferralShape | string {
  const problems: string[] = [];
  const bodies: ReferralBody[] = [];
  if (!Array.isArray(doc.bodies)) problems.push("no list of bodies");
  else {
    for (const b of doc.bodies as unknown[]) {
      if (isObject(b) && str(b.body) && Number.isSafeInteger(b.members) && (b.members as number) >= 0) bodies.push({ body: b.body as string, members: b.members as number });
      else problems.push(`a malformed entry in bodies: ${JSON.stringify(b)}`);
    }
    if (new Set(bodies.map((b) => b.body)).size !== bodies.length) problems.push("a body is listed twice");
  }
  if (!isRatificationRule(doc.rule)) problems.push(`not a ratification rule: ${JSON.stringify(doc.rule)}`);
  if (instantMs(doc.published) === null) problems.push("no valid published");
  if (instantMs(doc.endTime) === null) problems.push("no valid endTime");
  if (doc.status !== "open" && doc.status !== "closed") problems.push(`status is ${JSON.stringify(doc.status)}, not open or closed`);
  if (!str(doc.proposer)) problems.push("no proposer");
  if (doc.topic !== undefined && doc.topic !== null && typeof doc.topic !== "string") problems.push("topic is not a string");
  const left = doc.left === undefined || doc.left === null ? [] : doc.left;
  if (!Array.isArray(left) || !left.every((b) => typeof b === "string")) problems.push("left is not a list of bodies");
  const verdicts = doc.verdicts === undefined || doc.verdicts === null ? [] : doc.verdicts;
  if (!Array.isArray(verdicts)) problems.push("verdicts is not a list");
  let parent: ReferralShape["parent"] = null;
  if (doc.parent !== undefined && doc.parent !== null) {
    if (isObject(doc.parent) && str(doc.parent.confederation) && str(doc.parent.referral)) {
      parent = { confederation: doc.parent.confederation as string, referral: doc.parent.referral as string };
    } else problems.push("a malformed parent");
  }
  if (problems.length > 0) return `the referral is malformed: ${problems.join("; ")}`;
  return {
    kind: typeof doc.kind === "string" ? doc.kind : "confederal",
    name: typeof doc.name === "string" ? doc.name : "",
    topic: typeof doc.topic === "string" ? doc.topic : null,
    proposer: doc.proposer as string,
    bodies,
    rule: doc.rule as RatificationRule,
    published: doc.published as string,
    endTime: doc.endTime as string,
    status: doc.status as "open" | "closed",
    left: left as string[],
    verdicts: verdicts as unknown[],
    parent,
    admit: str(doc.admit),
  };
}

async function checkReferral(doc: unknown, fetchedFrom: string, deps: VerifyDeps, depth: number): Promise<Verification> {
  const checks: Check[] = [];
  const extra: Partial<Verification> = {};
  const done = (proposal: string | null): Verification => ({ ok: checks.every((c) => c.ok), proposal, checks, ...extra });
  if (!isObject(doc) || doc.type !== "Referral") {
    checks.push({ name: "fetch", ok: false, detail: `${fetchedFrom} is not a referral (no Referral there)` });
    return done(null);
  }
  const id = str(doc.id);
  const confederation = actorId(doc.attributedTo);
  checks.push({
    name: "fetch",
    ok: id !== null && confederation !== null,
    detail: `referral ${id ?? "?"} of confederation ${confederation ?? String(doc.attributedTo ?? "?")}${id !== null && id !== fetchedFrom ? ` (fetched from ${fetchedFrom})` : ""}`,
  });
  if (id === null || confederation === null) return done(id);
  extra.body = confederation;

  const signature = await verify(doc, confederation, deps);
  checks.push({ name: "signature", ok: signature.ok, detail: signature.ok ? `the referral is ${signature.detail}` : `the referral's signature does not hold: ${signature.detail.replace(/^its signature does not hold /, "")}` });

  const shape = readReferral(doc);
  if (typeof shape === "string") {
    checks.push({ name: "referral", ok: false, detail: shape });
    return done(id);
  }
  checks.push({
    name: "referral",
    ok: true,
    detail: `${shape.kind} referral${shape.name ? ` "${shape.name}"` : ""}${shape.topic ? ` on ${shape.topic}` : ""} to ${shape.bodies.length} bodies under ${describeRule(shape.rule)}; open ${shape.published} until ${shape.endTime}; ${shape.status}${shape.parent ? `; referred down from ${shape.parent.referral}` : ""}`,
  });

  if (doc.mandate !== undefined && doc.mandate !== null) checks.push(...(await checkMandate(doc.mandate, shape, confederation, deps)));
  else {
    const p = shape.proposer;
    const member = shape.bodies.some((b) => b.body === p);
    const ok = member || p === confederation || p === shape.parent?.confederation || p === shape.admit;
    checks.push({
      name: "proposer",
      ok,
      detail: ok
        ? `tabled by ${member ? "member body " : ""}${p}${member ? "" : " (the confederation or the body asking to join)"}`
        : `tabled by ${p}, who is neither a member body on the list nor a delegate with a mandate`,
    });
  }

  // Verdicts: examined in parallel, then in order (the first from a body counts).
  const examined = await mapLimit(shape.verdicts, CONCURRENCY, (entry) => examineVerdict(entry, id, shape, deps));
  const seen = new Set<string>();
  const valid: { verdict: Verdict; name: string }[] = [];
  examined.forEach((v, i) => {
    if (v.body !== null) {
      if (seen.has(v.body)) v.problems.push(`a second verdict from ${v.body} (only the first can count)`);
      seen.add(v.body);
    }
    const name = `verdict ${v.body ?? `#${i + 1}`}`;
    checks.push({ name, ok: v.problems.length === 0, detail: v.problems.length === 0 ? v.summary : `counted, but ${v.problems.join("; ")}` });
    if (v.problems.length === 0 && v.core !== null) valid.push({ verdict: v.core, name: v.body! });
  });

  const tally = tallyVerdicts(shape.rule, { id, bodies: shape.bodies, left: shape.left }, valid.map((v) => v.verdict));
  extra.tally = tally;
  const received = `${shape.verdicts.length} verdict(s) embedded, ${valid.length} valid, from ${shape.bodies.length} bodies on the list${shape.left.length ? ` (${shape.left.length} left during it)` : ""}`;
  if (shape.status === "closed") checks.push(compareTally(doc.tally, tally, received));
  else {
    checks.push({
      name: "tally",
      ok: true,
      detail: `still open until ${shape.endTime}; standing so far: ${verdictCounts(tally.counts)} (${received}); ${tally.reason}`,
    });
  }

  if (depth > 0) {
    const below = await mapLimit(valid, CONCURRENCY, (v) => checkBelow(v.verdict, id, deps, depth));
    for (const b of below) checks.push(...b);
  }
  return done(id);
}

// ---------------------------------------------------------------------------
// The mandate a delegate tabled the referral under

async function checkMandate(mandate: unknown, shape: ReferralShape, confederation: string, deps: VerifyDeps): Promise<Check[]> {
  const checks: Check[] = [];
  const giver = isObject(mandate) ? actorId(mandate.attributedTo) : null;
  if (!isObject(mandate) || giver === null) {
    return [{ name: "mandate signature", ok: false, detail: "the embedded mandate is not a document attributed to a body" }];
  }
  const signature = await verify(mandate, giver, deps);
  checks.push({ name: "mandate signature", ok: signature.ok, detail: signature.ok ? `the mandate is ${signature.detail}` : `the embedded mandate's signature does not hold: ${signature.detail.replace(/^its signature does not hold /, "")}` });

  const problems: string[] = [];
  if (mandate.type !== "Mandate") problems.push(`it is a ${String(mandate.type)}, not a Mandate`);
  if (!shape.bodies.some((b) => b.body === giver)) problems.push(`it was given by ${giver}, which is not on the referral's list of bodies`);
  if (mandate.delegate !== shape.proposer) problems.push(`it mandates ${String(mandate.delegate)}, but the referral was tabled by ${shape.proposer}`);
  if (mandate.role !== "confederal-delegate") problems.push(`its role is ${String(mandate.role)}, not confederal-delegate`);
  if (mandate.confederation !== undefined && mandate.confederation !== confederation) {
    problems.push(`it is for ${String(mandate.confederation)}, not this confederation (${confederation})`);
  }
  const core = {
    id: mandate.id,
    delegate: mandate.delegate,
    role: mandate.role,
    scope: mandate.scope,
    instructions: mandate.instructions,
    covers: mandate.covers,
    start: mandate.startTime,
    end: mandate.endTime,
    body: giver,
    ...(mandate.confederation === undefined ? {} : { confederation: mandate.confederation }),
    decidedBy: mandate.decidedBy,
    revokedAt: mandate.revokedAt ?? null,
    revokedBy: mandate.revokedBy ?? null,
  };
  if (!isMandate(core)) problems.push("it is malformed (id, delegate, scope, instructions, covers, startTime, endTime or decidedBy)");
  else {
    const act = { kind: "confederal", ...(shape.topic === null ? {} : { topic: shape.topic }), confederation };
    const covered = checkMandatedAct(core, act, shape.published);
    if (!covered.ok) problems.push(`it did not cover tabling this referral at ${shape.published}: ${covered.message}`);
  }
  checks.push({
    name: "mandate",
    ok: problems.length === 0,
    detail:
      problems.length === 0
        ? `${shape.proposer} tabled it as confederal delegate of ${giver}, mandated by ${String(mandate.decidedBy)} (covers ${(core.covers as string[]).join(", ")}; ${String(core.start)} to ${String(core.end)})`
        : problems.join("; "),
  });

  // The embedded copy is the one fetched when tabled; a recall shows in the current one.
  const mandateId = str(mandate.id);
  const current = mandateId === null ? null : await deps.fetchJson(mandateId);
  if (mandateId === null || !isObject(current)) {
    checks.push({ name: "mandate recall", ok: true, detail: `the mandate's current version could not be fetched${mandateId ? ` from ${mandateId}` : ""}: a recall cannot be ruled out` });
    return checks;
  }
  const currentSignature = current.id === mandateId ? await verify(current, giver, deps) : { ok: false, detail: `it names itself ${String(current.id)}` };
  if (!currentSignature.ok) {
    checks.push({ name: "mandate recall", ok: true, detail: `the mandate's current version at ${mandateId} does not verify (${currentSignature.detail}): a recall cannot be ruled out` });
    return checks;
  }
  const revokedMs = instantMs(current.revokedAt);
  const publishedMs = instantMs(shape.published)!;
  if (revokedMs !== null && revokedMs <= publishedMs) {
    checks.push({
      name: "mandate recall",
      ok: false,
      detail: `tabled by a recalled delegate: ${giver} revoked the mandate at ${String(current.revokedAt)}${current.revokedBy ? ` (${String(current.revokedBy)})` : ""}, before the referral opened at ${shape.published}`,
    });
  } else {
    checks.push({
      name: "mandate recall",
      ok: true,
      detail: revokedMs === null ? "the mandate's current version is not revoked" : `the mandate was revoked at ${String(current.revokedAt)}, after the referral opened`,
    });
  }
  return checks;
}

// ---------------------------------------------------------------------------
// Verdicts

interface ExaminedVerdict {
  body: string | null;
  core: Verdict | null;
  problems: string[];
  summary: string;
}

async function examineVerdict(entry: unknown, referral: string, shape: ReferralShape, deps: VerifyDeps): Promise<ExaminedVerdict> {
  const problems: string[] = [];
  const document = isObject(entry) ? entry.document : undefined;
  if (!isObject(entry) || !isObject(document)) return { body: null, core: null, problems: ["it is not a { receivedAt, document } entry"], summary: "" };
  const body = actorId(document.attributedTo);
  if (body === null) return { body: null, core: null, problems: ["its document is attributed to no body"], summary: "" };

  const signature = await verify(document, body, deps);
  if (!signature.ok) problems.push(signature.detail);
  if (document.type !== "Verdict") problems.push(`it is a ${String(document.type)}, not a Verdict`);
  if (document.referral !== referral) problems.push(`it answers ${String(document.referral)}, not this referral`);
  if (!shape.bodies.some((b) => b.body === body)) problems.push(`${body} is not on the referral's list of bodies`);
  if (shape.left.includes(body)) problems.push(`${body} left the confederation during the referral`);
  const received = instantMs(entry.receivedAt);
  if (received === null) problems.push("it has no valid receivedAt");
  else if (received > instantMs(shape.endTime)!) problems.push(`it was received at ${String(entry.receivedAt)}, after the referral closed at ${shape.endTime}`);
  else if (received < instantMs(shape.published)!) problems.push(`it was received at ${String(entry.receivedAt)}, before the referral opened at ${shape.published}`);

  const core = {
    body,
    referral: document.referral,
    verdict: document.verdict,
    rule: document.rule,
    tally: document.tally,
    at: document.published,
    ...(typeof document.decidedBy === "string" ? { decidedBy: document.decidedBy } : {}),
  } as unknown as Verdict;
  const problem = verdictProblem(core);
  if (problem !== null) problems.push(problem);
  return { body, core: problem === null ? core : null, problems, summary: problem === null ? `${core.verdict} (${describeTally(core)}), received ${String(entry.receivedAt)}` : "" };
}

function describeTally(v: Verdict): string {
  if (v.rule.of === "votes") {
    const t = v.tally as VoteTally;
    return `${choiceCounts(t.counts)}; turnout ${t.turnout} of ${t.roll}, quorum ${t.quorum}`;
  }
  const t = v.tally as VerdictsTally;
  return `its members: ${verdictCounts(t.counts)}`;
}

function compareTally(claimed: unknown, tally: RatificationTally, received: string): Check {
  if (!isObject(claimed)) return { name: "tally", ok: false, detail: `the referral is closed but states no tally; the verdicts give ${verdictCounts(tally.counts)}, ${tally.outcome}` };
  const diffs: string[] = [];
  const countsDiff = (field: "counts" | "people"): void => {
    const c = claimed[field];
    const ours = tally[field];
    const same = isObject(c) && (["ratify", "reject", "abstain"] as const).every((k) => c[k] === ours[k]);
    if (!same) diffs.push(`${field}: the server says ${isObject(c) ? verdictCounts(c as unknown as VerdictCounts) : JSON.stringify(c)}, the verdicts give ${verdictCounts(ours)}`);
  };
  countsDiff("counts");
  countsDiff("people");
  for (const field of ["passed", "outcome"] as const) {
    if (claimed[field] !== tally[field]) diffs.push(`${field}: the server says ${JSON.stringify(claimed[field])}, the verdicts give ${JSON.stringify(tally[field])}`);
  }
  for (const field of ["ratifiedBy", "rejectedBy", "abstained", "bound"] as const) {
    const c = claimed[field];
    const ours = tally[field];
    if (!Array.isArray(c) || !c.every((b) => typeof b === "string")) {
      diffs.push(`${field}: the server says ${JSON.stringify(c)}, the verdicts give ${list(ours)}`);
      continue;
    }
    const theirs = new Set(c as string[]);
    const mine = new Set(ours);
    const added = [...theirs].filter((b) => !mine.has(b));
    const missing = ours.filter((b) => !theirs.has(b));
    if (added.length > 0 || missing.length > 0 || theirs.size !== c.length) {
      const why = [added.length ? `adds ${list(added)}` : "", missing.length ? `leaves out ${list(missing)}` : "", theirs.size !== c.length ? "lists a body twice" : ""].filter(Boolean).join(" and ");
      diffs.push(`${field}: the server says ${list(c as string[])}, the verdicts give ${list(ours)} (the server ${why})`);
    }
  }
  if (diffs.length > 0) return { name: "tally", ok: false, detail: diffs.join("; ") };
  return { name: "tally", ok: true, detail: `recomputed from ${received}: ${verdictCounts(tally.counts)}, people ${verdictCounts(tally.people)}; ${tally.reason} As the server says.` };
}

// ---------------------------------------------------------------------------
// The decisions below the verdicts

async function checkBelow(verdict: Verdict, referral: string, deps: VerifyDeps, depth: number): Promise<Check[]> {
  const name = `decision of ${verdict.body}`;
  if (verdict.decidedBy === undefined) return [{ name, ok: true, detail: "the verdict names no decision (decidedBy): nothing below to check" }];
  const decidedBy = verdict.decidedBy;
  if (!URL.canParse(decidedBy)) return [{ name, ok: false, detail: `decidedBy is not a URL: ${decidedBy}` }];

  let sub: Verification;
  const mismatches: string[] = [];
  let matched: string;
  if (verdict.rule.of === "votes") {
    sub = await verifyProposalDecision(decidedBy, deps);
    const t = verdict.tally as VoteTally;
    const r = verdict.rule.rule;
    if (sub.body !== undefined && sub.body !== verdict.body) mismatches.push(`it is a decision of ${sub.body}, not of ${verdict.body}`);
    if (sub.secret) matched = `secret ballot: the counts cannot be recomputed, only who voted`;
    else if (sub.counts === undefined) {
      matched = "";
      if (sub.ok) mismatches.push("no round to recompute counts from");
    } else {
      const c = sub.counts;
      if ((["agree", "disagree", "abstain", "block"] as const).some((k) => c[k] !== t.counts[k])) {
        mismatches.push(`the verdict says ${choiceCounts(t.counts)}, the record gives ${choiceCounts(c)}`);
      }
      const round = sub.lastRound;
      if (round) {
        const ruleSame = round.rule.kind === r.kind && (r.kind !== "supermajority" || (round.rule.kind === "supermajority" && canonicalizeJson(round.rule.fraction) === canonicalizeJson(r.fraction)));
        if (!ruleSame) mismatches.push(`the verdict claims the rule ${JSON.stringify(r)}, the round was decided by ${JSON.stringify(round.rule)}`);
        if (round.roll !== null && round.roll !== t.roll) mismatches.push(`the verdict says a roll of ${t.roll}, the record gives ${round.roll}`);
        if (round.quorum !== null && round.quorum !== t.quorum) mismatches.push(`the verdict says a quorum of ${t.quorum}, the record gives ${round.quorum}`);
      }
      matched = `counts recomputed (${choiceCounts(c)}) are the verdict's`;
    }
  } else {
    const doc = await deps.fetchJson(decidedBy);
    sub = await checkReferral(doc, decidedBy, deps, depth - 1);
    const t = verdict.tally as VerdictsTally;
    if (sub.proposal !== null) {
      if (sub.body !== verdict.body) mismatches.push(`it is a referral of ${sub.body ?? "?"}, not of ${verdict.body}`);
      const parent = isObject(doc) && isObject(doc.parent) ? doc.parent.referral : undefined;
      if (parent !== referral) mismatches.push(`it was referred down from ${String(parent ?? "nowhere")}, not from this referral`);
      if (isObject(doc) && doc.status !== "closed") mismatches.push("it is still open: it cannot have given a verdict yet");
    }
    const lower = sub.tally;
    if (lower !== undefined) {
      if (canonicalizeJson(lower.rule) !== canonicalizeJson(verdict.rule.rule)) {
        mismatches.push(`the verdict claims the rule ${describeRule(verdict.rule.rule)}, the referral below is decided by ${describeRule(lower.rule)}`);
      }
      for (const field of ["counts", "people"] as const) {
        if ((["ratify", "reject", "abstain"] as const).some((k) => lower[field][k] !== t[field][k])) {
          mismatches.push(`${field}: the verdict says ${verdictCounts(t[field])}, the verdicts below give ${verdictCounts(lower[field])}`);
        }
      }
    } else if (sub.ok) mismatches.push("the referral below could not be tallied");
    matched = lower ? `the referral below tallies ${verdictCounts(lower.counts)} (${lower.outcome}), as the verdict says` : "";
  }

  const failing = sub.checks.filter((c) => !c.ok);
  const passed = sub.checks.length - failing.length;
  if (failing.length === 0 && mismatches.length === 0) {
    return [{ name, ok: true, detail: `${decidedBy}: ${passed} check(s) pass${depth - 1 > 0 || verdict.rule.of === "votes" ? "" : " (the decisions below its verdicts not checked: depth reached)"}; ${matched}` }];
  }
  const reasons = [...mismatches];
  if (failing.length > 0) reasons.push(`${failing.length} of ${sub.checks.length} check(s) of ${decidedBy} fail (below)`);
  return [{ name, ok: false, detail: reasons.join("; ") }, ...failing.map((c) => ({ name: `${name} › ${c.name}`, ok: false, detail: c.detail }))];
}
