import { PropertyValue, type Actor } from "@fedify/vocab";
import type { Transaction } from "kysely";
import { findActorById, isBody, type ActorRow } from "../../../community/actors.ts";
import { takeInOnce, type InboundClaim } from "../../../community/inbound.ts";
import type { AppContext } from "../../../context.ts";
import { localActorId } from "../../../shared/uris.ts";
import type { Schema } from "../../../store/schema.ts";
import type { Fetched } from "../../confederal-documents.ts";

// What the confederation's inbox handlers share: they check what Fedify cannot, fetch
// and check the signed documents an activity points at (before any transaction), and
// hand plain values to decisions/confederation/.

/** Throws on a failure worth retrying (nothing was claimed; the queue retries the activity). */
export function retryIfTransient(fetched: Fetched): void {
  if (!fetched.ok && fetched.transient) throw new Error(fetched.reason);
}

/** The claim of an inbound activity (the whole of it, or its effect on one local body). */
export function claimOf(activity: { id: URL | null; actorId: URL | null }, type: string, scope?: string): InboundClaim {
  return { activity: activity.id!.href, actor: activity.actorId!.href, type, ...(scope ? { scope } : {}) };
}

/** Takes in an activity refused before any effect: claimed, so it is not examined again, and logged. */
export async function refuseOnce(app: AppContext, claim: InboundClaim, log: () => void, answer?: (trx: Transaction<Schema>) => Promise<void>): Promise<void> {
  const taken = await takeInOnce(app, claim, async (trx) => {
    await answer?.(trx);
  });
  if (taken) log();
}

/** The local body a URI names, if any. */
export async function localBody(app: AppContext, uri: URL | string | null | undefined): Promise<ActorRow | null> {
  if (!uri) return null;
  const id = localActorId(app.config.publicOrigin, uri);
  const row = id ? await findActorById(app, id) : undefined;
  return row && isBody(row) ? row : null;
}

/** A remote body's member count, from the "Members" field of its actor. */
export async function advertisedMembers(actor: Actor): Promise<number | null> {
  for await (const a of actor.getAttachments()) {
    if (a instanceof PropertyValue && a.name?.toString() === "Members") {
      const n = Number.parseInt(a.value?.toString() ?? "", 10);
      return Number.isSafeInteger(n) && n >= 0 ? n : null;
    }
  }
  return null;
}
