import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as d from "../../src/decisions/index.ts";
import { createTestDatabase, testBackend, type TestDatabase } from "../support/database.ts";
import { eventually, startTestInstance, type TestInstance } from "../support/instance.ts";
import { bodyWithMembers, hourBylaws, unwrap } from "./support.ts";

// A web process and two workers on one PostgreSQL database: every process may act on a
// proposal, both workers run the deadlines, and each transition happens once. (The
// embedded database serves one process, so this runs on PostgreSQL only.)
describe.runIf(testBackend === "postgres")("deadlines with several workers", () => {
  let database: TestDatabase;
  let web: TestInstance;
  const workers: TestInstance[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    web = await startTestInstance({ host: "127.0.0.24", database, env: { ROLE: "web" } });
    for (let i = 0; i < 2; i++) workers.push(await startTestInstance({ host: "127.0.0.24", database, env: { ROLE: "worker", PUBLIC_ORIGIN: web.origin } }));
  });

  afterAll(async () => {
    for (const w of workers) await w.stop();
    await web?.stop();
    await database?.drop();
  });

  it("moves every proposal on once, with votes cast through different processes", async () => {
    const bylaws = { ...hourBylaws({ kind: "simple-majority" }), deliberationPeriod: "PT1S", votingPeriod: "PT6S" };
    const [m0, m1, m2] = await bodyWithMembers(web.app, "many", ["n0", "n1", "n2"], bylaws);
    const apps = [web.app, workers[0]!.app, workers[1]!.app];
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const p = unwrap(await d.draftProposal(apps[i % 3]!, m0!, "many", { kind: "policy", title: `Item ${i}`, text: "" }));
      unwrap(await d.tableProposal(apps[(i + 1) % 3]!, m0!, "many", p.id));
      ids.push(p.id);
    }
    const status = async (id: string) => (await web.app.db.selectFrom("proposals").select("status").where("id", "=", id).executeTakeFirstOrThrow()).status;
    for (const id of ids) await eventually(async () => (await status(id)) === "voting", 10_000, `voting on ${id}`);
    for (const id of ids) {
      unwrap(await d.vote(apps[0]!, m0!, "many", id, { choice: "agree" }));
      unwrap(await d.vote(apps[1]!, m1!, "many", id, { choice: "disagree" }));
      // A vote changed through a third process: each process sees the others' events.
      unwrap(await d.vote(apps[2]!, m1!, "many", id, { choice: "agree", reason: "persuaded" }));
      unwrap(await d.vote(apps[0]!, m2!, "many", id, { choice: "abstain" }));
    }
    for (const id of ids) await eventually(async () => (await status(id)) === "implementing", 20_000, `the vote on ${id} to close`);
    for (const id of ids) {
      const history = unwrap(await d.readHistory(workers[1]!.app, null, "many", id)).map((h) => h.type);
      expect(history.filter((t) => t === "voting-opened")).toHaveLength(1);
      expect(history.filter((t) => t === "stage-ended")).toHaveLength(1);
      const state = unwrap(await d.readProposal(workers[0]!.app, null, "many", id));
      expect(state.rounds[0]?.counts).toEqual({ agree: 2, disagree: 0, abstain: 1, block: 0 });
    }
  });
});
