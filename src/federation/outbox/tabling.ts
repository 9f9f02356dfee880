import { resolveMemberRef } from "../../community/memberships.ts";
import type { AppContext } from "../../context.ts";
import { mayTableUnderMandate, type ConfederalProposalInput } from "../../decisions/confederation/tabling.ts";
import { kindDefinition, validateBylaws, type ProposalKind } from "../../governance/index.ts";
import { fail, ok, type Result } from "../../shared/result.ts";
import { actorUri } from "../../shared/uris.ts";
import { referOffer } from "../vocab/offer.ts";
import { sendTo } from "./send.ts";

// The delegate's side of a confederal proposal: the `Offer` that tables it. The
// confederation decides when it arrives (inbox/confederation/offer.ts).

export type { ConfederalProposalInput };

/**
 * Sends the `Offer` that tables a confederal proposal, as `personId`. No check here but
 * that the confederation can be found: the confederation decides (see {@link tableConfederalProposal}).
 */
export async function sendConfederalOffer(
  app: AppContext,
  personId: string,
  input: ConfederalProposalInput & { mandateUrl?: string },
): Promise<Result<{ activity: string; confederation: string }>> {
  const origin = app.config.publicOrigin;
  const conf = await resolveMemberRef(app, input.confederation);
  if (!conf.ok) return fail(conf.error.code, conf.error.message, "confederation");
  if (!conf.value.isGroup) return fail("invalid", "a confederation is a body", "confederation");
  let decides: { kind: ProposalKind; payload: unknown } | undefined;
  if (input.decides?.kind === "bylaws") {
    // Checked here first for a clear answer at once; the confederation checks again.
    const problem = kindDefinition("bylaws").validatePayload(input.decides.payload, undefined);
    if (problem !== null) return fail("invalid", `the confederation's new bylaws: ${problem.message}`, "decides.payload");
    const checked = validateBylaws((input.decides.payload as { bylaws: unknown }).bylaws, "confederation");
    if (!checked.ok) return fail("invalid", `the confederation's new bylaws: ${checked.reason.message}`, "decides.payload.bylaws");
  }
  if (input.decides) {
    let payload = input.decides.payload ?? {};
    const ref = (payload as { confederation?: unknown } | null)?.confederation;
    if (typeof ref === "string") {
      const target = await resolveMemberRef(app, ref);
      if (!target.ok) return fail(target.error.code, target.error.message, "decides.payload.confederation");
      payload = { ...(payload as object), confederation: target.value.uri };
    }
    decides = { kind: input.decides.kind, payload };
  }
  const offer = referOffer(origin, actorUri(origin, personId), new URL(conf.value.uri), {
    title: input.title,
    text: input.text,
    topic: input.topic,
    mandateUrl: input.mandateUrl,
    decides,
  });
  await app.db.transaction().execute((trx) => sendTo(trx, app, personId, offer, [conf.value.uri]));
  app.deliveries.kick();
  return ok({ activity: offer.id!.href, confederation: conf.value.uri });
}

/**
 * A delegate tables a confederal proposal under their mandate: checked here first (a
 * clear answer at once, `mayTableUnderMandate`); the confederation checks again against
 * the signed mandate.
 */
export async function tableConfederalProposal(
  app: AppContext,
  personId: string,
  input: ConfederalProposalInput,
): Promise<Result<{ activity: string; confederation: string; mandate: string | null }>> {
  const may = await mayTableUnderMandate(app, personId, input);
  if (!may.ok) return may;
  const url = may.value.mandateUrl;
  const sent = await sendConfederalOffer(app, personId, { ...input, mandateUrl: url });
  return sent.ok ? ok({ ...sent.value, mandate: url }) : sent;
}
