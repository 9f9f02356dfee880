import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { findActorByHandle } from "../../community/actors.ts";
import { getThread, postToBody, type ThreadNode } from "../../community/posts.ts";
import type { AppContext } from "../../context.ts";
import {
  electAdvocate,
  loadProposalState,
  openVoting,
  proposeAmendment,
  recordGrievanceAgreement,
  recordObjection,
  secondProposal,
  tableProposal,
  vote,
  voteOnAmendment,
  withdrawProposal,
} from "../../decisions/index.ts";
import { choicesFor, type VoteChoice } from "../../governance/index.ts";
import type { Failure, Result } from "../../shared/result.ts";
import { actorUri } from "../../shared/uris.ts";
import { failureInWords, formFields, requireSignedIn } from "./forms.ts";
import { type MessageKey, translator } from "./messages/index.ts";
import { type FieldErrors, sendPage } from "./render.ts";

// What a member can do on a proposal's page, and the forms that do it. Each form posts to
// its own route; success goes back to the proposal with a notice, a refusal shows the
// same form again on its own page with the reason next to the field.

const t = translator();

export interface VoteForm {
  round: string;
  heading: string;
  /** For an amendment round: the amendment's id and text. */
  amendment: { id: string; text: string } | null;
  choices: [VoteChoice, string][];
  current: { choice: VoteChoice; label: string; reason: string } | null;
  closesAt: string;
}

/** Everything the "Take part" section shows for one viewer. */
export interface ProposalActs {
  id: string;
  bodyHandle: string;
  title: string;
  signedIn: boolean;
  member: boolean;
  canTable: boolean;
  canSecond: boolean;
  canOpenVoting: boolean;
  canWithdraw: boolean;
  votes: VoteForm[];
  objection: boolean;
  /** Objection categories (key, label) open for advocates, grievances and amendments. */
  categories: [string, string][];
  grievances: boolean;
  canReply: boolean;
  /** A carried decision that needs people to carry it out: members elect them by a delegation. */
  electImplementers: boolean;
}

const FINAL = new Set(["passed", "rejected", "withdrawn", "tabled", "done"]);

function choiceLabel(choice: VoteChoice, consensus: boolean): string {
  if (choice === "abstain" && consensus) return t("acts.choice.abstainConsensus");
  return t(`acts.choice.${choice}` as MessageKey);
}

/** The proposal's acts for a viewer (null viewer: anyone not signed in), or null for no such proposal. */
export async function proposalActs(app: AppContext, viewerId: string | null, proposalId: string): Promise<ProposalActs | null> {
  const loaded = await loadProposalState(app, proposalId);
  if (loaded === null) return null;
  const { state, proposal: p, detail } = loaded;
  const viewer = viewerId ? actorUri(app.config.publicOrigin, viewerId).href : null;
  const member = viewer !== null && state.members.has(viewer);
  const status = p.status;
  const author = viewer !== null && p.author === viewer;
  const onRoll = viewer !== null && (p.roll?.has(viewer) ?? false);
  const now = Date.now();
  const votes: VoteForm[] = [];
  if (onRoll) {
    for (const r of detail.rounds) {
      if (!r.open) continue;
      const round = p.rounds.get(r.id);
      if (!round) continue;
      const consensus = r.rule.kind === "consensus";
      const ballot = round.ballots.get(viewer);
      const amendment = r.amendment ? (detail.view.graduated?.amendments.find((a) => a.id === r.amendment) ?? null) : null;
      votes.push({
        round: r.id,
        heading: t(`acts.vote.${r.kind}` as MessageKey),
        amendment: amendment ? { id: amendment.id, text: amendment.text } : null,
        choices: choicesFor(r.rule).map((c) => [c, choiceLabel(c, consensus)]),
        current: ballot ? { choice: ballot.choice, label: choiceLabel(ballot.choice, consensus), reason: ballot.reason ?? "" } : null,
        closesAt: r.closesAt,
      });
    }
  }
  const g = detail.view.graduated;
  const categories: [string, string][] = (g?.categories ?? []).filter((c) => c.tier === (g?.tier ?? c.tier)).map((c) => [c.label, c.label]);
  const deliberationOver = p.deliberationEndsAt !== null && Date.parse(p.deliberationEndsAt) <= now;
  return {
    id: detail.id,
    bodyHandle: loaded.body.handle,
    title: p.title,
    signedIn: viewer !== null,
    member,
    canTable: author && status === "draft",
    canSecond: member && !author && status === "draft" && state.bylaws.tabling.who === "seconded" && !p.seconds.includes(viewer),
    canOpenVoting: member && status === "deliberation" && deliberationOver,
    canWithdraw: author && ["draft", "deliberation", "voting", "objections", "grievances", "amendment-voting"].includes(status),
    votes,
    objection: onRoll && status === "objections",
    categories,
    grievances: onRoll && status === "grievances" && categories.length > 0,
    canReply: member && !FINAL.has(status) && status !== "draft",
    electImplementers: member && status === "implementing" && p.implementation === null,
  };
}

