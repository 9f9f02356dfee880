// Why a service refused, as a code: the pages word each code from their message catalogue
// (src/http/pages/messages/reasons.ts), so a page never shows the service's English. The
// failure's `message` stays for logs, the API and the CLI. Every code here must have its
// words in the catalogue (test/unit/catalogue.test.ts checks).

export const REASON_CODES = [
  // Accounts and handles.
  "handle-invalid",
  "handle-reserved",
  "handle-taken",
  "password-too-short",
  "password-too-long",
  "name-too-long",
  "summary-too-long",
  "invitation-invalid",
  "wrong-password",
  "wrong-sign-in",
  "too-many-attempts",
  "no-such-account",
  // Bodies and what they hold.
  "no-such-body",
  "no-such-proposal",
  "no-such-post",
  "body-kind-invalid",
  "people-join-assemblies",
  "admits-by-decision",
  "not-a-member",
  "bodies-leave-by-proposal",
  "admission-mismatch",
  // Proposals.
  "too-long",
  "title-missing",
  "member-missing",
  "no-such-member",
  "member-unreachable",
  "members-are-bodies",
  "members-are-people",
  "delegates-missing",
  "implements-missing",
  "implements-unknown",
  "confederation-missing",
  "confederation-not-a-body",
  "mandate-missing",
  "mandate-unknown",
  "mandate-not-yours",
  "mandate-not-live",
  "adopt-unknown",
  "adopt-own",
  "adopt-not-passed",
  "adopt-recalled",
  "adopt-unreachable",
  "adopt-bad-url",
  // Posts.
  "post-empty",
  "post-too-long",
  "warning-too-long",
  "reply-unknown",
  // The operator's pages.
  "origin-invalid",
  "origin-own",
  // Accounts, sign-up, sessions and the operator's pages.
  "no-such-session",
  "signup-mode-invalid",
  "founder-not-a-person",
  "last-administrator",
  "invitation-days",
  "no-such-invitation",
  "page-invalid",
  // Following.
  "account-unreachable",
  "follow-here-on-pages",
  "no-such-follow-request",
  "only-people-post",
  // Acts, memberships, forks and founding.
  "taken-in-before",
  "act-needs-proposal",
  "no-amendments",
  "no-such-amendment",
  "amendment-not-in-vote",
  "propose-needs-body",
  "fork-no-record",
  "fork-confederation",
  "fork-name-missing",
  "not-an-option",
  "own-member",
  "already-a-member",
  "no-members-yet",
] as const;

/** A reason code a service may give. */
export type ReasonCode = (typeof REASON_CODES)[number];

/** Why a service refused, with what fills the blanks of its words (`{handle}`, `{max}`, ...). */
export interface Reason {
  /** A {@link ReasonCode}, or `bylaws.<code>` for a problem of some bylaws (the governance core's BYLAWS_PROBLEM_CODES). */
  readonly code: string;
  readonly params?: Readonly<Record<string, string | number>>;
}
