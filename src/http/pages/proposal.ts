import type { FastifyInstance } from "fastify";
import { findBody } from "../../community/actors.ts";
import { getThread, type ThreadNode } from "../../community/posts.ts";
import type { AppContext } from "../../context.ts";
import { readHistory, readProposal, replayBody, type HistoryEntry, type ProposalDetail } from "../../decisions/index.ts";
import { localProposalUri, servedVerdict, verdictUrl } from "../../federation/confederal-documents.ts";
import { mandateId, type BodyState } from "../../governance/index.ts";
import { textToHtml } from "../../shared/text.ts";
import { bodyNav } from "./body-nav.ts";
import { mandateActors, mandateView, proposalPath } from "./body-views.ts";
import { httpUrl, peopleNamer, quorumText, timeOf, timeText, word, type PersonView } from "./format.ts";
import { translator } from "./messages/index.ts";
import { recordEntries, referralPagePath, roundName } from "./record-entries.ts";
import { proposalActs } from "./proposal-acts.ts";
import { reasonBallots, reasonsPage, reasonsView } from "./reasons.ts";
import { sendFailurePage, sendPage, viewerOf, type Translate } from "./render.ts";
import { threadAuthors, threadView } from "./thread.ts";

const t = translator();

type Payload = Record<string, unknown> | null;
const str = (v: unknown): string | null => (typeof v === "string" && v !== "" ? v : null);

/** Every actor URI the page names. */
function actorsOf(d: ProposalDetail, state: BodyState | null, history: readonly HistoryEntry[], thread: ThreadNode | null): string[] {
  const v = d.view;
  const p = (v.payload ?? null) as Payload;
  const uris = [v.author, ...(v.implementation?.delegates ?? []), ...(v.graduated?.categories.flatMap((c) => c.advocates) ?? [])];
  for (const o of v.graduated?.objections ?? []) if (o.member) uris.push(o.member);
  for (const a of v.graduated?.amendments ?? []) if (a.author) uris.push(a.author);
  for (const h of history) if (typeof h.event.actor === "string") uris.push(h.event.actor);
  for (const k of ["member", "delegate", "committee", "confederation"]) if (str(p?.[k])) uris.push(p![k] as string);
  const source = (p?.source ?? null) as Payload;
  if (str(source?.body)) uris.push(source!.body as string);
  if (Array.isArray(p?.delegates)) for (const x of p.delegates) if (typeof x === "string") uris.push(x);
  for (const m of state?.mandates.values() ?? []) uris.push(...mandateActors(m));
  if (thread) threadAuthors(thread, uris);
  return uris;
}

function roundsView(t: Translate, d: ProposalDetail) {
  return d.rounds.map((r) => ({
    name: roundName(t, r.id),
    state: r.open ? t("proposal.open") : t("proposal.closed"),
    opened: timeOf(r.openedAt),
    closes: timeOf(r.closedAt ?? r.closesAt),
    voted: `${r.voters} / ${r.rollSize}`,
    counts: r.counts,
    quorum: r.quorum ? t(r.quorum.met ? "proposal.met" : "proposal.notMet", { count: r.quorum.required }) : "–",
    result: r.reason ?? (r.open ? t("proposal.open") : "–"),
  }));
}

function graduatedView(t: Translate, d: ProposalDetail, name: (u: string) => PersonView) {
  const g = d.view.graduated;
  if (!g) return null;
  return {
    categories: g.categories.map((c) => ({
      tier: c.tier === "deal-breaker" ? t("proposal.dealBreaker") : t("proposal.notDealBreaker"),
      label: c.label,
      objections: c.objections,
      advocates: c.advocates.map(name),
      sharedBy: c.sharedBy,
      notSharedBy: c.notSharedBy,
    })),
    objections: g.objections.filter((o) => o.text.trim() !== "").map((o) => ({ member: o.member ? name(o.member) : null, category: o.category, text: o.text })),
    amendments: g.amendments.map((a) => ({
      id: a.id,
      text: a.text,
      category: a.category,
      tier: a.tier === "deal-breaker" ? t("proposal.amendmentDealBreakerTier") : t("proposal.amendmentFirstTier"),
      author: a.author ? name(a.author) : null,
      state: a.outcome ? word(t, "outcome", a.outcome) : a.round ? t("proposal.amendmentBeingVoted") : t("proposal.amendmentOffered"),
    })),
  };
}

