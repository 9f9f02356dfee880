import type { ActorRow } from "../../community/actors.ts";
import type { InboundActivity } from "../../community/inbound.ts";
import type { AppContext } from "../../context.ts";
import { receiveRevocation, type Mandate } from "../../governance/index.ts";
import type { Result } from "../../shared/result.ts";
import { runOnBody, type Step } from "../run.ts";

/**
 * A member body revoked a mandate used in the local confederation `conf` (the signed
 * mandate, checked by the adapter, says so): from its `revokedAt` on, the delegate's acts are refused.
 */
export async function recordRevocation(
  app: AppContext,
  conf: ActorRow,
  sender: string,
  mandate: Mandate & { revokedAt: string; revokedBy: string },
  inbound: InboundActivity,
): Promise<Result<true>> {
  return runOnBody(
    app,
    conf,
    { inbound },
    ({ body: state, now }): Step<true> =>
      state === null
        ? { fail: { code: "not-found", message: "no record" } }
        : {
            command: receiveRevocation(state, { actor: sender, mandate: mandate.id, delegate: mandate.delegate, revokedAt: mandate.revokedAt, revokedBy: mandate.revokedBy }, now),
            value: () => true,
          },
  );
}
