import type { FastifyInstance } from "fastify";
import { findBody } from "../../community/actors.ts";
import { getThread, type ThreadNode } from "../../community/posts.ts";
import { escapeHtml as e, textToHtml } from "../../shared/text.ts";
import type { AppContext } from "../../context.ts";
import { readHistory, readProposal, type HistoryEntry, type ProposalDetail, type RoundSummary } from "../../decisions/index.ts";
import { STATUS_WORDS } from "../../decisions/labels.ts";
import { namer, quorumText, when } from "./format.ts";
import { HTML, layout, sendFailurePage } from "./layout.ts";
import { proposalActs } from "./proposal-acts.ts";
import { renderPartial } from "./render.ts";

/** Where an adopted decision came from: "Adopted from <body> — <title> (<link>)". */
function adoptedFrom(payload: unknown, name: (u: string) => string): string {
  const s = (payload as { source?: { body?: unknown; proposal?: unknown; title?: unknown } } | null | undefined)?.source;
  if (typeof s?.body !== "string" || typeof s.proposal !== "string") return "";
  const link = /^https?:\/\//.test(s.proposal) ? `<a href="${e(s.proposal)}">${e(s.proposal)}</a>` : e(s.proposal);
  return `<p class="adopted-from">Adopted from ${name(s.body)} — ${e(typeof s.title === "string" ? s.title : "")} (${link})</p>`;
}

