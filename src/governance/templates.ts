import { BODY_KINDS, BYLAWS_FIELDS, bylawsProblems, type BodyKind, type Bylaws, type BylawsProblem } from "./bylaws.ts";
import { fraction } from "./fraction.ts";

/**
 * Founding bylaws drawn from the seeds, each explained in plain words for the neighbours
 * who found a body with it. A template is only a starting point: every field can be
 * changed before founding (see {@link bylawsFromTemplate}), and after founding by a
 * `bylaws` proposal decided by the body's own rule.
 */
export interface BylawsTemplate {
  /** Stable name, e.g. `neighbourhood-assembly`. */
  readonly id: string;
  /** A short title a neighbour can read. */
  readonly title: string;
  /** What founding with it means, in plain words. */
  readonly description: string;
  /** The seed texts it is drawn from. */
  readonly drawnFrom: string;
  /** The kinds of body it suits; the first is the usual one. */
  readonly kinds: readonly BodyKind[];
  /** The complete bylaws (for a confederation, with its ratification rule). */
  readonly bylaws: Bylaws;
}

const POINTS_OF_UNITY_000 = [
  "1. Decisions are made through deliberation: critiques, agreement, dissent and amendments are heard, to come as close as we can to agreement on what is best for all.",
  "2. Decisions are made by simple majority: no one holds a veto.",
  "3. Proposals and decisions are weighed against these bylaws and our points of unity.",
  "4. Committees and delegates administer; they make no policy over the assembly and work within the mandate given from below.",
  "5. Committees, delegates and decisions can be recalled at once by simple majority.",
].join("\n");

const week = "P7D";

