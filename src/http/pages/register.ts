import type { FastifyInstance } from "fastify";
import { findBody } from "../../community/actors.ts";
import type { AppContext } from "../../context.ts";
import { decisionRegister, readForkOrigin, type ForkOrigin, type RegisterEntry } from "../../decisions/index.ts";
import type { Quorum } from "../../governance/index.ts";
import { profileUrl } from "../../shared/uris.ts";
import { textToHtml } from "../../shared/text.ts";
import { bodyNav } from "./body-nav.ts";
import { peopleNamer, quorumText, timeText, word } from "./format.ts";
import { translator } from "./messages/index.ts";
import { sendFailurePage, sendPage, viewerOf, type Translate } from "./render.ts";

const t = translator();

function entryView(t: Translate, d: RegisterEntry) {
  const deciding = d.rounds.find((r) => r.id === d.decision?.round) ?? d.rounds.at(-1);
  const c = deciding?.counts;
  const counts = c
    ? t("register.counts", { agree: c.agree, disagree: c.disagree, abstain: c.abstain }) + (c.block ? t("register.blocks", { block: c.block }) : "")
    : t("register.secret");
  return {
    number: t("register.number", { number: d.number }),
    kind: word(t, "pkind", d.kind),
    outcome: word(t, "outcome", d.outcome),
    href: new URL(d.url).pathname,
    title: d.title,
    // textToHtml escapes the text first, then adds paragraphs and links.
    textHtml: d.text.trim() ? textToHtml(d.text) : "",
    amendments: d.amendments,
    rule: t("register.rule", { rule: d.ruleDescription ?? "–" }),
    quorum: t("register.quorum", { quorum: quorumText(t, d.quorum as Quorum | null) }),
    counts,
    voted: deciding ? t("register.voted", { voters: deciding.voters, roll: deciding.rollSize }) : null,
    dates: t("register.dates", { tabled: timeText(t, d.tabledAt), opened: timeText(t, d.votingOpenedAt), decided: timeText(t, d.decidedAt) }),
    explanation: d.decision?.explanation ?? null,
  };
}

/** A body's decision register (/@handle/decisions): every decided proposal, newest first. */
export function registerPage(app: AppContext) {
  const origin = app.config.publicOrigin;
  return async (f: FastifyInstance) => {
    f.get<{ Params: { handle: string } }>("/@:handle/decisions", async (req, reply) => {
      const body = await findBody(app, req.params.handle);
      if (!body.ok) return sendFailurePage(app, req, reply, body.error);
      const entries = await decisionRegister(app, viewerOf(app, req), body.value.handle);
      if (!entries.ok) return sendFailurePage(app, req, reply, entries.error);
      const forked = await readForkOrigin(app, viewerOf(app, req), body.value.handle);
      const fork: ForkOrigin | null = forked.ok ? forked.value : null;
      const name = fork ? await peopleNamer(app, t, [fork.origin]) : null;
      return sendPage(app, req, reply, "register", {
        title: t("register.title", { name: body.value.name }),
        nav: bodyNav(t, body.value.handle, body.value.name, "decisions"),
        forkedFrom:
          fork && name
            ? {
                origin: fork.originHandle !== null ? { ...name(fork.origin), label: `@${fork.originHandle}`, href: `/@${fork.originHandle}` } : name(fork.origin),
                version: fork.bylawsVersion !== null ? t("register.bylawsVersion", { version: fork.bylawsVersion }) : "",
                at: timeText(t, fork.forkedAt),
              }
            : null,
        entries: entries.value.map((d) => entryView(t, d)),
        links: [{ rel: "canonical", href: new URL(`${profileUrl(origin, body.value.handle).pathname}/decisions`, origin).href }],
      });
    });
  };
}
