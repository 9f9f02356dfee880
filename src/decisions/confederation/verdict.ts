import type { ActorRow } from "../../community/actors.ts";
import type { InboundActivity } from "../../community/inbound.ts";
import type { AppContext } from "../../context.ts";
import { receiveVerdict, type Verdict } from "../../governance/index.ts";
import type { Result } from "../../shared/result.ts";
import { runOnBody, type Step } from "../run.ts";
import { setWeight } from "./members.ts";

/** A member body's verdict on a referral of the local confederation, with the signed document it came in. */
export interface ReceivedVerdict {
  readonly verdict: Verdict;
  /** The body that sent it. */
  readonly sender: string;
  /** The signed `Verdict` document, as received (its `id` is where it is served). */
  readonly document: Record<string, unknown>;
  /** The `Members` the sender's actor advertises now: its weight for future referrals. */
  readonly weight: number | null;
}

/**
 * Records a member body's verdict in the confederation `conf`. The signed verdict is kept
 * (to embed in the referral) and, when counted, the body's weight refreshed, in the
 * transaction that claims the activity and appends `verdict-received`.
 */
export async function recordVerdict(app: AppContext, conf: ActorRow, received: ReceivedVerdict, inbound: InboundActivity): Promise<Result<true>> {
  const { document: doc, sender, weight } = received;
  const kept = inbound.withEffect(async (trx, outcome) => {
    await trx
      .insertInto("signed_documents")
      .values({ uri: doc.id as string, type: "Verdict", signer: sender, document: JSON.stringify(doc), received_at: new Date() })
      .onConflict((oc) => oc.column("uri").doNothing())
      .execute();
    if (outcome.ok && weight !== null) await setWeight(trx, conf.id, sender, weight);
  });
  return runOnBody(
    app,
    conf,
    { inbound: kept },
    ({ body: state, now }): Step<true> =>
      state === null ? { fail: { code: "not-found", message: "no record" } } : { command: receiveVerdict(state, received.verdict, now), value: () => true },
  );
}

/** Whether `sender` is on the list of the confederation's referral (nothing is kept from a body that is not). */
export function listedOn(state: { referrals: ReadonlyMap<string, { bodies: readonly { body: string }[] }> } | null, referral: string, sender: string): boolean {
  return state?.referrals.get(referral)?.bodies.some((b) => b.body === sender) ?? false;
}
