// Creating a body (actors.ts) and admitting a member (memberships.ts) append to the body's
// record of decisions in the same transaction, so the record and the memberships never
// disagree. The record belongs to decisions/, which imports community/; community reaches
// it through the AppContext.bodyRecord port (decisions/bridge.ts, wired in instance.ts).
import type { Kysely } from "kysely";
import type { AppContext, BodyRef } from "../context.ts";
import type { Failure } from "../shared/result.ts";
import type { Schema } from "../store/schema.ts";

/** Founds the record of a body just created with a founder (inside createBody's transaction). */
export function recordBodyFounded(app: AppContext, trx: Kysely<Schema>, body: BodyRef, founderUri: string): Promise<void> {
  return app.bodyRecord.founded(app, trx, body, founderUri);
}

/**
 * Records that someone joined (inside addMember's transaction).
 * @returns the failure to give the caller, having written nothing; null if recorded.
 */
export function recordMemberJoined(app: AppContext, trx: Kysely<Schema>, body: BodyRef, memberUri: string): Promise<Failure | null> {
  return app.bodyRecord.memberJoined(app, trx, body, memberUri);
}
