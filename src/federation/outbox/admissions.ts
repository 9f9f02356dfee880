import { Accept, Reject } from "@fedify/vocab";
import type { ActorRow } from "../../community/actors.ts";
import type { AppContext } from "../../context.ts";
import { admitRatifiedBodies, withdrawPendingJoins, type WithdrawnJoin } from "../../decisions/confederation/admission.ts";
import { activityUri, actorUri } from "../../shared/uris.ts";
import { sendTo } from "./send.ts";

/**
 * After a confederation's referrals close (the `decisions.afterReferralsClosed` hook):
 * the bodies whose admission was ratified are admitted, and each Join is answered,
 * `Accept` or `Reject` with the tally's reason.
 */
export async function answerRatifiedJoins(app: AppContext, conf: ActorRow): Promise<void> {
  const origin = app.config.publicOrigin;
  await admitRatifiedBodies(app, conf, async (trx, v) => {
    const common = { id: activityUri(origin), actor: actorUri(origin, conf.id), object: new URL(v.join), to: new URL(v.member) };
    await sendTo(trx, app, conf.id, v.admitted ? new Accept(common) : new Reject({ ...common, summary: v.reason }), [v.member]);
  });
}

/**
 * The operator removes a flood (`folkmoot remote remove`): the Joins from `origin` still
 * waiting for member bodies' decision are withdrawn, each answered `Reject`.
 */
export async function withdrawJoinsFrom(app: AppContext, origin: string): Promise<WithdrawnJoin[]> {
  const local = app.config.publicOrigin;
  return withdrawPendingJoins(app, origin, async (trx, j) => {
    const summary = `The operator of ${local.host} withdrew the requests to join from ${new URL(origin).host}.`;
    await sendTo(trx, app, j.confId, new Reject({ id: activityUri(local), actor: actorUri(local, j.confId), object: new URL(j.join), to: new URL(j.member), summary }), [j.member]);
  });
}
