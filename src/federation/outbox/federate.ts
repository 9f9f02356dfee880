import { Add, Invite, Join, Leave, Remove } from "@fedify/vocab";
import type { Kysely } from "kysely";
import type { AppContext, BodyRef, RecordChange } from "../../context.ts";
import { confederationVerdict, isProposalEvent, ratificationVerdict, type Verdict } from "../../governance/index.ts";
import { escapeHtml, textToHtml } from "../../shared/text.ts";
import { activityUri, actorUri, mandateUrl } from "../../shared/uris.ts";
import type { Schema } from "../../store/schema.ts";
import { verdictUrl } from "../confederal-documents.ts";
import { referOffer } from "../vocab/offer.ts";
import { publicNote, sendTo } from "./send.ts";

// Confederation across instances (docs/federation.md, "Confederation"): what crosses
// instances when events are appended to a body's record. It runs in the transaction that
// appends them (the `decisions.federate` hook), so an event and the activity it causes
// commit together.

type Db = Kysely<Schema>;

/** A body's verdict, to the confederation that referred the question: `Add{verdict, target: referral}`. */
async function sendVerdict(trx: Db, app: AppContext, bodyId: string, verdict: Verdict, confederation: string): Promise<void> {
  if (!verdict.decidedBy) return;
  const origin = app.config.publicOrigin;
  await sendTo(
    trx,
    app,
    bodyId,
    new Add({
      id: activityUri(origin),
      actor: actorUri(origin, bodyId),
      object: new URL(verdictUrl(verdict.decidedBy)),
      target: new URL(verdict.referral),
      to: new URL(confederation),
    }),
    [confederation],
  );
  app.log.info({ body: bodyId, referral: verdict.referral, verdict: verdict.verdict }, "verdict sent");
}

/**
 * The decision hook: what crosses instances when events are appended to a body's record.
 * Runs inside the appending transaction.
 */
export async function federateChange(trx: Db, app: AppContext, body: BodyRef, change: RecordChange): Promise<void> {
  const origin = app.config.publicOrigin;
  const bodyUri = actorUri(origin, body.id);
  const { after } = change;
  for (const effect of change.effects) {
    switch (effect.type) {
      case "confederation-join":
      case "confederation-leave": {
        const to = new URL(effect.confederation);
        const common = { id: activityUri(origin), actor: bodyUri, object: to, to };
        await sendTo(trx, app, body.id, effect.type === "confederation-join" ? new Join(common) : new Leave(common), [effect.confederation]);
        break;
      }
      case "delegate-recalled":
      case "mandate-recalled":
      case "decision-recalled":
        // A signed revocation (the mandate document now says revoked) to wherever the mandate was used.
        for (const r of effect.revoked ?? []) {
          if (r.confederation === null) continue;
          const conf = new URL(r.confederation);
          await sendTo(trx, app, body.id, new Remove({ id: activityUri(origin), actor: bodyUri, object: mandateUrl(origin, r.mandate), target: conf, to: conf }), [
            r.confederation,
          ]);
        }
        break;
      case "confederal-tabled": {
        // The body tables it itself, by its own decision (a confederation: ratified by its members).
        const to = new URL(effect.confederation);
        await sendTo(trx, app, body.id, referOffer(origin, bodyUri, to, { title: effect.title, text: effect.text, topic: effect.topic }), [effect.confederation]);
        break;
      }
      case "referral-decided": {
        const r = after.referrals.get(effect.referral);
        if (!r) break;
        await trx.updateTable("referrals").set({ closed_at: r.closedAt, outcome: effect.tally.outcome }).where("uri", "=", r.id).execute();
        if (effect.parent !== null) {
          const verdict = confederationVerdict(after, r.id);
          if (verdict) await sendVerdict(trx, app, body.id, verdict, effect.parent.confederation);
        }
        const t = effect.tally;
        await publicNote(
          trx,
          app,
          body.id,
          `<p><strong>${escapeHtml(r.title)}</strong>: ${t.passed ? "ratified" : "not ratified"}. ${escapeHtml(t.reason)}</p><p>Ratified by ${t.ratifiedBy.length}, rejected by ${t.rejectedBy.length}, ${t.abstained.length} abstained. It binds only the bodies that ratified it. <a href="${escapeHtml(r.id)}">The signed record</a>.</p>`,
          r.id,
        );
        break;
      }
      default:
        break;
    }
  }
  const ratifications = new Set<string>();
  for (const event of change.events) {
    if (isProposalEvent(event)) {
      if (after.proposals.get(event.proposal)?.kind === "ratification") ratifications.add(event.proposal);
      continue;
    }
    switch (event.type) {
      case "referral-opened": {
        await trx
          .insertInto("referrals")
          .values({ uri: event.referral, body_id: body.id, title: event.title, opened_at: event.at, deadline: event.deadline, parent: event.parent?.referral ?? null })
          .onConflict((oc) => oc.column("uri").doNothing())
          .execute();
        const bodies = event.bodies.map((b) => b.body);
        // One Invite for all: Fedify delivers it once per shared inbox, and each instance finds its own bodies on the signed list.
        if (bodies.length > 0) {
          await sendTo(
            trx,
            app,
            body.id,
            new Invite({ id: activityUri(origin), actor: bodyUri, object: new URL(event.referral), tos: bodies.slice(0, 50).map((b) => new URL(b)) }),
            bodies,
          );
        }
        await publicNote(
          trx,
          app,
          body.id,
          `<p>Referred to our ${bodies.length} member bodies, to decide by ${escapeHtml(event.deadline)}: <strong>${escapeHtml(event.title)}</strong></p>${textToHtml(event.text)}<p><a href="${escapeHtml(event.referral)}">The referral</a>.</p>`,
          event.referral,
        );
        break;
      }
      case "member-body-admitted":
        await trx
          .insertInto("memberships")
          .values({ body_id: body.id, member_uri: event.actor, admitted_by: event.referral ? `ratified by the members (${event.referral})` : "Join (open admission)" })
          .onConflict((oc) => oc.columns(["body_id", "member_uri"]).doNothing())
          .execute();
        break;
      case "member-body-left":
        await trx.deleteFrom("memberships").where("body_id", "=", body.id).where("member_uri", "=", event.actor).execute();
        break;
      default:
        break;
    }
  }
  for (const proposal of ratifications) {
    const verdict = ratificationVerdict(after, proposal);
    const before = change.before ? ratificationVerdict(change.before, proposal) : null;
    if (verdict === null || before !== null) continue;
    const payload = after.proposals.get(proposal)?.payload as { confederation: string } | undefined;
    if (payload) await sendVerdict(trx, app, body.id, verdict, payload.confederation);
  }
}
