import type { Kysely } from "kysely";
import { escapeHtml, textToHtml } from "../shared/text.ts";
import type { AppContext, BodyRef } from "../context.ts";
import { actorUri, profileUrl } from "../shared/uris.ts";
import { nextDeadline, outcomeOf, ruleFor, type BodyState, type DecisionRule, type Effect, type ProposalState } from "../governance/index.ts";
import type { Schema } from "../store/schema.ts";
import { announceOnCommit } from "../community/stream-events.ts";
import { proposalIdFromUri } from "./ids.ts";

type Db = Kysely<Schema>;

/** The body a decision is about, as the adapter needs it (defined with the decision hooks). */
export type { BodyRef };

// Pure functions of the proposal, in the core (the verifier uses them too); re-exported
// for the readers that take them from here.
export { outcomeOf, type Outcome } from "../governance/index.ts";

/** The rule a proposal is (or, before tabling, would be) decided by. */
export function ruleOf(p: ProposalState, body: BodyState | null): DecisionRule | null {
  if (p.terms !== null) return p.terms.rule;
  if (body === null) return p.requested.rule ?? null;
  const chosen = ruleFor(body.bylaws, { kind: p.kind, rule: p.requested.rule });
  return chosen.ok ? chosen.rule : (p.requested.rule ?? null);
}

/** The HTML page of a proposal. */
export function proposalPageUrl(origin: URL, handle: string, id: string): URL {
  return new URL(`${profileUrl(origin, handle).pathname}/proposals/${encodeURIComponent(id)}`, origin);
}

/** What a proposal's object row shows: its title and text, as fediverse software renders it. */
export function renderProposalContent(p: Pick<ProposalState, "title" | "text">): string {
  return `<p><strong>${escapeHtml(p.title)}</strong></p>${p.text.trim() === "" ? "" : textToHtml(p.text)}`;
}

/**
 * Brings the `proposals` row of `p` up to date, and on its first appearance adds the
 * `objects` row (a `Question`) that replies attach to.
 */
export async function projectProposal(trx: Db, app: AppContext, body: BodyRef, state: BodyState, p: ProposalState, created: boolean): Promise<void> {
  const origin = app.config.publicOrigin;
  const id = proposalIdFromUri(origin, p.id);
  if (id === null) throw new Error(`invariant: ${p.id} is not a local proposal URI`);
  const rule = ruleOf(p, state);
  const ended = outcomeOf(p);
  const deadline = nextDeadline(p);
  const values = {
    kind: p.kind,
    title: p.title,
    status: p.status,
    rule: rule === null ? null : JSON.stringify(rule),
    next_deadline: deadline,
    decided_at: ended?.at ?? null,
    outcome: ended?.outcome ?? null,
    updated_at: new Date(),
  };
  const was = created ? undefined : await trx.selectFrom("proposals").select("status").where("id", "=", id).executeTakeFirst();
  await trx
    .insertInto("proposals")
    .values({ id, body_id: body.id, uri: p.id, drafted_at: p.draftedAt, ...values })
    .onConflict((oc) => oc.column("id").doUpdateSet(values))
    .execute();
  // The streams hear of a proposal when it leaves its draft, and of each new stage after.
  if (p.status !== "draft" && was?.status !== p.status) {
    await announceOnCommit(trx, { type: was === undefined || was.status === "draft" ? "status" : "status.update", uri: p.id });
  }
  if (!created) return;
  await trx
    .insertInto("objects")
    .values({
      uri: p.id,
      local_id: null,
      type: "Question",
      attributed_to: actorUri(origin, body.id).href,
      audience: actorUri(origin, body.id).href,
      in_reply_to: null,
      content: renderProposalContent(p),
      url: proposalPageUrl(origin, body.handle, id).href,
      published: p.draftedAt,
    })
    .onConflict((oc) => oc.column("uri").doNothing())
    .execute();
}

/**
 * Carries out what became binding, in the same transaction as the events: an admitted
 * member gets a membership, new bylaws update how the body admits members.
 */
export async function carryOutEffects(trx: Db, body: BodyRef, effects: readonly Effect[]): Promise<void> {
  for (const effect of effects) {
    switch (effect.type) {
      case "member-admitted":
        await trx
          .insertInto("memberships")
          .values({ body_id: body.id, member_uri: effect.member, admitted_by: `decision ${effect.proposal}` })
          .onConflict((oc) => oc.columns(["body_id", "member_uri"]).doNothing())
          .execute();
        break;
      case "bylaws-adopted":
        await trx.updateTable("actors").set({ admission: effect.bylaws.admission }).where("id", "=", body.id).where("admission", "!=", effect.bylaws.admission).execute();
        break;
      case "policy-adopted":
      case "delegate-recalled":
        break; // published by the federation hook; nothing to change here
    }
  }
}
