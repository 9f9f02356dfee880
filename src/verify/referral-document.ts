import type { ReferralBody } from "../governance/confederation.ts";
import { isRatificationRule, type RatificationRule } from "../governance/ratification.ts";
import { instantMs } from "../governance/time.ts";
import { isObject, nonBlankString, type Json } from "./untrusted-json.ts";

/** What a `Referral` document says, once its fields have the shapes they should. */
export interface ReferralShape {
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

/** Reads a referral document: its shape, or what is malformed in it. */
export function readReferral(doc: Json): ReferralShape | string {
  const problems: string[] = [];
  const bodies: ReferralBody[] = [];
  if (!Array.isArray(doc.bodies)) problems.push("no list of bodies");
  else {
    for (const b of doc.bodies as unknown[]) {
      if (isObject(b) && nonBlankString(b.body) && Number.isSafeInteger(b.members) && (b.members as number) >= 0)
        bodies.push({ body: b.body as string, members: b.members as number });
      else problems.push(`a malformed entry in bodies: ${JSON.stringify(b)}`);
    }
    if (new Set(bodies.map((b) => b.body)).size !== bodies.length) problems.push("a body is listed twice");
  }
  if (!isRatificationRule(doc.rule)) problems.push(`not a ratification rule: ${JSON.stringify(doc.rule)}`);
  if (instantMs(doc.published) === null) problems.push("no valid published");
  if (instantMs(doc.endTime) === null) problems.push("no valid endTime");
  if (doc.status !== "open" && doc.status !== "closed") problems.push(`status is ${JSON.stringify(doc.status)}, not open or closed`);
  if (!nonBlankString(doc.proposer)) problems.push("no proposer");
  if (doc.topic !== undefined && doc.topic !== null && typeof doc.topic !== "string") problems.push("topic is not a string");
  const left = doc.left === undefined || doc.left === null ? [] : doc.left;
  if (!Array.isArray(left) || !left.every((b) => typeof b === "string")) problems.push("left is not a list of bodies");
  const verdicts = doc.verdicts === undefined || doc.verdicts === null ? [] : doc.verdicts;
  if (!Array.isArray(verdicts)) problems.push("verdicts is not a list");
  let parent: ReferralShape["parent"] = null;
  if (doc.parent !== undefined && doc.parent !== null) {
    if (isObject(doc.parent) && nonBlankString(doc.parent.confederation) && nonBlankString(doc.parent.referral)) {
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
    admit: nonBlankString(doc.admit),
  };
}
