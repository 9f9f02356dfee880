/** A proposal's status in words, as pages and polls show it. */
export const STATUS_WORDS: Readonly<Record<string, string>> = {
  draft: "draft",
  deliberation: "in deliberation",
  voting: "voting",
  objections: "objections (graduated consensus)",
  grievances: "hearing grievances (graduated consensus)",
  "amendment-voting": "voting on amendments",
  contention: "contention period",
  passed: "passed",
  rejected: "rejected",
  withdrawn: "withdrawn",
  tabled: "tabled (set aside)",
  implementing: "carried: being implemented",
  done: "carried and done",
};
