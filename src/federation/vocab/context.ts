// The JSON-LD context of Folkmoot's extension properties, served at CONTEXT_PATH
// (docs/federation.md, "Vocabulary").

/** The vocabulary's namespace; the instance serves the JSON-LD context at {@link contextUrl}. */
export const FOLKMOOT_NS = "https://w3id.org/folkmoot#";
export const CONTEXT_PATH = "/ns/folkmoot";

export function contextUrl(origin: URL): URL {
  return new URL(CONTEXT_PATH, origin);
}

/** The JSON-LD context of Folkmoot's extension properties. */
export function contextDocument(): object {
  const json = (name: string) => ({ "@id": `fm:${name}`, "@type": "@json" });
  return {
    "@context": {
      fm: FOLKMOOT_NS,
      xsd: "http://www.w3.org/2001/XMLSchema#",
      proposalKind: "fm:proposalKind",
      stage: "fm:stage",
      round: "fm:round",
      decisionRule: json("decisionRule"),
      ruleDescription: "fm:ruleDescription",
      nextDeadline: { "@id": "fm:nextDeadline", "@type": "xsd:dateTime" },
      outcome: "fm:outcome",
      decidedAt: { "@id": "fm:decidedAt", "@type": "xsd:dateTime" },
      rounds: json("rounds"),
      proposalState: json("proposalState"),
      proposal: { "@id": "fm:proposal", "@type": "@id" },
      DecisionRecord: "fm:DecisionRecord",
      Mandate: "fm:Mandate",
      delegate: { "@id": "fm:delegate", "@type": "@id" },
      role: "fm:role",
      scope: "fm:scope",
      instructions: "fm:instructions",
      covers: "fm:covers",
      decidedBy: { "@id": "fm:decidedBy", "@type": "@id" },
      confederation: { "@id": "fm:confederation", "@type": "@id" },
      status: "fm:status",
      revokedAt: { "@id": "fm:revokedAt", "@type": "xsd:dateTime" },
      revokedBy: { "@id": "fm:revokedBy", "@type": "@id" },
      events: json("events"),
      // Confederation (docs/federation.md, "Confederation").
      Referral: "fm:Referral",
      Verdict: "fm:Verdict",
      kind: "fm:kind",
      topic: "fm:topic",
      proposer: { "@id": "fm:proposer", "@type": "@id" },
      mandate: json("mandate"),
      bodies: json("bodies"),
      rule: json("rule"),
      parent: json("parent"),
      admit: { "@id": "fm:admit", "@type": "@id" },
      decides: json("decides"),
      closed: { "@id": "fm:closed", "@type": "xsd:dateTime" },
      left: { "@id": "fm:left", "@type": "@id", "@container": "@set" },
      verdicts: json("verdicts"),
      tally: json("tally"),
      referral: { "@id": "fm:referral", "@type": "@id" },
      verdict: "fm:verdict",
    },
  };
}
