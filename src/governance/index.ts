/**
 * Folkmoot's governance core: pure functions from a body's ordered record of events to
 * its state, and commands that check an action and return the events to append.
 * No I/O, no clock: time is passed in. See docs/governance.md.
 */
export type { Fraction } from "./fraction.ts";
export { compareFractions, fraction, formatFraction } from "./fraction.ts";
export type { Duration, Instant } from "./time.ts";
export { addDuration, durationMs, instantMs } from "./time.ts";
export type { Quorum } from "./quorum.ts";
export { isQuorum, requiredTurnout } from "./quorum.ts";
export type { ChoiceCounts, DecisionRule, RoundRule, VoteChoice } from "./rules/types.ts";
export { choicesFor, VOTE_CHOICES } from "./rules/types.ts";
export { compareRules, describeRule, isAtLeastAsStrong, isDecisionRule, ruleStrength } from "./rules/strength.ts";
export { consensusMet } from "./rules/consensus.ts";
export { simpleMajorityMet, supermajorityMet } from "./rules/majority.ts";
export type { AmendmentOutcome, GraduatedStep, Tier } from "./rules/graduated-consensus.ts";
export {
  amendmentRule,
  CONTENTION_FLOOR,
  contentionHolds,
  FINAL_THRESHOLD,
  finalRule,
  TEMPERATURE_THRESHOLD,
  temperatureRule,
} from "./rules/graduated-consensus.ts";
export type { Tally, TallyOptions, TallyOutcome, VoteRecord } from "./tally.ts";
export { describeThreshold, roundRuleOf, tally, thresholdMet } from "./tally.ts";
export type { RatificationRule } from "./ratification.ts";
export { isRatificationRule } from "./ratification.ts";
export type { BodyKind, Bylaws, BylawsProblem, BylawsProblemCode, GraduatedPeriods, TablingRule } from "./bylaws.ts";
export { BODY_KINDS, BYLAWS_FIELDS, BYLAWS_PROBLEM_CODES, bylawsProblems, bylawsRuleFor, defaultBylaws, validateBylaws } from "./bylaws.ts";
export type { BylawsTemplate } from "./templates.ts";
export { BYLAWS_TEMPLATES, bylawsFromTemplate, bylawsTemplate } from "./templates.ts";
export type { ProposalTerms, TermsRequest } from "./terms.ts";
export { ruleFor, termsFor } from "./terms.ts";
export type { ProposalKind } from "./kinds/names.ts";
export { FIXED_RULE_KINDS, isProposalKind, PROPOSAL_KINDS } from "./kinds/names.ts";
export type { Effect, EffectInput, KindDefinition } from "./kinds/types.ts";
export { kindDefinition, KINDS } from "./kinds/index.ts";
export type { BylawsPayload } from "./kinds/bylaws.ts";
export type { MembershipPayload } from "./kinds/membership.ts";
export type { PolicyPayload } from "./kinds/policy.ts";
export type { RecallPayload } from "./kinds/recall.ts";
export type { DelegationPayload } from "./kinds/delegation.ts";
export { implementationMandateText } from "./kinds/delegation.ts";
export type { ConfederationPayload } from "./kinds/join.ts";
export type { RatificationPayload } from "./kinds/ratification.ts";
export type { AdoptPayload } from "./kinds/adopt.ts";
export type { ConfederalPayload } from "./kinds/confederal.ts";
export type { AdoptedSource, RevokedMandate } from "./kinds/types.ts";
export type { DelegateRole, Mandate, MandatedAct, MandateRefusalCode, MandateStatus } from "./mandates.ts";
export {
  checkMandatedAct,
  DELEGATE_ROLES,
  isDelegateRole,
  isMandate,
  liveMandates,
  mandateId,
  mandateStatus,
  rotationProblem,
} from "./mandates.ts";
export type {
  RatificationTally,
  Referral,
  ReferralBody,
  ReferralList,
  Verdict,
  VerdictChoice,
  VerdictCounts,
  VerdictRule,
  VerdictsTally,
  VoteTally,
} from "./confederation.ts";
export { ratificationMet, tallyVerdicts, verdictFromTally, verdictOfTally, verdictProblem } from "./confederation.ts";
export { isConfederationEvent, withRevocation } from "./referrals.ts";
export type * from "./events.ts";
export { EVENT_TYPES, isProposalEvent } from "./events.ts";
export type { CommandResult, Refusal, RefusalCode } from "./result.ts";
export { REFUSAL_CODES } from "./result.ts";
export type {
  Amendment,
  Ballot,
  Decision,
  GraduatedState,
  IgnoredEvent,
  Objection,
  ProposalState,
  ProposalStatus,
  Round,
  RoundKind,
} from "./proposal/state.ts";
export {
  acceptedAmendments,
  advocatesOf,
  amendedPayload,
  categoriesOf,
  categoryKey,
  FINAL_STATUSES,
  TIMED_STAGES,
} from "./proposal/state.ts";
export type { ReplayContext } from "./proposal/check.ts";
export { checkProposalEvent } from "./proposal/check.ts";
export { applyProposalEvent, replayProposal } from "./proposal/replay.ts";
export type { Outcome } from "./proposal/outcome.ts";
export { outcomeOf } from "./proposal/outcome.ts";
export type { BodyState, BylawsVersion } from "./body.ts";
export { applyBodyEvent, bodyState, bodyStateAfter, checkBodyEvent, resolveEffect } from "./body.ts";
export type { ProposalView, RoundView, CategoryView } from "./public-view.ts";
export { publicView } from "./public-view.ts";
export { foundBody, joinBody, leaveBody } from "./commands/body.ts";
export type { DraftInput } from "./commands/proposal.ts";
export { draftProposal, openVoting, secondProposal, tableProposal, withdraw } from "./commands/proposal.ts";
export type { VoteInput } from "./commands/voting.ts";
export { castVote, voteOnAmendment } from "./commands/voting.ts";
export { electAdvocate, object, proposeAmendment, recordGrievanceAgreement } from "./commands/graduated.ts";
export { completeImplementation, implementationElection } from "./commands/implementation.ts";
export { advance, nextDeadline } from "./commands/advance.ts";
export type { ReferralInput } from "./commands/confederation.ts";
export {
  admitMemberBody,
  recordJoinRefused,
  advanceReferrals,
  confederationVerdict,
  forkBody,
  memberBodyLeaves,
  nextReferralDeadline,
  ratificationVerdict,
  receiveRevocation,
  receiveVerdict,
  referConfederal,
} from "./commands/confederation.ts";