/** What a delegation gives (and, once carried, each mandate's status), or what a recall revokes. */
function kindSection(app: AppContext, d: ProposalDetail, state: BodyState | null, name: (u: string) => PersonView) {
  const v = d.view;
  const p = (v.payload ?? null) as Payload;
  const handle = d.body.handle;
  if (v.kind === "delegation" && p) {
    const delegates = (Array.isArray(p.delegates) ? p.delegates : []).filter((x): x is string => typeof x === "string");
    const mandate = (p.mandate ?? {}) as Payload;
    const given = state ? delegates.map((x) => state.mandates.get(mandateId(v.id, x))).filter((m) => m !== undefined) : [];
    return {
      delegation: {
        role: word(t, "role", str(p.role) ?? ""),
        delegates: delegates.map(name),
        scope: str(mandate?.scope) ?? "",
        instructions: str(mandate?.instructions) ?? "",
        covers: Array.isArray(mandate?.covers) && mandate.covers.length ? mandate.covers.join(", ") : t("mandate.coversNothing"),
        term: t("mandate.termValue", { start: timeText(t, str(p.start)), end: timeText(t, str(p.end)) }),
        confederation: str(p.confederation) ? name(p.confederation as string) : null,
        mandates: state ? given.map((m) => mandateView(app, t, handle, state, m, name)) : [],
      },
    };
  }
  if (v.kind === "recall" && p) {
    const target = str(p.mandate) ? state?.mandates.get(p.mandate as string) : undefined;
    const revoked = state ? [...state.mandates.values()].filter((m) => m.revokedBy === v.id) : [];
    const decision = str(p.decision);
    return {
      recall: {
        delegate: str(p.delegate) ? name(p.delegate as string) : null,
        role: str(p.role) ? word(t, "role", p.role as string) : null,
        mandate: target && state ? mandateView(app, t, handle, state, target, name) : null,
        mandateUnknown: str(p.mandate) && !target ? (p.mandate as string) : null,
        committee: str(p.committee) ? name(p.committee as string) : null,
        decision: decision ? { href: proposalPath(app, handle, decision), text: state?.proposals.get(decision)?.title ?? decision } : null,
        revoked: state ? revoked.map((m) => mandateView(app, t, handle, state, m, name)) : [],
        carried: d.outcome === "passed",
      },
    };
  }
  if ((v.kind === "join" || v.kind === "leave" || v.kind === "confederal") && p && str(p.confederation)) {
    return { confederation: { label: t(v.kind === "join" ? "conf.joins" : v.kind === "leave" ? "conf.leaves" : "conf.tables"), body: name(p.confederation as string) } };
  }
  if (v.kind === "membership" && p && str(p.member)) return { membership: name(p.member as string) };
  if (v.kind === "adopt") {
    const s = (p?.source ?? null) as Payload;
    if (str(s?.body) && str(s?.proposal)) {
      const link = httpUrl(s!.proposal);
      return { adopted: { body: name(s!.body as string), title: str(s!.title) ?? "", href: link, text: s!.proposal as string } };
    }
  }
  if (v.kind === "bylaws") return { bylaws: JSON.stringify((p as { bylaws?: unknown } | null)?.bylaws ?? null, null, 2) };
  return {};
}

/** A ratification: the confederation, its referral, and this body's signed verdict once decided. */
async function ratificationSection(app: AppContext, d: ProposalDetail, name: (u: string) => PersonView) {
  const p = (d.view.payload ?? null) as Payload;
  if (d.view.kind !== "ratification" || !p || !str(p.confederation) || !str(p.referral)) return null;
  const referral = p.referral as string;
  const conf = name(p.confederation as string);
  // Our own confederation's referral has its page here; another instance's referral URL serves its page to a browser.
  const localConf = conf.local && conf.handle ? referralPagePath(app, conf.handle.slice(1), referral) : null;
  const doc = await servedVerdict(app, localProposalUri(app, d.id));
  const verdict = typeof doc?.verdict === "string" ? word(t, "verdict", doc.verdict) : null;
  return {
    confederation: conf,
    referral: { href: localConf ?? httpUrl(referral), text: t("conf.theReferral") },
    verdict,
    verdictUrl: verdictUrl(d.uri),
    document: doc ? JSON.stringify(doc, null, 2) : null,
  };
}

