import type { FastifyInstance } from "fastify";
import { findBody } from "../../community/actors.ts";
import { escapeHtml as e, textToHtml } from "../../shared/text.ts";
import type { AppContext } from "../../context.ts";
import { decisionRegister, readForkOrigin, type ForkOrigin, type RegisterEntry } from "../../decisions/index.ts";
import { profileUrl } from "../../shared/uris.ts";
import type { Quorum } from "../../governance/index.ts";
import { quorumText, when } from "./format.ts";
import { HTML, layout, sendFailurePage } from "./layout.ts";

/** "Forked from <origin>", for a body whose record starts with body-forked. */
function forkedFrom(o: ForkOrigin | null): string {
  if (o === null) return "";
  const origin = o.originHandle !== null ? `<a href="/@${e(o.originHandle)}">@${e(o.originHandle)}</a>` : `<a href="${e(o.origin)}">${e(o.origin)}</a>`;
  return `<p class="meta forked-from">Forked from ${origin}${o.bylawsVersion !== null ? ` (bylaws version ${o.bylawsVersion})` : ""} ${when(o.forkedAt)}</p>`;
}

function renderRegister(handle: string, bodyName: string, entries: RegisterEntry[], origin: ForkOrigin | null = null): string {
  const items = entries
    .map((d) => {
      const deciding = d.rounds.find((r) => r.id === d.decision?.round) ?? d.rounds.at(-1);
      const c = deciding?.counts;
      return `<article class="card"><div class="kind">No. ${d.number} · ${e(d.kind)} · ${e(d.outcome)}</div>
<h2><a href="${e(new URL(d.url).pathname)}">${e(d.title)}</a></h2>
${d.text.trim() ? textToHtml(d.text) : ""}${d.amendments.length ? `<p><strong>As amended:</strong></p><ol>${d.amendments.map((a) => `<li>${e(a)}</li>`).join("")}</ol>` : ""}
<p class="meta">Rule: ${e(d.ruleDescription ?? "–")} · quorum ${e(quorumText(d.quorum as Quorum | null))} · ${c ? `agree ${c.agree}, disagree ${c.disagree}, abstain ${c.abstain}${c.block ? `, block ${c.block}` : ""}` : "counts secret until closed"}${deciding ? ` · ${deciding.voters} of ${deciding.rollSize} voted` : ""}</p>
<p class="meta">Tabled ${when(d.tabledAt)} · voting opened ${when(d.votingOpenedAt)} · decided ${when(d.decidedAt)}${d.decision ? ` · ${e(d.decision.explanation)}` : ""}</p></article>`;
    })
    .join("");
  return `<p class="meta"><a href="/@${e(handle)}">${e(bodyName)}</a> · <a href="/@${e(handle)}/proposals">proposals</a></p>
<h1>Decisions of ${e(bodyName)}</h1>${forkedFrom(origin)}<p>Every proposal the body decided, newest first, with its text, rule, counts and dates. JSON: <a href="/api/folkmoot/v1/bodies/${e(handle)}/decisions">/api/folkmoot/v1/bodies/${e(handle)}/decisions</a></p>
${items || "<p>No decisions yet.</p>"}`;
}

/** A body's decision register (/@handle/decisions): every decided proposal, newest first. */
export function registerPage(app: AppContext) {
  const origin = app.config.publicOrigin;
  return async (f: FastifyInstance) => {
    f.get<{ Params: { handle: string } }>("/@:handle/decisions", async (req, reply) => {
      const body = await findBody(app, req.params.handle);
      if (!body.ok) return sendFailurePage(reply, body.error);
      const entries = await decisionRegister(app, null, body.value.handle);
      if (!entries.ok) return sendFailurePage(reply, entries.error);
      const forked = await readForkOrigin(app, null, body.value.handle);
      return reply
        .type(HTML)
        .send(
          layout(
            `Decisions of ${body.value.name}`,
            renderRegister(body.value.handle, body.value.name, entries.value, forked.ok ? forked.value : null),
            `<link rel="canonical" href="${e(new URL(`${profileUrl(origin, body.value.handle).pathname}/decisions`, origin).href)}">`,
          ),
        );
    });
  };
}
