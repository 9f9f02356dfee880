import { confirmPassword, eraseAccount, isThrottled, type Throttled } from "../../community/accounts.ts";
import { findActorById } from "../../community/actors.ts";
import type { AppContext } from "../../context.ts";
import { ok, type Result, failWith } from "../../shared/result.ts";
import { actorUri } from "../../shared/uris.ts";
import { removeMember } from "./membership.ts";

/**
 * A person deletes their account, confirming with their password: they leave every body
 * (each leaving on that body's record), then the account's private data and profile go.
 * Their votes, proposals and replies stay on the record, as every member's do.
 */
export async function deleteAccount(app: AppContext, actorId: string, password: string): Promise<Result<{ left: string[] }> | Throttled> {
  const person = await findActorById(app, actorId);
  if (person?.kind !== "person" || person.deleted_at) return failWith("not-found", "no-such-account", "no such account");
  const confirmed = await confirmPassword(app, actorId, password, "confirmPassword");
  if (isThrottled(confirmed) || !confirmed.ok) return confirmed;
  const uri = actorUri(app.config.publicOrigin, actorId).href;
  const bodies = await app.db
    .selectFrom("memberships")
    .innerJoin("actors", "actors.id", "memberships.body_id")
    .selectAll("actors")
    .where("memberships.member_uri", "=", uri)
    .execute();
  const left: string[] = [];
  for (const body of bodies) {
    const done = await removeMember(app, body, uri);
    if (!done.ok) return done;
    left.push(body.handle);
  }
  await eraseAccount(app, actorId);
  app.log.info({ account: person.handle, left }, "account deleted by its owner");
  return ok({ left });
}
