import { checkMandatedAct, isMandate } from "../governance/mandates.ts";
import { instantMs } from "../governance/time.ts";
import type { ReferralShape } from "./referral-document.ts";
import type { Check, VerifyDeps } from "./report.ts";
import { checkSignedBy } from "./signature.ts";
import { actorId, isObject, nonBlankString } from "./untrusted-json.ts";

/**
 * Checks the mandate a delegate tabled the referral under, as embedded in it: the
 * signature of the body that gave it, that it covered tabling this referral when it
 * was tabled, and (from its current version) that it had not been recalled by then.
 */
export async function checkTablingMandate(mandate: unknown, shape: ReferralShape, confederation: string, deps: VerifyDeps): Promise<Check[]> {
  const checks: Check[] = [];
  const giver = isObject(mandate) ? actorId(mandate.attributedTo) : null;
  if (!isObject(mandate) || giver === null) {
    return [{ name: "mandate signature", ok: false, detail: "the embedded mandate is not a document attributed to a body" }];
  }
  const signature = await checkSignedBy(mandate, giver, deps);
  checks.push({
    name: "mandate signature",
    ok: signature.ok,
    detail: signature.ok
      ? `the mandate is ${signature.detail}`
      : `the embedded mandate's signature does not hold: ${signature.detail.replace(/^its signature does not hold /, "")}`,
  });

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
  const mandateId = nonBlankString(mandate.id);
  const current = mandateId === null ? null : await deps.fetchJson(mandateId);
  if (mandateId === null || !isObject(current)) {
    checks.push({
      name: "mandate recall",
      ok: true,
      detail: `the mandate's current version could not be fetched${mandateId ? ` from ${mandateId}` : ""}: a recall cannot be ruled out`,
    });
    return checks;
  }
  const currentSignature = current.id === mandateId ? await checkSignedBy(current, giver, deps) : { ok: false, detail: `it names itself ${String(current.id)}` };
  if (!currentSignature.ok) {
    checks.push({
      name: "mandate recall",
      ok: true,
      detail: `the mandate's current version at ${mandateId} does not verify (${currentSignature.detail}): a recall cannot be ruled out`,
    });
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
