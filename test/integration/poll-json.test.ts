import { Create, PUBLIC_COLLECTION, Update } from "@fedify/vocab";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as d from "../../src/decisions/index.ts";
import type { ProposalDetail } from "../../src/decisions/index.ts";
import { loadPublished, pollActivityJsonLd } from "../../src/federation/vocab/question.ts";
import { activityUri } from "../../src/shared/uris.ts";
import { startTestInstance, type TestInstance } from "../support/instance.ts";
import { bodyWithMembers, hourBylaws, pastDeadline, unwrap } from "../decisions/support.ts";

// A proposal's polls are recorded as compact JSON-LD written without the JSON-LD
// compaction algorithm (src/federation/vocab/question.ts, pollActivityJsonLd): it must be
// the very document Fedify's own compaction gives, at every stage and for every round.

let a: TestInstance;
beforeAll(async () => {
  a = await startTestInstance({ host: "127.0.0.220" });
});
afterAll(async () => {
  await a?.stop();
});

/** Every poll of the proposal (its own and each round's), both ways, as Create and as Update. */
async function expectSameJson(proposalId: string): Promise<ProposalDetail> {
  const published = await loadPublished(a.app, proposalId);
  if (!published) throw new Error("not published");
  const { detail } = published;
  const origin = a.app.config.publicOrigin;
  for (const round of [null, ...detail.rounds]) {
    for (const Verb of [Create, Update]) {
      const id = activityUri(origin);
      const { activity, payload } = await pollActivityJsonLd(
        a.app,
        detail,
        round,
        (question) => new Verb({ id, actor: new URL(detail.body.uri), object: question, to: PUBLIC_COLLECTION }),
      );
      expect(payload).toEqual(await activity.toJsonLd({ format: "compact" }));
      expect(payload).toEqual(await activity.toJsonLd());
    }
  }
  return detail;
}

describe("a proposal's poll as recorded", () => {
  it("is what Fedify's compaction gives: tabled, in voting with counts, decided; under a simple majority and a graduated consensus", async () => {
    const app = a.app;
    const m = await bodyWithMembers(app, "meadow", ["pm0", "pm1", "pm2"], hourBylaws({ kind: "simple-majority" }));
    const g = await bodyWithMembers(app, "heath", ["ph0", "ph1", "ph2"], hourBylaws({ kind: "graduated-consensus" }));
    for (const [handle, who] of [
      ["meadow", m],
      ["heath", g],
    ] as const) {
      const drafted = unwrap(
        await d.draftProposal(app, who[0]!, handle, {
          kind: "policy",
          title: "A “shared” tool library & <b>more</b>",
          text: "One shelf each.\n\nFor everyone: ñ, 漢字, emoji 🌱.",
        }),
      );
      const tabled = unwrap(await d.tableProposal(app, who[0]!, handle, drafted.id));
      await expectSameJson(tabled.id);
      await pastDeadline(app, tabled);
      unwrap(await d.vote(app, who[0]!, handle, tabled.id, { choice: "agree" }));
      unwrap(await d.vote(app, who[1]!, handle, tabled.id, { choice: "disagree" }));
      const voting = await expectSameJson(tabled.id);
      expect(voting.rounds.length).toBeGreaterThan(0);
      await pastDeadline(app, voting);
      const after = await expectSameJson(tabled.id);
      expect(after.view.status).not.toBe("voting");
    }
  });
});
