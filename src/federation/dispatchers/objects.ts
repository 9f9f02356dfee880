import type { Federation } from "@fedify/fedify";
import { Activity, Create, Note } from "@fedify/vocab";
import type { AppContext } from "../../context.ts";
import { ACTIVITY_PATH, NOTE_PATH } from "../../shared/uris.ts";

// Notes and activities served at their ids.

/** The Note and Activity object dispatchers. */
export function registerObjectDispatchers(federation: Federation<AppContext>): void {
  federation.setObjectDispatcher(Note, NOTE_PATH, async (ctx, { id }) => {
    const row = await ctx.data.db.selectFrom("objects").selectAll().where("local_id", "=", id).executeTakeFirst();
    if (!row || row.deleted_at) return null;
    const activity = await ctx.data.db.selectFrom("activities").select("payload").where("object_uri", "=", row.uri).where("type", "=", "Create").executeTakeFirst();
    if (!activity) return null;
    const create = await Create.fromJsonLd(JSON.parse(activity.payload), { documentLoader: ctx.documentLoader, contextLoader: ctx.contextLoader });
    const note = await create.getObject({ documentLoader: ctx.documentLoader, contextLoader: ctx.contextLoader });
    return note instanceof Note ? note : null;
  });

  // Activity ids resolve, so peers that re-fetch an embedded activity (FEP-fe34) find it.
  federation.setObjectDispatcher(Activity, ACTIVITY_PATH, async (ctx, { id }) => {
    const row = await ctx.data.db.selectFrom("activities").select(["payload", "public"]).where("uri", "=", ctx.getObjectUri(Activity, { id }).href).executeTakeFirst();
    if (!row?.public) return null;
    return Activity.fromJsonLd(JSON.parse(row.payload), { documentLoader: ctx.documentLoader, contextLoader: ctx.contextLoader });
  });
}
