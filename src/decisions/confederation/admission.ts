import type { Transaction } from "kysely";
import type { ActorRow } from "../../community/actors.ts";
import { takeInThrough, takeInWith, type InboundActivity } from "../../community/inbound.ts";
import type { AppContext } from "../../context.ts";
import { ORIGIN_LIMITS, originOf, pendingJoins, PENDING_JOIN, warnOriginAtLimit, withdrawnJoinReferrals, WITHDRAWN_JOIN } from "../../community/origin-limits.ts";
import { admitMemberBody, referConfederal } from "../../governance/index.ts";
import { fail, type Result } from "../../shared/result.ts";
import type { Schema } from "../../store/schema.ts";
import { replayBody } from "../read.ts";
import { runOnBody, type Step } from "../run.ts";
import { memberBodies, setWeight } from "./members.ts";

// A body asks to join a confederation: admitted at once (open admission), or put to the
// member bodies (admission by decision) and admitted when they ratify it.

/** A body's request to join, as the adapter read it from its `Join` and its actor. */
export interface JoinRequest {
  /** The body asking (its actor URI). */
  readonly member: string;
  /** Its name, for the referral's title. */
  readonly name: string | null;
  /** The `Join` activity's id, answered when the referral closes. */
  readonly join: string;
  /** The members its actor advertises (its weight), if it says. */
  readonly members: number | null;
  /** The referral's URL, should the member bodies decide. */
  readonly referral: string;
}

/**
 * What the answer step sees on success: `accept` (admitted, or a member already: answer
 * yes) or `referred` (the member bodies decide; answered by {@link admitRatifiedBodies}).
 * A failure is answered with its message.
 */
export type JoinAnswer = "accept" | "referred";

/** How the request was handled, for the adapter's log. */
export type JoinHandled =
  | { readonly path: "member" }
  | { readonly path: "open"; readonly result: Result<JoinAnswer> }
  | { readonly path: "no-members" }
  | { readonly path: "referred"; readonly result: Result<JoinAnswer> };

/**
 * A body asks to join the local confederation `conf`. The claim, the admission (or the
 * referral), the body's weight and the answers (the `after` step of `inbound`) commit in
 * one transaction.
 */
export async function answerJoinRequest(app: AppContext, conf: ActorRow, req: JoinRequest, inbound: InboundActivity): Promise<JoinHandled> {
  const { member, members: count } = req;
  // Already a member (e.g. a founding member confirming by its own decision): yes, again.
  if ((await memberBodies(app, conf.id)).some((b) => b.body === member)) {
    const weighed = inbound.withEffect(async (trx) => {
      if (count !== null) await setWeight(trx, conf.id, member, count);
    });
    await takeInWith(app, weighed, async (): Promise<JoinAnswer> => "accept");
    return { path: "member" };
  }
  if (conf.admission === "open") {
    // Admitted, weighed and answered in the transaction that takes the Join in.
    const weighed = inbound.withEffect(async (trx, outcome) => {
      if (outcome.ok) await setWeight(trx, conf.id, member, count);
    });
    const result = await runOnBody(app, conf, { found: true, inbound: weighed }, ({ body: state, now }): Step<JoinAnswer> => {
      if (state === null) return { fail: { code: "not-found", message: "no record" } };
      if (state.members.has(member)) return { command: { ok: true, events: [], effects: [] }, value: () => "accept" };
      return { command: admitMemberBody(state, { body: member }, now), value: () => "accept" };
    });
    return { path: "open", result };
  }
  // By decision: the member bodies decide, like any confederal question.
  const bodies = await memberBodies(app, conf.id);
  if (bodies.length === 0) {
    await refuseInbound(app, inbound, `${conf.name} admits member bodies by their decision and has none yet`);
    return { path: "no-members" };
  }
  const { referral } = req;
  // One origin keeps at most so many bodies waiting for the member bodies' decision: each
  // is a question put to every member body. Counted from the record, with the body locked.
  const origin = originOf(member);
  const counted = origin !== null && origin !== app.config.publicOrigin.origin;
  const withdrawn = counted ? await withdrawnJoinReferrals(app.db, origin) : new Set<string>();
  let capped = false;
  const kept = inbound.withEffect(async (trx, outcome) => {
    // Kept to answer the Join when the referral closes (admitRatifiedBodies).
    if (outcome.ok) {
      await trx
        .insertInto("signed_documents")
        .values({ uri: `${referral}#join`, type: PENDING_JOIN, signer: member, document: JSON.stringify({ join: req.join, members: count }), received_at: new Date() })
        .execute();
    }
  });
  const result = await runOnBody(app, conf, { found: true, inbound: kept }, ({ body: state, now }): Step<JoinAnswer> => {
    if (state === null) return { fail: { code: "not-found", message: "no record" } };
    if (counted) {
      const waiting = [...state.referrals.values()].filter((r) => r.admit !== null && r.closedAt === null && !withdrawn.has(r.id) && originOf(r.admit) === origin);
      if (waiting.length >= ORIGIN_LIMITS.pendingJoinsPerConfederation) {
        capped = true;
        const host = new URL(origin).host;
        return {
          fail: {
            code: "forbidden",
            message: `${conf.name} keeps at most ${ORIGIN_LIMITS.pendingJoinsPerConfederation} requests to join from ${host} waiting for its member bodies' decision; ask again once they have decided`,
          },
        };
      }
    }
    return {
      command: referConfederal(
        state,
        {
          referral,
          actor: state.id,
          title: `Admit ${req.name ?? member}`,
          text: `${member} asks to join ${conf.name}. Ratify to admit it.`,
          topic: "membership",
          admit: member,
          bodies,
        },
        now,
      ),
      value: () => "referred",
    };
  });
  if (capped && origin !== null) warnOriginAtLimit(app.log, origin, "pending joins", { confederation: conf.handle, member });
  return { path: "referred", result };
}

