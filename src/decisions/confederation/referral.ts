import type { ActorRow } from "../../community/actors.ts";
import type { InboundActivity } from "../../community/inbound.ts";
import type { AppContext } from "../../context.ts";
import { referConfederal, type Mandate, type ProposalKind } from "../../governance/index.ts";
import type { Result } from "../../shared/result.ts";
import { runOnBody, type Step } from "../run.ts";
import { memberBodies } from "./members.ts";

/** A confederal proposal tabled in a local confederation, as the adapter read it from its `Offer`. */
export interface TabledProposal {
  /** The referral's URL (its id in the confederation's record). */
  readonly referral: string;
  /** Who tables it: a delegate, or a member body. */
  readonly actor: string;
  readonly title: string;
  readonly text: string;
  readonly topic?: string;
  /** The mandate it was tabled under, checked against its signed document, and that document as fetched. */
  readonly mandate?: { readonly mandate: Mandate; readonly document: string; readonly key: string };
  /** The confederation's own decision put to its members (join, leave, policy). */
  readonly decides?: { kind: ProposalKind; payload: unknown };
}

/**
 * The confederation `conf` refers a tabled proposal to its member bodies (with their
 * current weights). The mandate it was tabled under is kept with the referral, in the
 * transaction that claims the `Offer`.
 */
export async function referToMemberBodies(app: AppContext, conf: ActorRow, tabled: TabledProposal, inbound: InboundActivity): Promise<Result<true>> {
  const bodies = await memberBodies(app, conf.id);
  const { mandate } = tabled;
  const kept = inbound.withEffect(async (trx, outcome) => {
    if (outcome.ok && mandate) {
      await trx
        .insertInto("signed_documents")
        .values({ uri: mandate.key, type: "Mandate", signer: mandate.mandate.body, document: mandate.document, received_at: new Date() })
        .execute();
    }
  });
  return runOnBody(
    app,
    conf,
    { inbound: kept },
    ({ body: state, now }): Step<true> =>
      state === null
        ? { fail: { code: "not-found", message: "no record" } }
        : {
            command: referConfederal(
              state,
              {
                referral: tabled.referral,
                actor: tabled.actor,
                title: tabled.title,
                text: tabled.text,
                ...(tabled.topic ? { topic: tabled.topic } : {}),
                ...(mandate ? { viaMandate: mandate.mandate } : {}),
                ...(tabled.decides ? { decides: tabled.decides } : {}),
                bodies,
              },
              now,
            ),
            value: () => true,
          },
  );
}
