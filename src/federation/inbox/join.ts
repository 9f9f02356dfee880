import type { InboxContext } from "@fedify/fedify";
import { Accept, type Join } from "@fedify/vocab";
import { findActorById, isBody } from "../../community/actors.ts";
import { addMember } from "../../decisions/index.ts";
import type { AppContext } from "../../context.ts";
import { InboundActivity, takeInOnce, takeInThrough } from "../../community/inbound.ts";
import { queueAnswer } from "../answers.ts";
import { receiveJoinFromBody } from "./confederation/join.ts";
import { recordActivity } from "../../community/outbox.ts";
import { senderTarget } from "./senders.ts";
import { activityUri, actorUri, localActorId } from "../../shared/uris.ts";

/**
 * Someone on another server asks to join a body. A body that admits openly
 * admits them and answers `Accept(Join)`; a body that admits by decision tells
 * them that a member must table a membership proposal for them.
 */
export async function onJoin(ctx: InboxContext<AppContext>, join: Join): Promise<void> {
  const app = ctx.data;
  if (!join.id || !join.actorId || !join.objectId) return;
  const bodyId = localActorId(app.config.publicOrigin, join.objectId);
  const body = bodyId ? await findActorById(app, bodyId) : undefined;
  if (!body || !isBody(body)) return;
  if (body.kind === "confederation") return receiveJoinFromBody(ctx, join, body); // member bodies join confederations
  // Remembered lately (a second Join, a Join after a Follow): not fetched again.
  const target = await senderTarget(ctx, join);
  if (!target) return;
  const claim = { activity: join.id.href, actor: target.id, type: "Join" };
  if (body.admission !== "open") {
    await takeInOnce(app, claim, (trx) =>
      queueAnswer(trx, app, body.id, target.id, join.id, `@${body.handle} admits members by decision: ask a member to table a membership proposal for you.`),
    );
    return;
  }
  const origin = app.config.publicOrigin;
  // Admitted (or a member already): Accept; refused: a note saying why. Queued with the admission.
  const inbound = new InboundActivity(claim, async (trx, outcome) => {
    if (!outcome.ok && outcome.error.code !== "conflict") {
      await queueAnswer(trx, app, body.id, target.id, join.id, `You could not join @${body.handle}: ${outcome.error.message}.`);
      return;
    }
    await recordActivity(trx, {
      actorId: body.id,
      activity: new Accept({ id: activityUri(origin), actor: actorUri(origin, body.id), object: join, to: new URL(target.id) }),
      recipients: { followers: false, actors: [target] },
      isPublic: false,
    });
  });
  const admitted = await takeInThrough(app, inbound, (inbound) => addMember(app, body.handle, target.id, "Join (open admission)", inbound));
  if (admitted !== null) app.log.info({ body: body.handle, member: target.id, admitted: admitted.ok }, "Join taken in (open admission)");
}
