import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { operations } from "../../src/cli/operations.ts";
import { setFaultHook } from "../../src/shared/faults.ts";
import { quickBylaws } from "../../src/demo/steps.ts";
import { eventually, startTestInstance, type TestInstance } from "../support/instance.ts";
import { bodyWithMembers } from "./support.ts";

// The API commands' guarantee: a command whose transaction fails leaves nothing behind
// and sends nothing. A fault hook throws just before a command's transaction commits
// (after its events, projections and queued activities are written); the command must
// answer a plain 500, and the record, the projection, the outbox and the inbound log must
// be as they were. Without the hook the same command then goes through.

let a: TestInstance;
let api: string;
const tokens: Record<string, string> = {};

async function call(method: string, path: string, body?: unknown, as = "ann") {
  const res = await fetch(`${api}${path}`, {
    method,
    headers: { ...(body !== undefined ? { "content-type": "application/json" } : {}), authorization: `Bearer ${tokens[as]}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as any) : null };
}

/** What a failed command must not change: the record, the projection, the outbox, the inbound log, the memberships. */
async function snapshot() {
  const db = a.app.db;
  return {
    events: await db.selectFrom("governance_events").selectAll().orderBy("seq").execute(),
    proposals: await db.selectFrom("proposals").selectAll().orderBy("id").execute(),
    // Hand-off times change as deliveries go on; what was queued does not.
    activities: await db.selectFrom("activities").select(["seq", "uri", "actor_id", "type", "object_uri", "recipients"]).orderBy("seq").execute(),
    inbound: await db.selectFrom("inbox_log").select(["activity_uri", "scope", "type"]).orderBy("activity_uri").orderBy("scope").execute(),
    memberships: await db.selectFrom("memberships").select(["body_id", "member_uri"]).orderBy("body_id").orderBy("member_uri").execute(),
  };
}

/** Every command fails just before its transaction commits. */
function failEveryCommit(): void {
  setFaultHook((point, _detail) => {
    if (point === "command-before-commit") throw new Error("injected failure before commit");
  });
}

/** Runs `command` with every commit failing: it must answer a plain 500 and change nothing. */
async function failsLeavingNothing(command: () => Promise<{ status: number; body: any }>): Promise<void> {
  failEveryCommit();
  const before = await snapshot();
  const failed = await command();
  expect(failed.status).toBe(500);
  expect(failed.body).toEqual({ error: "Internal Server Error", message: "something went wrong; see the server log" });
  // Give anything that might have been queued the time to be handed off and delivered.
  await a.deliveriesIdle();
  await new Promise((r) => setTimeout(r, 300));
  expect(await snapshot()).toEqual(before);
  setFaultHook(null);
}

beforeAll(async () => {
  // Poll updates are debounced for an hour: no Update(Question) lands in the outbox while a command fails.
  a = await startTestInstance({ host: "127.0.0.64", env: { QUESTION_UPDATE_SECONDS: "3600" } });
  api = `${a.origin}/api/folkmoot/v1`;
  // Deliberation 1 s, voting 3 s: the deadlines pass in real time.
  await bodyWithMembers(a.app, "riverside", ["ann", "ben"], quickBylaws("assembly", { votingPeriod: "PT3S" }));
  for (const p of ["ann", "ben"]) {
    const res = await fetch(`${api}/sessions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ handle: p, password: `${p}-password` }) });
    tokens[p] = ((await res.json()) as { token: string }).token;
  }
  await operations["body.create"](a.app, { handle: "valley", kind: "confederation", admission: "open" });
});

afterEach(() => setFaultHook(null));

afterAll(async () => {
  setFaultHook(null);
  await a?.stop();
});

describe("a command whose transaction fails leaves nothing behind and sends nothing", () => {
  let policy = "";

  it("tabling a proposal", async () => {
    const drafted = await call("POST", "/bodies/riverside/proposals", { kind: "policy", title: "Mend the fence", text: "Before the sheep get out.", votingPeriod: "PT1M" });
    expect(drafted.status).toBe(201);
    policy = drafted.body.id;
    await failsLeavingNothing(() => call("POST", `/proposals/${policy}/table`));
    expect((await call("GET", `/proposals/${policy}`)).body.view.status).toBe("draft");

    const tabled = await call("POST", `/proposals/${policy}/table`);
    expect(tabled.status).toBe(200);
    expect(tabled.body.view.status).toBe("deliberation");
  });

  it("a vote", async () => {
    // The deadline timer opens voting after one second of deliberation.
    await eventually(async () => (await call("GET", `/proposals/${policy}`)).body.view.status === "voting", 15_000, "voting open");
    // Opening voting is published as an Update(Question) just after that commit: wait for it,
    // so the snapshot below holds only what the failed vote could have changed.
    await eventually(
      async () =>
        (await a.app.db.selectFrom("activities").select("seq").where("type", "=", "Update").where("object_uri", "like", `%/proposals/${policy}`).executeTakeFirst()) !== undefined,
      15_000,
      "the poll's update for voting open",
    );
    await failsLeavingNothing(() => call("POST", `/proposals/${policy}/votes`, { choice: "agree", reason: "long overdue" }, "ben"));

    const voted = await call("POST", `/proposals/${policy}/votes`, { choice: "agree", reason: "long overdue" }, "ben");
    expect(voted.status).toBe(201);
    expect(voted.body).toMatchObject({ choice: "agree", reason: "long overdue", changed: false });
  });

  it("a decision that federates: a carried join proposal and its Join", async () => {
    const drafted = await call("POST", "/bodies/riverside/proposals", {
      kind: "join",
      title: "Join the valley",
      text: "Together we are more.",
      payload: { confederation: "valley" },
    });
    expect(drafted.status).toBe(201);
    const id: string = drafted.body.id;
    expect((await call("POST", `/proposals/${id}/table`)).status).toBe(200);
    await eventually(async () => (await call("GET", `/proposals/${id}`)).body.view.status === "voting", 15_000, "voting open");
    for (const p of ["ann", "ben"]) expect((await call("POST", `/proposals/${id}/votes`, { choice: "agree" }, p)).status).toBe(201);

    // From here every commit fails, the deadline timer's too: the vote's deadline passes
    // and a command on the proposal carries it in its own transaction, queuing the Join.
    failEveryCommit();
    const closesAt = Date.parse((await call("GET", `/proposals/${id}`)).body.nextDeadline);
    await new Promise((r) => setTimeout(r, Math.max(0, closesAt - Date.now()) + 1000));
    await failsLeavingNothing(() => call("POST", `/proposals/${id}/votes`, { choice: "agree" }, "ann"));
    const joins = () => a.app.db.selectFrom("activities").select(["uri", "recipients"]).where("type", "=", "Join").execute();
    expect(await joins()).toEqual([]);
    expect((await call("GET", `/proposals/${id}`)).body.view.status).toBe("voting");

    // Without the fault the same command goes through: its transaction carries the proposal
    // (or the deadline timer's did, a moment before; the late vote itself is refused either
    // way), and the Join is queued and delivered to the valley.
    const late = await call("POST", `/proposals/${id}/votes`, { choice: "agree" }, "ann");
    expect(late.status).toBe(409);
    expect((await call("GET", `/proposals/${id}`)).body.view.status).toBe("passed");
    expect(await joins()).toHaveLength(1);
    await eventually(async () => (await a.app.db.selectFrom("inbox_log").select("activity_uri").where("type", "=", "Join").execute()).length === 1, 15_000, "the Join delivered");
  });
});
