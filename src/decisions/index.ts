/**
 * The decision-making adapter: stores each body's record of governance events, runs the
 * pure core (src/governance) on it, keeps the `proposals` projection, moves proposals on
 * at their deadlines, and tells federation about every committed change
 * (`AppContext.decisions.onChange`). See docs/governance.md and docs/api.md.
 */
export type { DraftableKind, DraftRequest } from "./commands/draft.ts";
export { DRAFTABLE_KINDS, draftProposal } from "./commands/draft.ts";
export { MAX_PROPOSAL_TEXT_LENGTH, MAX_REASON_LENGTH, MAX_TITLE_LENGTH } from "./commands/limits.ts";
export { openVoting, secondProposal, tableProposal, withdrawProposal } from "./commands/proposal.ts";
export type { RemoteVote, VoteReceipt } from "./commands/votes.ts";
export { castVoteAs, choiceForOption, vote, voteOnAmendment, voteOptions } from "./commands/votes.ts";
export {
  completeImplementation,
  electAdvocate,
  implementationDelegatesAreElected,
  proposeAmendment,
  recordGrievanceAgreement,
  recordObjection,
} from "./commands/graduated.ts";
export type { BylawsInfo, HistoryEntry, LoadedProposal, ProposalRef, ProposalSummary, RecordEvent } from "./read.ts";
export {
  decisionRegister,
  findProposal,
  listProposals,
  loadProposalState,
  loadProposalStates,
  mayReadProposal,
  proposalByUri,
  readBodyRecord,
  readBylaws,
  readHistory,
  readProposal,
  replayBody,
} from "./read.ts";
export type { Transition } from "./deadlines.ts";
export { runDueDeadlines, startDeadlineTimer } from "./deadlines.ts";
export { REMINDER_LEAD_MS, remindOfClosingVotes } from "./reminders.ts";
export type { ProposalDetail, RegisterEntry, RoundSummary } from "./views.ts";
export { redactEvent } from "./views.ts";
export type { BodyRef, Outcome } from "./projection.ts";
export { proposalPageUrl, renderProposalContent } from "./projection.ts";
export type { NewFoundedBody, TemplateInfo } from "./commands/founding.ts";
export { bylawsTemplates, createBody, foundBodyRecord, resolveFoundingBylaws } from "./commands/founding.ts";
export { addMember, joinBody, leaveBody, removeMember, removeRemoteOrigin } from "./commands/membership.ts";
export { deleteAccount } from "./commands/account-deletion.ts";
export { rebuildProjection } from "./maintenance.ts";
export { PROPOSAL_ID_PATTERN, proposalIdFromUri } from "./ids.ts";
export { resolveAdoption } from "./adopt.ts";
export type { ForkOrigin, ForkRequest, Forked } from "./fork.ts";
export { forkBody, readForkOrigin } from "./fork.ts";
export type { HashtagAct, Post, PostTag, Reading } from "./hashtags/grammar.ts";
export { plainText, readHashtagAct } from "./hashtags/grammar.ts";
export type { ActConfirmation, ActPlace } from "./hashtags/take.ts";
export { takeHashtagAct } from "./hashtags/take.ts";
