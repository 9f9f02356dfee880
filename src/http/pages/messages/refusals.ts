// Why the body refused what a member tried on a form: the governance core's refusal codes,
// in the members' words (the core's own messages are for logs and the API).

export const refusals = {
  "refusal.not-member": "Only members of this body can do this.",
  "refusal.not-on-roll": "You are not on this proposal's roll: only those who were members when its vote opened take part in it.",
  "refusal.not-author": "Only the one who wrote this proposal can do this.",
  "refusal.not-an-objector":
    "Only those who voted against in the first temperature check may object, and only those with an objection in this stage may speak for it or offer an amendment.",
  "refusal.not-a-voter": "Only those who voted in the deciding vote may change their vote now.",
  "refusal.already-member": "You are already a member of this body.",
  "refusal.already-voted": "You have already voted this way.",
  "refusal.already-seconded": "You have already seconded this proposal.",
  "refusal.deadline-passed": "Too late: this stage has closed.",
  "refusal.too-early": "Too early: the proposal's discussion time is not over yet.",
  "refusal.wrong-stage": "This cannot be done at the stage the proposal is in now.",
  "refusal.needs-seconds": "The proposal needs more members to second it first.",
  "refusal.left": "You have left this body.",
  "refusal.admission-by-decision": "This body admits members by a decision: ask to join instead.",
  "refusal.invalid-choice": "That choice is not one of this vote's options.",
  "refusal.invalid-candidate": "That person cannot be elected: name a member who shares the objection.",
  "refusal.unknown-category": "There is no objection about that in this stage.",
  "refusal.rotation-limit": "That person has served as many terms in a row as the bylaws allow.",
} as const;
