import { afterAll, beforeAll, expect, it } from "vitest";
import * as d from "../../src/decisions/index.ts";
import { eventually, startTestInstance, type TestInstance } from "../support/instance.ts";
import { bodyWithMembers, hourBylaws, pastDeadline, unwrap } from "./support.ts";

let a: TestInstance;
beforeAll(async () => {
  a = await startTestInstance({ host: "127.0.0.23" });
});
afterAll(async () => {
  await a?.stop();
});

const projection = (id: string) => a.app.db.selectFrom("proposals").select(["status", "next_deadline"]).where("id", "=", id).executeTakeFirstOrThrow();

it("a restart in the middle of voting keeps every deadline", async () => {
  // One proposal on the record's own clock (moved on explicitly), one on the wall clock (moved on by the worker).
  const [s0, s1] = await bodyWithMembers(a.app, "steady", ["s0", "s1", "s2"], hourBylaws({ kind: "simple-majority" }));
  let slow = unwrap(await d.draftProposal(a.app, s0!, "steady", { kind: "policy", title: "Slow and steady", text: "" }));
  slow = unwrap(await d.tableProposal(a.app, s0!, "steady", slow.id));
  await pastDeadline(a.app, slow);
  unwrap(await d.vote(a.app, s0!, "steady", slow.id, { choice: "agree" }));
  unwrap(await d.vote(a.app, s1!, "steady", slow.id, { choice: "agree" }));

  const quickBylaws = { ...hourBylaws({ kind: "simple-majority" }), deliberationPeriod: "PT1S", votingPeriod: "PT5S" };
  const [q0, q1] = await bodyWithMembers(a.app, "quick", ["q0", "q1"], quickBylaws);
  let quick = unwrap(await d.draftProposal(a.app, q0!, "quick", { kind: "policy", title: "Quick", text: "" }));
  quick = unwrap(await d.tableProposal(a.app, q0!, "quick", quick.id));
  // The worker opens voting when deliberation ends.
  await eventually(async () => (await projection(quick.id)).status === "voting", 10_000, "voting to open");
  unwrap(await d.vote(a.app, q0!, "quick", quick.id, { choice: "agree" }));
  unwrap(await d.vote(a.app, q1!, "quick", quick.id, { choice: "abstain" }));

  const before = { slow: await projection(slow.id), quick: await projection(quick.id) };
  expect(before.slow).toMatchObject({ status: "voting" });
  expect(before.quick.next_deadline).not.toBeNull();

  const restartBegan = new Date();
  a = await a.restart();

  expect(await projection(slow.id)).toEqual(before.slow);
  // After the restart the worker closes the vote at its deadline, counting the votes cast before.
  await eventually(async () => (await projection(quick.id)).status === "implementing", 20_000, "the vote to close after the restart");
  const ended = await a.app.db
    .selectFrom("governance_events")
    .select("recorded_at")
    .where("proposal_id", "=", quick.id)
    .where("type", "=", "stage-ended")
    .executeTakeFirstOrThrow();
  expect(ended.recorded_at.getTime()).toBeGreaterThanOrEqual(restartBegan.getTime());
  const closed = unwrap(await d.readProposal(a.app, null, "quick", quick.id));
  expect(closed.rounds[0]).toMatchObject({ counts: { agree: 1, abstain: 1 }, closesAt: before.quick.next_deadline!.toISOString() });

  await pastDeadline(a.app, unwrap(await d.readProposal(a.app, null, "steady", slow.id)));
  const decided = unwrap(await d.readProposal(a.app, null, "steady", slow.id));
  expect(decided.view.status).toBe("implementing");
  expect(decided.rounds[0]?.counts).toMatchObject({ agree: 2, disagree: 0 });
  expect(decided.rounds[0]?.closesAt).toBe(before.slow.next_deadline!.toISOString());
});