/** Every field any act's form has; each act reads its own. */
const FIELDS = ["round", "choice", "reason", "amendment", "category", "dealBreaker", "text", "candidate", "shares", "inReplyTo"] as const;
type Form = Record<(typeof FIELDS)[number], string>;

type Act = {
  /** The form's fields. */
  fields: readonly string[];
  /** The field a refusal is shown next to when the service names none. */
  mainField: string;
  run(app: AppContext, actor: string, handle: string, id: string, form: Form): Promise<Result<unknown>>;
  /** The notice after success. */
  done: "done" | "voted";
};

const ACTS: Record<string, Act> = {
  table: { fields: [], mainField: "", done: "done", run: (app, actor, handle, id) => tableProposal(app, actor, handle, id) },
  second: { fields: [], mainField: "", done: "done", run: (app, actor, handle, id) => secondProposal(app, actor, handle, id) },
  "open-voting": { fields: [], mainField: "", done: "done", run: (app, actor, handle, id) => openVoting(app, actor, handle, id) },
  withdraw: {
    fields: ["reason"],
    mainField: "reason",
    done: "done",
    run: (app, actor, handle, id, f) => withdrawProposal(app, actor, handle, id, f.reason ? { reason: f.reason } : {}),
  },
  vote: {
    fields: ["round", "choice", "reason", "amendment"],
    mainField: "choice",
    done: "voted",
    run: async (app, actor, handle, id, f) => {
      if (!["agree", "disagree", "abstain", "block"].includes(f.choice)) return { ok: false, error: { code: "invalid", message: t("acts.error.choice"), field: "choice" } };
      const choice = f.choice as VoteChoice;
      const reason = f.reason ? { reason: f.reason } : {};
      if (f.amendment) return voteOnAmendment(app, actor, handle, id, f.amendment, { choice, ...reason });
      return vote(app, actor, handle, id, { choice, ...reason, ...(f.round ? { round: f.round } : {}) });
    },
  },
  objection: {
    fields: ["category", "dealBreaker", "text"],
    mainField: "category",
    done: "done",
    run: async (app, actor, handle, id, f) => {
      if (!f.category) return { ok: false, error: { code: "invalid", message: t("acts.error.category"), field: "category" } };
      if (f.dealBreaker !== "yes" && f.dealBreaker !== "no") return { ok: false, error: { code: "invalid", message: t("acts.error.dealBreaker"), field: "dealBreaker" } };
      return recordObjection(app, actor, handle, id, { category: f.category, dealBreaker: f.dealBreaker === "yes", ...(f.text ? { text: f.text } : {}) });
    },
  },
  advocate: {
    fields: ["category", "candidate"],
    mainField: "candidate",
    done: "done",
    run: async (app, actor, handle, id, f) => {
      const who = f.candidate.replace(/^@/, "").split("@")[0] ?? "";
      const local = f.candidate.includes("://") ? null : await findActorByHandle(app, who);
      const candidate = local ? actorUri(app.config.publicOrigin, local.id).href : f.candidate;
      if (!candidate) return { ok: false, error: { code: "invalid", message: t("acts.error.candidate"), field: "candidate" } };
      return electAdvocate(app, actor, handle, id, { category: f.category, candidate });
    },
  },
  grievance: {
    fields: ["category", "shares"],
    mainField: "shares",
    done: "done",
    run: async (app, actor, handle, id, f) => {
      if (f.shares !== "yes" && f.shares !== "no") return { ok: false, error: { code: "invalid", message: t("acts.error.shares"), field: "shares" } };
      return recordGrievanceAgreement(app, actor, handle, id, { category: f.category, shares: f.shares === "yes" });
    },
  },
  amendment: {
    fields: ["text", "category"],
    mainField: "text",
    done: "done",
    run: async (app, actor, handle, id, f) => {
      if (!f.text) return { ok: false, error: { code: "invalid", message: t("acts.error.amendment"), field: "text" } };
      return proposeAmendment(app, actor, handle, id, { text: f.text, ...(f.category ? { category: f.category } : {}) });
    },
  },
  reply: {
    fields: ["text"],
    mainField: "text",
    done: "done",
    run: async () => ({ ok: false, error: { code: "invalid", message: "a reply is posted by its own route" } }),
  },
};

