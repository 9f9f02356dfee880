// The founding templates' names and plain descriptions (src/governance/templates.ts keeps
// the same words in English for the API and the CLI; the pages show these).

export const templates = {
  "template.neighbourhood-assembly.title": "Neighbourhood assembly (simple majority)",
  "template.neighbourhood-assembly.description":
    "For a neighbourhood, village or housing block that meets about once a month. Any member may put a proposal to the assembly; after a week of discussion, members vote for a week, and a proposal passes when more members agree than disagree, as long as at least a quarter of the members took part. Changing these bylaws needs two thirds. Anyone may join; the record is public and votes are named. Delegates serve at most two terms in a row and can be recalled at any time by simple majority.",
  "template.neighbourhood-assembly.drawnFrom": "seed 000 (starting a communalist assembly)",
  "template.graduated-council.title": "Council deciding by graduated consensus",
  "template.graduated-council.description":
    "For a workplace, tenants' or community council that wants near-agreement without a veto. After a week of discussion comes a first vote: 90 % agreeing passes it. Otherwise those against say whether their objection is a deal-breaker and what it is about; each kind of objection chooses an advocate, members say whether they share it, objectors offer friendly amendments, and the amended proposal is voted on again (90 % passes). Deal-breakers are heard last, and the final vote needs two thirds. For two weeks after passing, while the work is planned, members may change their vote; if support falls below half the decision is set aside. Half the members must take part. New members are admitted by a decision of the council.",
  "template.graduated-council.drawnFrom": "seed 002 (a nested council system and its proposal process)",
  "template.consensus-collective.title": "Consensus collective (stand aside or block)",
  "template.consensus-collective.description":
    "For a small collective, committee or working group that acts only when everyone can live with it. A proposal passes only if everyone who votes agrees. A member who disagrees but will not stop the group can stand aside; a member with a principled objection can block, and one block stops the proposal. Two thirds of the members must take part. After a week of discussion, members have three days to vote. New members are admitted by consensus too.",
  "template.consensus-collective.drawnFrom": "seed 003 (councils and confederation)",
  "template.municipal-confederation.title": "Municipal confederation of assemblies (majority of bodies)",
  "template.municipal-confederation.description":
    "For about ten neighbourhood assemblies and councils of one town that coordinate. The confederation does not vote itself: every proposal is sent to every member assembly, each decides by its own rules within three weeks, and it passes when more than half of the assemblies that count ratify it. It binds only the assemblies that ratified it. Each assembly sends one delegate per 100 members; delegates carry mandates and have no power of their own. Assemblies can join at once and leave at any time. The confederation changes these bylaws the same way, by the verdicts of its assemblies; the ratification rule can instead be unanimity, a supermajority of bodies, a double majority of bodies and people, or weighted by members.",
  "template.municipal-confederation.drawnFrom": "seeds 002 and 004 (community verdicts; confederations of neighbourhood assemblies)",
  "template.regional-confederation.title": "Regional confederation (double majority of bodies and people)",
  "template.regional-confederation.description":
    "For the municipal confederations and councils of a region. Every proposal goes down to the member bodies, and through them to every assembly; each answers within four weeks. It passes when at least three in five of the bodies that count ratify it and those bodies hold at least three in five of the people of the bodies that answered, so neither many small bodies nor a few large ones decide alone. It binds only those that ratified. Each member body sends one delegate per 100 members. The ratification rule can instead be majority, a supermajority, unanimity, or weighted by members.",
  "template.regional-confederation.drawnFrom": "seeds 002 and 004 (regions; confederations up to the global level)",
  "template.trial.title": "Trial run (periods of a few minutes)",
  "template.trial.description":
    "To try Folkmoot out the same day: discussion and voting each last five minutes, one vote is enough for a quorum, and a proposal passes when more agree than disagree. Anyone may join. Before deciding anything real, change these bylaws (a bylaws proposal) or found the body again from another template.",
  "template.trial.drawnFrom": "seed 000's simple majority, with a short calendar",
} as const;
