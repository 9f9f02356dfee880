import type { AppContext } from "../context.ts";
import { projectProposal } from "./projection.ts";
import { loadRecord, lockBody, replayRecord } from "./record.ts";

/**
 * Rebuilds the `proposals` projection (and any missing `objects` row of a proposal) from
 * the record, body by body under each body's lock: after a restore, or when the
 * projection's shape changes. The record itself is never touched.
 *
 * @returns how many proposals were projected.
 */
export async function rebuildProjection(app: AppContext): Promise<number> {
  const bodies = await app.db.selectFrom("actors").selectAll().where("id", "in", app.db.selectFrom("governance_events").select("body_id").distinct()).execute();
  let projected = 0;
  for (const body of bodies) {
    projected += await app.db.transaction().execute(async (trx) => {
      if (!(await lockBody(trx, body.id))) return 0;
      const state = replayRecord(await loadRecord(app.db, trx, body.id));
      if (state === null) return 0;
      for (const p of state.proposals.values()) await projectProposal(trx, app, body, state, p, true);
      return state.proposals.size;
    });
  }
  return projected;
}