/** True when `uri` is a post in the thread below `root`. */
async function inThread(app: AppContext, root: string, uri: string): Promise<boolean> {
  const thread = await getThread(app, root);
  if (!thread.ok) return false;
  const walk = (n: ThreadNode): boolean => n.uri === uri || n.replies.some(walk);
  return walk(thread.value);
}

/** The routes behind the forms: POST /@handle/proposals/:id/<act>. */
export function proposalActPages(app: AppContext) {
  const origin = app.config.publicOrigin;
  return async (f: FastifyInstance) => {
    const again = async (req: FastifyRequest, reply: FastifyReply, handle: string, id: string, act: string, values: Record<string, string>, failure: Failure) => {
      const acts = await proposalActs(app, req.actorId, id);
      const spec = ACTS[act];
      const message = await failureInWords(app, failure);
      // A field's error shows only where its form does: a vote form shows only to those on the roll.
      const formShown = act !== "vote" || (acts?.votes.length ?? 0) > 0;
      const field = !formShown ? "" : failure.field && spec?.fields.includes(failure.field) ? failure.field : (spec?.mainField ?? "");
      const errors: FieldErrors = field ? { [field]: message } : {};
      const status = failure.code === "not-found" ? 404 : failure.code === "forbidden" || failure.code === "unauthorized" ? 403 : failure.code === "conflict" ? 409 : 400;
      return sendPage(
        app,
        req,
        reply,
        "acts/again",
        { title: acts?.title ?? t("acts.heading"), acts, act, values, errors, formError: field ? null : message, proposalPath: `/@${handle}/proposals/${id}` },
        status,
      );
    };

    for (const [name, spec] of Object.entries(ACTS)) {
      f.post<{ Params: { handle: string; id: string } }>(`/@:handle/proposals/:id/${name}`, { preHandler: [requireSignedIn, f.csrfProtection] }, async (req, reply) => {
        const { handle, id } = req.params;
        const form = formFields(req, FIELDS);
        const actor = actorUri(origin, req.actorId!).href;
        let result: Result<unknown>;
        if (name === "reply") {
          const acts = await proposalActs(app, req.actorId, id);
          if (acts === null) return again(req, reply, handle, id, name, form, { code: "not-found", message: "no such proposal", reason: { code: "no-such-proposal" } });
          const root = (await loadProposalState(app, id))!.detail.uri;
          // A reply to the proposal, or to a post in its thread (never elsewhere).
          const parent = form.inReplyTo && form.inReplyTo !== root && (await inThread(app, root, form.inReplyTo)) ? form.inReplyTo : root;
          result = form.text
            ? await postToBody(app, req.actorId!, acts.bodyHandle, { text: form.text, inReplyTo: parent })
            : { ok: false, error: { code: "invalid", message: t("acts.error.reply"), field: "text" } };
        } else {
          result = await spec.run(app, actor, handle, id, form);
        }
        if (!result.ok) return again(req, reply, handle, id, name, form, result.error);
        return reply.redirect(`/@${encodeURIComponent(handle)}/proposals/${encodeURIComponent(id)}?done=${spec.done === "voted" ? "voted" : "acted"}#take-part`, 303);
      });
    }
  };
}