/** The templates, in the order a form shows them. */
export const BYLAWS_TEMPLATES: readonly BylawsTemplate[] = [
  {
    id: "neighbourhood-assembly",
    title: "Neighbourhood assembly (simple majority)",
    description:
      "For a neighbourhood, village or housing block that meets about once a month. Any member may put a proposal to the assembly; " +
      "after a week of discussion, members vote for a week, and a proposal passes when more members agree than disagree, " +
      "as long as at least a quarter of the members took part. Changing these bylaws needs two thirds. Anyone may join; " +
      "the record is public and votes are named. Delegates serve at most two terms in a row and can be recalled at any time by simple majority.",
    drawnFrom: "seed 000 (starting a communalist assembly)",
    kinds: ["assembly", "council", "committee"],
    bylaws: {
      decisionRule: { kind: "simple-majority" },
      ruleByKind: { bylaws: { kind: "supermajority", fraction: fraction(2, 3) } },
      quorum: { kind: "share", share: fraction(1, 4) },
      deliberationPeriod: week,
      votingPeriod: week,
      minimumPeriod: "P2D",
      graduatedConsensus: { objectionPeriod: "P3D", grievancePeriod: week, contentionPeriod: "P14D" },
      admission: "open",
      tabling: { who: "any-member" },
      visibility: "public",
      ballot: "named",
      delegates: { maxConsecutiveTerms: 2 },
      text: POINTS_OF_UNITY_000,
    },
  },
  {
    id: "graduated-council",
    title: "Council deciding by graduated consensus",
    description:
      "For a workplace, tenants' or community council that wants near-agreement without a veto. After a week of discussion comes a first vote: " +
      "90 % agreeing passes it. Otherwise those against say whether their objection is a deal-breaker and what it is about; each kind of objection " +
      "chooses an advocate, members say whether they share it, objectors offer friendly amendments, and the amended proposal is voted on again (90 % passes). " +
      "Deal-breakers are heard last, and the final vote needs two thirds. For two weeks after passing, while the work is planned, members may change their vote; " +
      "if support falls below half the decision is set aside. Half the members must take part. New members are admitted by a decision of the council.",
    drawnFrom: "seed 002 (a nested council system and its proposal process)",
    kinds: ["council", "assembly", "committee"],
    bylaws: {
      decisionRule: { kind: "graduated-consensus" },
      quorum: { kind: "share", share: fraction(1, 2) },
      deliberationPeriod: week,
      votingPeriod: "P3D",
      minimumPeriod: "P1D",
      graduatedConsensus: { objectionPeriod: "P2D", grievancePeriod: "P5D", contentionPeriod: "P14D" },
      admission: "by-decision",
      tabling: { who: "any-member" },
      visibility: "public",
      ballot: "named",
      delegates: { maxConsecutiveTerms: 2 },
    },
  },
  {
    id: "consensus-collective",
    title: "Consensus collective (stand aside or block)",
    description:
      "For a small collective, committee or working group that acts only when everyone can live with it. A proposal passes only if everyone who votes agrees. " +
      "A member who disagrees but will not stop the group can stand aside; a member with a principled objection can block, and one block stops the proposal. " +
      "Two thirds of the members must take part. After a week of discussion, members have three days to vote. New members are admitted by consensus too.",
    drawnFrom: "seed 003 (councils and confederation)",
    kinds: ["committee", "council", "assembly"],
    bylaws: {
      decisionRule: { kind: "consensus" },
      quorum: { kind: "share", share: fraction(2, 3) },
      deliberationPeriod: week,
      votingPeriod: "P3D",
      minimumPeriod: "P1D",
      graduatedConsensus: { objectionPeriod: "P3D", grievancePeriod: week, contentionPeriod: "P14D" },
      admission: "by-decision",
      tabling: { who: "any-member" },
      visibility: "public",
      ballot: "named",
      delegates: { maxConsecutiveTerms: 1 },
    },
  },
  {
    id: "municipal-confederation",
    title: "Municipal confederation of assemblies (majority of bodies)",
    description:
      "For about ten neighbourhood assemblies and councils of one town that coordinate. The confederation does not vote itself: every proposal is sent to " +
      "every member assembly, each decides by its own rules within three weeks, and it passes when more than half of the assemblies that count ratify it. " +
      "It binds only the assemblies that ratified it. Each assembly sends one delegate per 100 members; delegates carry mandates and have no power of their own. " +
      "Assemblies can join at once and leave at any time. The confederation changes these bylaws the same way, by the verdicts of its assemblies; " +
      "the ratification rule can instead be unanimity, a supermajority of bodies, a double majority of bodies and people, or weighted by members.",
    drawnFrom: "seeds 002 and 004 (community verdicts; confederations of neighbourhood assemblies)",
    kinds: ["confederation"],
    bylaws: {
      decisionRule: { kind: "simple-majority" },
      quorum: { kind: "share", share: fraction(1, 3) },
      deliberationPeriod: "P14D",
      votingPeriod: week,
      graduatedConsensus: { objectionPeriod: "P3D", grievancePeriod: week, contentionPeriod: "P14D" },
      admission: "open",
      tabling: { who: "any-member" },
      visibility: "public",
      ballot: "named",
      delegates: { maxConsecutiveTerms: 2 },
      ratification: { kind: "majority" },
      delegateRatio: 100,
    },
  },
  {
    id: "regional-confederation",
    title: "Regional confederation (double majority of bodies and people)",
    description:
      "For the municipal confederations and councils of a region. Every proposal goes down to the member bodies, and through them to every assembly; " +
      "each answers within four weeks. It passes when at least three in five of the bodies that count ratify it and those bodies hold at least three in five " +
      "of the people of the bodies that answered, so neither many small bodies nor a few large ones decide alone. It binds only those that ratified. " +
      "Each member body sends one delegate per 100 members. The ratification rule can instead be majority, a supermajority, unanimity, or weighted by members.",
    drawnFrom: "seeds 002 and 004 (regions; confederations up to the global level)",
    kinds: ["confederation"],
    bylaws: {
      decisionRule: { kind: "simple-majority" },
      quorum: { kind: "share", share: fraction(1, 3) },
      deliberationPeriod: "P21D",
      votingPeriod: week,
      graduatedConsensus: { objectionPeriod: "P3D", grievancePeriod: week, contentionPeriod: "P14D" },
      admission: "open",
      tabling: { who: "any-member" },
      visibility: "public",
      ballot: "named",
      delegates: { maxConsecutiveTerms: 2 },
      ratification: { kind: "double-majority", bodies: fraction(3, 5), people: fraction(3, 5) },
      delegateRatio: 100,
    },
  },
  {
    id: "trial",
    title: "Trial run (periods of a few minutes)",
    description:
      "To try Folkmoot out the same day: discussion and voting each last five minutes, one vote is enough for a quorum, and a proposal passes " +
      "when more agree than disagree. Anyone may join. Before deciding anything real, change these bylaws (a bylaws proposal) or found the body again " +
      "from another template.",
    drawnFrom: "seed 000's simple majority, with a short calendar",
    kinds: ["assembly", "council", "committee", "confederation"],
    bylaws: {
      decisionRule: { kind: "simple-majority" },
      quorum: { kind: "count", count: 1 },
      deliberationPeriod: "PT5M",
      votingPeriod: "PT5M",
      minimumPeriod: "PT1M",
      graduatedConsensus: { objectionPeriod: "PT5M", grievancePeriod: "PT5M", contentionPeriod: "PT5M" },
      admission: "open",
      tabling: { who: "any-member" },
      visibility: "public",
      ballot: "named",
      delegates: { maxConsecutiveTerms: 2 },
      text: "Trial bylaws: every period is a few minutes. Change them before deciding anything real.",
    },
  },
];

