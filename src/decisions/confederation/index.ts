// The confederation's decisions on what other instances send (and the delegate's side):
// each service takes plain values, runs the core through `runOnBody` and returns a Result.
// Federation parses, authenticates and answers; it never composes a command itself.
export { admitRatifiedBodies, answerJoinRequest, type JoinAnswer, type JoinHandled, type JoinRequest, type JoinVerdict } from "./admission.ts";
export { listReferrals, memberBodies, setWeight } from "./members.ts";
export { recordJoinRefused, recordMemberBodyLeft } from "./membership.ts";
export { fitPeriods, nestedDeadline, takeUpReferral, type ReceivedReferral } from "./ratification.ts";
export { referToMemberBodies, type TabledProposal } from "./referral.ts";
export { recordRevocation } from "./revocation.ts";
export { mayTableUnderMandate, type ConfederalProposalInput } from "./tabling.ts";
export { listedOn, recordVerdict, type ReceivedVerdict } from "./verdict.ts";
