import type { Federation } from "@fedify/fedify";
import { Accept, Activity, Add, Announce, Create, Delete, Follow, Invite, Join, Leave, Offer, Reject, Remove, Undo, Update } from "@fedify/vocab";
import type { AppContext } from "../../context.ts";
import { onJoin } from "./join.ts";
import { receiveLeave } from "./confederation/leave.ts";
import { receiveConfederalProposal } from "./confederation/offer.ts";
import { receiveReferral } from "./confederation/referral.ts";
import { receiveRevocation } from "./confederation/revocation.ts";
import { receiveVerdict } from "./confederation/verdict.ts";
import { onAccept, onAnnounce, onCreate, onDelete, onFollow, onOtherActivity, onReject, onUndo, onUpdate } from "./social.ts";
import { INBOX_PATH, SHARED_INBOX_PATH } from "../../shared/uris.ts";

// The inbox listener table: which handler each activity type goes to (Fedify calls the
// first listener whose type the activity is an instance of). Each handler checks what
// Fedify cannot and hands the effect to a service (docs/architecture.md, "An incoming activity").

/** Registers the inbox listeners on the personal inboxes and the shared inbox. */
export function registerInboxListeners(federation: Federation<AppContext>): void {
  federation
    .setInboxListeners(INBOX_PATH, SHARED_INBOX_PATH)
    .on(Follow, onFollow)
    .on(Undo, onUndo)
    .on(Accept, onAccept)
    .on(Reject, onReject)
    .on(Create, onCreate)
    .on(Update, onUpdate)
    .on(Delete, onDelete)
    .on(Announce, onAnnounce)
    .on(Join, onJoin)
    .on(Leave, receiveLeave)
    .on(Invite, receiveReferral)
    .on(Add, receiveVerdict)
    .on(Remove, receiveRevocation)
    .on(Offer, receiveConfederalProposal)
    .on(Activity, onOtherActivity)
    .onError((ctx, error) => {
      ctx.data.log.error({ err: error }, "inbox listener failed; the activity will be retried");
    })
    // No idempotence read when a delivery is accepted. With a queue, Fedify 2.3.6 reads a
    // per-inbox key there but the worker records a per-origin key after the listener, so
    // that read never found anything (one wasted statement per delivery). The worker's
    // own check stays, and inbox_log claims make every effect happen once anyway.
    .withIdempotency(() => null);
}