function roundsTable(rounds: readonly RoundSummary[]): string {
  if (rounds.length === 0) return "<p>No vote yet.</p>";
  const rows = rounds
    .map((r) => {
      const c = r.counts;
      return `<tr><td>${e(r.id)}</td><td>${r.open ? "open" : "closed"}</td><td>${when(r.openedAt)}</td><td>${when(r.closedAt ?? r.closesAt)}</td>
<td>${r.voters} / ${r.rollSize}</td><td>${c ? c.agree : "–"}</td><td>${c ? c.disagree : "–"}</td><td>${c ? c.abstain : "–"}</td><td>${c ? c.block : "–"}</td>
<td>${r.quorum ? `${r.quorum.required} ${r.quorum.met ? "(met)" : "(not met)"}` : "–"}</td><td>${r.reason ? e(r.reason) : r.open ? "open" : "–"}</td></tr>`;
    })
    .join("");
  return `<table><thead><tr><th>round</th><th></th><th>opened</th><th>closes/closed</th><th>voted</th><th>agree</th><th>disagree</th><th>abstain</th><th>block</th><th>quorum</th><th>result</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function renderReplies(node: ThreadNode, name: (u: string) => string): string {
  // Stored content is already safe HTML: escaped local text or sanitised remote HTML.
  return node.replies
    .map(
      (r) =>
        `<article class="card"><div class="meta">${name(r.attributedTo)} · ${when(r.published.toISOString())}</div>${r.content}${r.replies.length ? `<div class="replies">${renderReplies(r, name)}</div>` : ""}</article>`,
    )
    .join("");
}

function renderProposal(d: ProposalDetail, history: HistoryEntry[], thread: ThreadNode | null, name: (u: string) => string, bodyName: string, takePart: string): string {
  const v = d.view;
  const g = v.graduated;
  const terms = v.terms;
  const payload =
    v.kind === "membership"
      ? `<p>Admits: ${name(String((v.payload as { member?: unknown } | null)?.member ?? ""))}</p>`
      : v.kind === "bylaws"
        ? `<details><summary>The new bylaws it carries</summary><pre>${e(JSON.stringify((v.payload as { bylaws?: unknown } | null)?.bylaws ?? null, null, 2))}</pre></details>`
        : v.kind === "adopt"
          ? adoptedFrom(v.payload, name)
          : "";
  const deadlines = [
    v.tabledAt ? `<li>Tabled ${when(v.tabledAt)}</li>` : "",
    v.deliberationEndsAt ? `<li>Deliberation until ${when(v.deliberationEndsAt)}</li>` : "",
    v.votingOpenedAt ? `<li>Voting opened ${when(v.votingOpenedAt)} (roll of ${v.roll?.length ?? 0})</li>` : "",
    d.nextDeadline ? `<li><strong>Next deadline: ${when(d.nextDeadline)}</strong></li>` : "",
    v.endedAt ? `<li>Ended ${when(v.endedAt)}</li>` : "",
  ].join("");
  const categories = g?.categories.length
    ? `<h2>Objections</h2><table><thead><tr><th>tier</th><th>category</th><th>objections</th><th>advocates</th><th>shared by</th><th>not shared by</th></tr></thead><tbody>${g.categories
        .map(
          (c) =>
            `<tr><td>${c.tier === "deal-breaker" ? "deal-breaker" : "not a deal-breaker"}</td><td>${e(c.label)}</td><td>${c.objections}</td><td>${c.advocates.map(name).join(", ") || "–"}</td><td>${c.sharedBy}</td><td>${c.notSharedBy}</td></tr>`,
        )
        .join("")}</tbody></table>${g.objections
        .filter((o) => o.text.trim() !== "")
        .map((o) => `<blockquote>${o.member ? `${name(o.member)}: ` : ""}<em>${e(o.category)}</em> — ${e(o.text)}</blockquote>`)
        .join("")}`
    : "";
  const amendments = g?.amendments.length
    ? `<h2>Friendly amendments</h2><ol>${g.amendments
        .map(
          (a) =>
            `<li><p>${e(a.text)}</p><p class="meta">${e(a.category)} · ${a.tier === "deal-breaker" ? "deal-breaker tier" : "first tier"} · ${a.author ? `by ${name(a.author)} · ` : ""}${e(a.outcome ?? (a.round ? "being voted on" : "offered"))} · id <code>${e(a.id)}</code></p></li>`,
        )
        .join("")}</ol>`
    : "";
  const decision = v.decision
    ? `<h2>Decision</h2><p><strong>${e(v.decision.outcome)}</strong> (${e(v.decision.round)}, ${when(v.decision.at)}): ${e(v.decision.explanation)}</p>`
    : "";
  const implementation = v.implementation
    ? `<h2>Implementation</h2><p>Delegates: ${v.implementation.delegates.map(name).join(", ")}</p><blockquote>${e(v.implementation.mandate)}</blockquote>`
    : "";
  const withdrawal = v.withdrawal ? `<p>Withdrawn ${when(v.withdrawal.at)}${v.withdrawal.reason ? `: ${e(v.withdrawal.reason)}` : ""}</p>` : "";
  const historyRows = history
    .map((h) => {
      const actor = typeof h.event.actor === "string" ? name(h.event.actor) : "";
      const detail = [h.event.round, h.event.choice, h.event.stage, h.event.category]
        .filter((x): x is string => typeof x === "string")
        .map(e)
        .join(" · ");
      return `<li>${when(h.at)} <span class="kind">${e(h.type)}</span> ${actor} ${detail}</li>`;
    })
    .join("");
  const replies = thread?.replies.length ? renderReplies(thread, name) : "<p>No replies yet. Reply to the proposal from any fediverse account to deliberate.</p>";
  return `<p class="meta"><a href="/@${e(d.body.handle)}">${e(bodyName)}</a> · <a href="/@${e(d.body.handle)}/proposals">proposals</a> · <a href="/@${e(d.body.handle)}/decisions">decisions</a></p>
<div class="kind">${e(v.kind)} proposal · ${e(STATUS_WORDS[v.status] ?? v.status)}</div>
<h1>${e(v.title)}</h1>
<p class="meta">by ${name(v.author)} · decided by ${e(d.ruleDescription ?? "the bylaws' rule")} · quorum ${e(quorumText(terms?.quorum))} · ${e(v.ballot)} ballot</p>
<div class="card">${v.text.trim() ? textToHtml(v.text) : "<p>(no text)</p>"}${payload}</div>
<ul>${deadlines}</ul>${withdrawal}
<h2>Votes</h2>${roundsTable(d.rounds)}
${categories}${amendments}${decision}${implementation}
${takePart}
<h2>Deliberation</h2>${replies}
<h2>History</h2><ol class="history">${historyRows}</ol>
<p class="meta">ActivityPub: <code>${e(d.uri)}</code> · JSON: <a href="/api/folkmoot/v1/proposals/${e(d.id)}">state</a>, <a href="/api/folkmoot/v1/proposals/${e(d.id)}/history">history</a></p>`;
}

/** A proposal's page (/@handle/proposals/:id): its text, terms, votes, objections, decision, deliberation and history. */
export function proposalPage(app: AppContext) {
  return async (f: FastifyInstance) => {
    f.get<{ Params: { handle: string; id: string } }>("/@:handle/proposals/:id", async (req, reply) => {
      const body = await findBody(app, req.params.handle);
      if (!body.ok) return sendFailurePage(reply, body.error);
      const detail = await readProposal(app, null, body.value.handle, req.params.id);
      if (!detail.ok) return sendFailurePage(reply, detail.error);
      const history = await readHistory(app, null, body.value.handle, req.params.id);
      const thread = await getThread(app, detail.value.uri);
      const v = detail.value.view;
      const uris = [v.author, ...(v.roll ?? []), ...(v.implementation?.delegates ?? []), ...(v.graduated?.categories.flatMap((c) => c.advocates) ?? [])];
      if (history.ok) for (const h of history.value) if (typeof h.event.actor === "string") uris.push(h.event.actor);
      if (v.kind === "membership") uris.push(String((v.payload as { member?: unknown } | null)?.member ?? ""));
      if (v.kind === "adopt") uris.push(String((v.payload as { source?: { body?: unknown } } | null)?.source?.body ?? ""));
      const collect = (n: ThreadNode): void => {
        uris.push(n.attributedTo);
        n.replies.forEach(collect);
      };
      if (thread.ok) collect(thread.value);
      const name = await namer(app, uris);
      const acts = await proposalActs(app, req.actorId, req.params.id);
      const takePart = acts ? renderPartial("acts/proposal", { acts, csrf: reply.generateCsrf(), path: req.url.split("?")[0] }) : "";
      return reply
        .type(HTML)
        .send(
          layout(
            `${v.title} · ${body.value.name}`,
            renderProposal(detail.value, history.ok ? history.value : [], thread.ok ? thread.value : null, name, body.value.name, takePart),
            `<link rel="alternate" type="application/activity+json" href="${e(detail.value.uri)}">`,
          ),
        );
    });
  };
}