/** The template called `id`, or undefined. */
export function bylawsTemplate(id: string): BylawsTemplate | undefined {
  return BYLAWS_TEMPLATES.find((t) => t.id === id);
}

/** Fields whose value is an object that overrides merge into (the rest are replaced whole). */
const MERGED = new Set(["graduatedConsensus", "delegates", "ruleByKind"]);

/**
 * The founding bylaws of a body of `kind`: a template's (or, without one, the defaults
 * given as `base`) with `overrides` applied, then checked. Every problem is named with its
 * field: an unknown template, a template for another kind of body, an unknown field, and
 * whatever {@link bylawsProblems} finds in the result. Overrides replace fields whole,
 * except `graduatedConsensus`, `delegates` and `ruleByKind`, which they merge into (a
 * `ruleByKind` entry set to null removes that kind's rule).
 */
export function bylawsFromTemplate(
  input: { readonly kind: BodyKind; readonly template?: string | undefined; readonly overrides?: unknown },
  base: Bylaws,
): { ok: true; bylaws: Bylaws } | { ok: false; problems: BylawsProblem[] } {
  const problems: BylawsProblem[] = [];
  if (!BODY_KINDS.includes(input.kind)) return { ok: false, problems: [{ field: "kind", code: "unknown-body-kind", message: `kind is one of ${BODY_KINDS.join(", ")}` }] };
  let start: Bylaws = base;
  if (input.template !== undefined) {
    const t = bylawsTemplate(input.template);
    if (t === undefined) {
      problems.push({ field: "template", code: "unknown-template", message: `no template "${input.template}"; there are ${BYLAWS_TEMPLATES.map((x) => x.id).join(", ")}` });
    } else if (!t.kinds.includes(input.kind)) {
      problems.push({
        field: "template",
        code: "template-for-other-kind",
        params: { kind: input.kind },
        message: `the template ${t.id} is for ${t.kinds.map((k) => `${k}s`).join(" or ")}, not for ${input.kind === "assembly" ? "an" : "a"} ${input.kind}`,
      });
    } else {
      start = t.bylaws;
    }
  }
  // A confederation always needs a ratification rule; a template for any kind lacks one.
  if (input.kind === "confederation" && start.ratification === undefined) start = { ...start, ratification: { kind: "majority" } };
  const overrides = input.overrides;
  let merged: Record<string, unknown> = structuredClone(start) as unknown as Record<string, unknown>;
  if (overrides !== undefined && overrides !== null) {
    if (typeof overrides !== "object" || Array.isArray(overrides)) {
      problems.push({ field: "bylaws", code: "not-an-object", message: "bylaws must be an object" });
    } else {
      for (const [field, value] of Object.entries(overrides as Record<string, unknown>)) {
        if (!BYLAWS_FIELDS.includes(field)) {
          problems.push({ field, code: "unknown-field", params: { field }, message: `${field} is not a field of the bylaws (they have ${BYLAWS_FIELDS.join(", ")})` });
          continue;
        }
        const current = merged[field];
        if (MERGED.has(field) && typeof value === "object" && value !== null && !Array.isArray(value) && typeof current === "object" && current !== null) {
          const next: Record<string, unknown> = { ...(current as Record<string, unknown>) };
          for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
            if (v === null && field === "ruleByKind") delete next[k];
            else next[k] = v;
          }
          merged = { ...merged, [field]: next };
        } else if (value === null && field !== "delegates") {
          // null removes an optional field (e.g. `text`, `minimumPeriod`).
          const { [field]: _removed, ...rest } = merged;
          merged = rest;
        } else {
          merged = { ...merged, [field]: value };
        }
      }
    }
  }
  problems.push(...bylawsProblems(merged, input.kind));
  return problems.length === 0 ? { ok: true, bylaws: merged as unknown as Bylaws } : { ok: false, problems };
}