/** A proposal's page (/@handle/proposals/:id): its text, terms, what it decides, votes, objections, decision, deliberation and history. */
export function proposalPage(app: AppContext) {
  return async (f: FastifyInstance) => {
    f.get<{ Params: { handle: string; id: string } }>("/@:handle/proposals/:id", async (req, reply) => {
      const body = await findBody(app, req.params.handle);
      if (!body.ok) return sendFailurePage(app, req, reply, body.error);
      const detail = await readProposal(app, viewerOf(app, req), body.value.handle, req.params.id);
      if (!detail.ok) return sendFailurePage(app, req, reply, detail.error);
      const d = detail.value;
      const v = d.view;
      const history = await readHistory(app, viewerOf(app, req), body.value.handle, req.params.id);
      const events = history.ok ? history.value : [];
      const state = await replayBody(app, body.value.id);
      const threadResult = await getThread(app, d.uri);
      const thread = threadResult.ok ? threadResult.value : null;
      const name = await peopleNamer(app, t, actorsOf(d, state, events, thread));
      const entries = await recordEntries(
        app,
        t,
        body.value.handle,
        state,
        events.map((h) => ({ index: h.position, event: h.event as { type: string; at: string } })),
      );
      const acts = await proposalActs(app, req.actorId, req.params.id);
      return sendPage(app, req, reply, "proposal", {
        acts,
        title: `${v.title} · ${body.value.name}`,
        links: [{ rel: "alternate", type: "application/activity+json", href: d.uri }],
        nav: bodyNav(t, body.value.handle, body.value.name, null),
        proposal: {
          title: v.title,
          kindStatus: t("proposal.kindStatus", { kind: word(t, "pkind", v.kind), status: word(t, "status", v.status) }),
          author: name(v.author),
          rule: t("proposal.decidedBy", { rule: d.ruleDescription ?? t("proposal.bylawsRule") }),
          quorum: t("proposal.quorum", { quorum: quorumText(t, v.terms?.quorum) }),
          ballot: v.ballot === "secret" ? t("proposal.ballotSecret") : t("proposal.ballotNamed"),
          // textToHtml escapes the text first, then adds paragraphs and links.
          textHtml: v.text.trim() ? textToHtml(v.text) : "",
          timeline: [
            v.tabledAt ? t("proposal.tabledAt", { when: timeText(t, v.tabledAt) }) : null,
            v.deliberationEndsAt ? t("proposal.deliberationUntil", { when: timeText(t, v.deliberationEndsAt) }) : null,
            v.votingOpenedAt ? t("proposal.votingOpenedAt", { when: timeText(t, v.votingOpenedAt), count: v.roll?.length ?? 0 }) : null,
            v.endedAt ? t("proposal.endedAt", { when: timeText(t, v.endedAt) }) : null,
          ].filter((x) => x !== null),
          nextDeadline: d.nextDeadline ? t("proposal.nextDeadline", { when: timeText(t, d.nextDeadline) }) : null,
          withdrawal: v.withdrawal ? { text: t("proposal.withdrawn", { when: timeText(t, v.withdrawal.at) }), reason: v.withdrawal.reason } : null,
          ...kindSection(app, d, state, name),
          ratification: await ratificationSection(app, d, name),
          rounds: roundsView(t, d),
          reasons: reasonsView(t, reasonBallots(d), reasonsPage(req.query), name),
          graduated: graduatedView(t, d, name),
          decision: v.decision
            ? { outcome: word(t, "outcome", v.decision.outcome), round: roundName(t, v.decision.round), at: timeText(t, v.decision.at), explanation: v.decision.explanation }
            : null,
          implementation: v.implementation ? { delegates: v.implementation.delegates.map(name), mandate: v.implementation.mandate } : null,
          thread: thread ? threadView(thread, name).replies : [],
          // The history is this proposal's own: its entries need no link back to it.
          history: entries.map((e) => ({ ...e, link: null })),
        },
      });
    });
  };
}
