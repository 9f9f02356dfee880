import type { AppContext } from "../../context.ts";
import { proposalIdFromUri } from "../../decisions/index.ts";
import { mandateStatus, tallyVerdicts, type BodyState, type Mandate, type Referral } from "../../governance/index.ts";
import { mandateUrl } from "../../shared/uris.ts";
import { httpUrl, ratificationRuleText, timeOf, timeText, word, type PersonView, type TimeView } from "./format.ts";
import { referralPagePath } from "./record-entries.ts";
import type { Translate } from "./render.ts";

// Views of what a body's state holds beyond its proposals: mandates, referrals and
// their verdicts. Shared by the body's page, proposal pages and their own pages.

/** Where a local proposal's page is, or null for another body's. */
export function proposalPath(app: AppContext, handle: string, uri: string): string | null {
  const id = proposalIdFromUri(app.config.publicOrigin, uri);
  return id ? `/@${handle}/proposals/${id}` : null;
}

/** The page of one of this body's mandates. */
export function mandatePath(app: AppContext, handle: string, mandateId: string): string {
  return `/@${handle}/mandates/${mandateUrl(app.config.publicOrigin, mandateId).pathname.split("/").at(-1)}`;
}

export interface MandateView {
  delegate: PersonView;
  role: string;
  scope: string;
  instructions: string;
  covers: string;
  term: string;
  start: TimeView | null;
  end: TimeView | null;
  confederation: PersonView | null;
  status: string;
  statusKey: string;
  revokedAt: string | null;
  revokedBy: { href: string | null; text: string } | null;
  decidedBy: { href: string | null; text: string };
  href: string;
  document: string;
}

export function mandateView(app: AppContext, t: Translate, handle: string, state: BodyState, m: Mandate, name: (uri: string) => PersonView, now = new Date()): MandateView {
  // Never earlier than the record's last event: a recall recorded is in force on the page.
  const last = state.lastAt ? Date.parse(state.lastAt) : 0;
  const status = mandateStatus(m, new Date(Math.max(now.getTime(), last)).toISOString());
  const titleOf = (uri: string) => state.proposals.get(uri)?.title ?? uri;
  return {
    delegate: name(m.delegate),
    role: word(t, "role", m.role),
    scope: m.scope,
    instructions: m.instructions,
    covers: m.covers.length ? m.covers.join(", ") : t("mandate.coversNothing"),
    term: t("mandate.termValue", { start: timeText(t, m.start), end: timeText(t, m.end) }),
    start: timeOf(m.start),
    end: timeOf(m.end),
    confederation: m.confederation ? name(m.confederation) : null,
    status: word(t, "mandate.status", status),
    statusKey: status,
    revokedAt: m.revokedAt ? timeText(t, m.revokedAt) : null,
    revokedBy: m.revokedBy ? { href: proposalPath(app, handle, m.revokedBy), text: titleOf(m.revokedBy) } : null,
    decidedBy: { href: proposalPath(app, handle, m.decidedBy), text: titleOf(m.decidedBy) },
    href: mandatePath(app, handle, m.id),
    document: mandateUrl(app.config.publicOrigin, m.id).href,
  };
}

/** Every actor a mandate names. */
export function mandateActors(m: Mandate): string[] {
  return [m.delegate, ...(m.confederation ? [m.confederation] : [])];
}

export interface ReferralSummary {
  title: string;
  href: string | null;
  opened: TimeView | null;
  deadline: TimeView | null;
  state: string;
}

export function referralSummary(app: AppContext, t: Translate, handle: string, r: Referral): ReferralSummary {
  return {
    title: r.title,
    href: referralPagePath(app, handle, r.id),
    opened: timeOf(r.openedAt),
    deadline: timeOf(r.deadline),
    state: r.tally ? word(t, "outcome", r.tally.outcome) : t("proposal.open"),
  };
}

/** A referral in full: every member body's verdict with its signed document, the tally, who ratified and who is bound. */
export function referralDetail(t: Translate, r: Referral, name: (uri: string) => PersonView) {
  const tally = r.tally ?? tallyVerdicts(r.rule, { id: r.id, bodies: r.bodies, left: r.left }, r.verdicts);
  const byBody = new Map(r.verdicts.map((v, i) => [v.body, { v, at: r.receivedAt[i] ?? v.at }]));
  const left = new Set(r.left);
  const names = (uris: readonly string[]) => uris.map(name);
  return {
    title: r.title,
    text: r.text,
    proposer: name(r.proposer),
    // The mandate's address: the body that gave it serves a browser the mandate's page.
    viaMandate: r.viaMandate ? mandateAddress(r.viaMandate) : null,
    rule: ratificationRuleText(t, r.rule),
    opened: timeOf(r.openedAt),
    deadline: timeOf(r.deadline),
    closed: timeOf(r.closedAt),
    admit: r.admit ? name(r.admit) : null,
    decides: r.decides ? t("conf.decides", { kind: word(t, "pkind", r.decides.kind) }) : null,
    parent: r.parent ? { confederation: name(r.parent.confederation), referral: r.parent.referral } : null,
    bodies: r.bodies.map((b) => {
      const got = byBody.get(b.body);
      return {
        body: name(b.body),
        weight: b.members,
        verdict: got ? word(t, "verdict", got.v.verdict) : left.has(b.body) ? t("conf.left") : t("conf.noVerdict"),
        received: got ? timeOf(got.at) : null,
        document: got?.v.decidedBy ? httpUrl(`${got.v.decidedBy}/verdict`) : null,
      };
    }),
    tally: {
      final: r.tally !== null,
      outcome: word(t, "outcome", tally.outcome),
      reason: tally.reason,
      ratifiedBy: names(tally.ratifiedBy),
      rejectedBy: names(tally.rejectedBy),
      abstained: names(tally.abstained),
      bound: names(tally.bound),
    },
  };
}

/** A mandate's URL from its id (`<proposal>#mandate:<delegate>`), on the instance of the body that gave it. */
function mandateAddress(id: string): string | null {
  const proposal = httpUrl(id.split("#mandate:")[0]);
  return proposal ? mandateUrl(new URL(proposal), id).href : null;
}

export function referralActors(r: Referral): string[] {
  return [r.proposer, ...r.bodies.map((b) => b.body), ...(r.admit ? [r.admit] : []), ...(r.parent ? [r.parent.confederation] : [])];
}