/** A withdrawn Join, for the adapter to answer. */
export interface WithdrawnJoin {
  readonly confId: string;
  readonly confHandle: string;
  readonly member: string;
  readonly join: string;
}

/**
 * The operator withdraws every Join from `origin` waiting for member bodies' decision:
 * each is marked withdrawn (its referral, already put to the member bodies, runs to its
 * deadline but admits no one) and answered (`answer`, in the same transaction).
 * @returns the Joins withdrawn.
 */
export async function withdrawPendingJoins(app: AppContext, origin: string, answer: (trx: Transaction<Schema>, join: WithdrawnJoin) => Promise<void>): Promise<WithdrawnJoin[]> {
  const withdrawn: WithdrawnJoin[] = [];
  for (const j of await pendingJoins(app.db, origin)) {
    const done = await app.db.transaction().execute(async (trx) => {
      const marked = await trx
        .updateTable("signed_documents")
        .set({ type: WITHDRAWN_JOIN })
        .where("uri", "=", `${j.referral}#join`)
        .where("type", "=", PENDING_JOIN)
        .executeTakeFirst();
      if (Number(marked.numUpdatedRows) === 0) return false;
      await answer(trx, j);
      return true;
    });
    if (done) withdrawn.push(j);
  }
  if (withdrawn.length > 0) app.deliveries.kick();
  return withdrawn;
}

/** Takes in an activity refused before any command: claimed with the refusal as its outcome, so the answer step says why. */
async function refuseInbound(app: AppContext, inbound: InboundActivity, message: string): Promise<void> {
  await takeInThrough(app, inbound, async () => fail("conflict", message));
}

/** What the adapter answers a `Join` with once its referral closed. */
export interface JoinVerdict {
  /** The `Join` activity's id. */
  readonly join: string;
  /** The body that asked. */
  readonly member: string;
  readonly admitted: boolean;
  /** The tally's reason (for a refusal). */
  readonly reason: string;
}

/**
 * After a confederation's referrals close: admit the bodies whose admission was ratified,
 * and answer their Join (`answer`, in the transaction that forgets the pending request).
 * Runs whenever some referral of the confederation closes, and catches up on any
 * admission a crash left undone.
 */
export async function admitRatifiedBodies(app: AppContext, conf: ActorRow, answer: (trx: Transaction<Schema>, verdict: JoinVerdict) => Promise<void>): Promise<void> {
  const state = await replayBody(app, conf.id);
  if (!state) return;
  for (const r of state.referrals.values()) {
    if (r.admit === null || r.tally === null || state.members.has(r.admit)) continue;
    // A Join the operator withdrew is neither admitted nor answered again.
    const join = await app.db.selectFrom("signed_documents").select(["document"]).where("uri", "=", `${r.id}#join`).where("type", "=", PENDING_JOIN).executeTakeFirst();
    if (!join) continue;
    const { join: joinId, members } = JSON.parse(join.document) as { join: string; members: number | null };
    const admit = r.admit;
    const tally = r.tally;
    if (tally.passed) {
      const done = await runOnBody(
        app,
        conf,
        {},
        ({ body: s, now }): Step<boolean> =>
          s === null || s.members.has(admit)
            ? { command: { ok: true, events: [], effects: [] }, value: () => false }
            : { command: admitMemberBody(s, { body: admit, referral: r.id }, now), value: () => true },
      );
      if (!done.ok || !done.value) continue;
      await setWeight(app.db, conf.id, admit, members);
    }
    await app.db.transaction().execute(async (trx) => {
      const answered = await trx.deleteFrom("signed_documents").where("uri", "=", `${r.id}#join`).where("type", "=", PENDING_JOIN).executeTakeFirst();
      if (Number(answered.numDeletedRows) === 0) return;
      await answer(trx, { join: joinId, member: admit, admitted: tally.passed, reason: tally.reason });
    });
    app.deliveries.kick();
  }
}
