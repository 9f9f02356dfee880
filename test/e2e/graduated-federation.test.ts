import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listNotifications } from "../../src/community/notifications.ts";
import { operations } from "../../src/cli/operations.ts";
import { decisionRegister, draftProposal, foundBodyRecord, readProposal, recordGrievanceAgreement, tableProposal, vote, voteOnAmendment } from "../../src/decisions/index.ts";
import { defaultBylaws, fraction } from "../../src/governance/index.ts";
import { eventually, startTestInstance, type TestInstance } from "../support/instance.ts";

// Three instances on loopback: the assembly on A; members on A (alice) and on B
// (bob, erin); a non-member on C (carol). A graduated-consensus proposal runs
// through every stage with the remote members taking part over federation:
// temperature check, objections of both tiers, advocates, a shared grievance,
// an amendment and its vote, the second temperature check, the final vote, the
// contention period, and implementation.

let a: TestInstance;
let b: TestInstance;
let c: TestInstance;
const tokens: Record<string, string> = {};
const uris: Record<string, string> = {};
let proposalId: string;
let proposalUri: string;

async function signIn(inst: TestInstance, handle: string): Promise<string> {
  const res = await fetch(`${inst.origin}/api/folkmoot/v1/sessions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ handle, password: `${handle}-password` }),
  });
  return ((await res.json()) as { token: string }).token;
}

/** A member on B or C acts on A's proposal through their own instance. */
async function remoteAct(inst: TestInstance, who: string, body: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${inst.origin}/api/folkmoot/v1/remote-acts`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${tokens[who]}` },
    body: JSON.stringify({ proposal: proposalUri, ...body }),
  });
  expect(res.status, await res.clone().text()).toBe(202);
}

async function state() {
  const read = await readProposal(a.app, null, "commons", proposalId);
  if (!read.ok) throw new Error(read.error.message);
  return read.value;
}

const waitFor = (label: string, check: (s: Awaited<ReturnType<typeof state>>) => boolean, timeoutMs = 30_000) => eventually(async () => check(await state()), timeoutMs, label);

const ballots = (s: Awaited<ReturnType<typeof state>>, roundKind: string) => {
  const round = s.rounds.filter((r) => r.kind === roundKind).at(-1);
  return round?.voters ?? 0;
};

beforeAll(async () => {
  [a, b, c] = await Promise.all([startTestInstance({ host: "127.0.0.21" }), startTestInstance({ host: "127.0.0.22" }), startTestInstance({ host: "127.0.0.23" })]);
  for (const [inst, handle] of [
    [a, "alice"],
    [b, "bob"],
    [b, "erin"],
    [c, "carol"],
  ] as const) {
    uris[handle] = (await operations["account.create"](inst.app, { handle, password: `${handle}-password` })).id;
    tokens[handle] = await signIn(inst, handle);
  }
  await operations["body.create"](a.app, { handle: "commons", kind: "assembly", name: "Commons Assembly" });
  for (const who of ["alice", "bob", "erin"]) await operations["member.add"](a.app, { body: "commons", member: uris[who]! });
  const founded = await foundBodyRecord(a.app, "commons", {
    bylaws: {
      ...defaultBylaws("assembly"),
      decisionRule: { kind: "graduated-consensus" },
      quorum: { kind: "share", share: fraction(1, 2) },
      deliberationPeriod: "PT1S",
      votingPeriod: "PT8S",
      graduatedConsensus: { objectionPeriod: "PT8S", grievancePeriod: "PT8S", contentionPeriod: "PT4S" },
    },
  });
  expect(founded.ok).toBe(true);
});

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop(), c?.stop()]);
});

// Stage windows are a few seconds long, so allow for a loaded machine overall.
describe("graduated consensus across three instances", { timeout: 300_000 }, () => {
  it("runs through every stage with remote members taking part", async () => {
    const drafted = await draftProposal(a.app, uris.alice!, "commons", { kind: "policy", title: "Repair the footbridge", text: "Replace the rotten planks." });
    if (!drafted.ok) throw new Error(drafted.error.message);
    proposalId = drafted.value.id;
    proposalUri = drafted.value.uri;
    expect((await tableProposal(a.app, uris.alice!, "commons", proposalId)).ok).toBe(true);

    // 1. First temperature check: 1 agree, 2 disagree (33 % < 90 %). Carol, not a member, is refused.
    await waitFor("the first temperature check", (s) => s.view.status === "voting");
    expect((await vote(a.app, uris.alice!, "commons", proposalId, { choice: "agree" })).ok).toBe(true);
    await remoteAct(b, "bob", { act: "vote", choice: "disagree", text: "Too costly as it stands." });
    await remoteAct(b, "erin", { act: "vote", choice: "disagree", text: "Not safe enough." });
    await remoteAct(c, "carol", { act: "vote", choice: "agree" });
    await waitFor("both remote votes", (s) => ballots(s, "temperature-1") === 3);
    await eventually(
      async () => {
        const notes = await c.app.db.selectFrom("objects").select("content").where("attributed_to", "like", `${a.origin}%`).execute();
        return notes.some((o) => /not taken in: you are not a member of @commons/.test(o.content));
      },
      20_000,
      "carol told why her vote did not count",
    );
    // ... and the answer is an in-app notification for her, with the reason and the proposal.
    const carolId = uris.carol!.split("/").at(-1)!;
    const refused = await eventually(async () => (await listNotifications(c.app, carolId)).find((n) => n.kind === "act-refused"), 20_000, "carol's notification");
    expect(refused.proposalUri).toBe(proposalUri);
    expect(refused.detail).toMatch(/not taken in: you are not a member of @commons/);
    expect(refused.actorUri).toMatch(new RegExp(`^${a.origin}/ap/actors/`));

    // 2. Objections: bob's is not a deal-breaker ("cost"); erin's is ("safety").
    await waitFor("objections", (s) => s.view.status === "objections");
    await remoteAct(b, "bob", { act: "objection", category: "cost", dealBreaker: false, text: "New planks cost too much." });
    await remoteAct(b, "erin", { act: "objection", category: "safety", dealBreaker: true, text: "The railing must be replaced too." });
    await waitFor("both objections", (s) => (s.view.graduated?.objections.length ?? 0) === 2);

    // 3. Grievances that are not deal-breakers: an advocate, a shared grievance, an amendment.
    await waitFor("the first grievance tier", (s) => s.view.status === "grievances");
    await remoteAct(b, "bob", { act: "advocate-vote", category: "cost", candidate: uris.bob });
    expect((await recordGrievanceAgreement(a.app, uris.alice!, "commons", proposalId, { category: "cost", shares: true })).ok).toBe(true);
    await remoteAct(b, "bob", { act: "amendment", category: "cost", text: "Use reclaimed planks from the old pier." });
    await waitFor("the amendment", (s) => (s.view.graduated?.amendments.length ?? 0) === 1);

    // 4. The amendment's own vote: accepted by all three.
    await waitFor("amendment voting", (s) => s.view.status === "amendment-voting");
    const amendment = (await state()).view.graduated!.amendments[0]!.id;
    expect((await voteOnAmendment(a.app, uris.alice!, "commons", proposalId, amendment, { choice: "agree" })).ok).toBe(true);
    await remoteAct(b, "bob", { act: "vote", choice: "agree", round: `amendment:${amendment}` });
    await remoteAct(b, "erin", { act: "vote", choice: "agree", round: `amendment:${amendment}` });
    await waitFor("amendment ballots", (s) => ballots(s, "amendment") === 3);

    // 5. Second temperature check: 2 agree, 1 disagree (66 % < 90 %): the deal-breakers are heard.
    await waitFor("the second temperature check", (s) => s.view.status === "voting" && s.rounds.some((r) => r.kind === "temperature-2" && r.open));
    expect((await vote(a.app, uris.alice!, "commons", proposalId, { choice: "agree" })).ok).toBe(true);
    await remoteAct(b, "bob", { act: "vote", choice: "agree", text: "Reclaimed planks settle it for me." });
    await remoteAct(b, "erin", { act: "vote", choice: "disagree" });
    await waitFor("second-check ballots", (s) => ballots(s, "temperature-2") === 3);

    // 6. Deal-breakers: erin elected advocate of "safety"; no amendment, so straight to the final vote.
    await waitFor("the deal-breaker tier", (s) => s.view.status === "grievances" && s.view.graduated?.tier === "deal-breaker");
    await remoteAct(b, "erin", { act: "advocate-vote", category: "safety", candidate: uris.erin });

    // 7. Final vote: 2 of 3 agree (≥ 2/3): passed.
    await waitFor("the final vote", (s) => s.rounds.some((r) => r.kind === "final" && r.open));
    const advocates = (await state()).view.graduated!.categories.map((cat) => [cat.category, cat.advocates]);
    expect(advocates).toEqual(
      expect.arrayContaining([
        ["cost", [uris.bob]],
        ["safety", [uris.erin]],
      ]),
    );
    expect((await vote(a.app, uris.alice!, "commons", proposalId, { choice: "agree" })).ok).toBe(true);
    await remoteAct(b, "bob", { act: "vote", choice: "agree" });
    await remoteAct(b, "erin", { act: "vote", choice: "disagree", text: "Still no railing." });
    await waitFor("final ballots", (s) => ballots(s, "final") === 3);

    // 8. Contention period passes quietly; the decision is carried and goes to implementation.
    await waitFor("contention", (s) => s.view.status === "contention");
    const done = await waitFor("implementation", (s) => s.view.status === "implementing", 40_000).then(state);
    expect(done.outcome).toBe("passed");
    const register = await decisionRegister(a.app, null, "commons");
    expect(register.ok && register.value.map((d) => d.title)).toContain("Repair the footbridge");
    expect(done.view.graduated!.amendments[0]!.outcome).toBe("accepted");

    // Anyone can recompute every round of it from the body's signed record.
    const { runVerify } = await import("../../src/cli/verify-command.ts");
    const verified = await runVerify(proposalUri, { allowPrivateAddress: true });
    expect(verified.checks.filter((c) => !c.ok)).toEqual([]);
    expect(verified.checks.filter((c) => c.name.startsWith("round ")).length).toBeGreaterThanOrEqual(5);
  });

  it("a remote member's block stops consensus, a late vote is refused, and a majority vote without quorum fails", async () => {
    const bylaws = (extra: object) => ({ ...defaultBylaws("assembly"), deliberationPeriod: "PT1S", votingPeriod: "PT6S", ...extra });
    for (const handle of ["greenway", "longmeadow"]) {
      await operations["body.create"](a.app, { handle, kind: "assembly" });
      for (const who of ["alice", "bob", "erin"]) await operations["member.add"](a.app, { body: handle, member: uris[who]! });
    }
    expect((await foundBodyRecord(a.app, "greenway", { bylaws: bylaws({ decisionRule: { kind: "consensus" }, quorum: { kind: "share", share: fraction(1, 2) } }) })).ok).toBe(true);
    expect((await foundBodyRecord(a.app, "longmeadow", { bylaws: bylaws({ decisionRule: { kind: "simple-majority" }, quorum: { kind: "count", count: 3 } }) })).ok).toBe(true);

    const start = async (body: string, title: string) => {
      const d = await draftProposal(a.app, uris.alice!, body, { kind: "policy", title, text: "…" });
      if (!d.ok) throw new Error(d.error.message);
      expect((await tableProposal(a.app, uris.alice!, body, d.value.id)).ok).toBe(true);
      return d.value;
    };
    const read = async (body: string, id: string) => {
      const r = await readProposal(a.app, null, body, id);
      if (!r.ok) throw new Error(r.error.message);
      return r.value;
    };
    const consensus = await start("greenway", "Close the lane to cars");
    const majority = await start("longmeadow", "Plant an orchard");
    await eventually(
      async () => (await read("greenway", consensus.id)).view.status === "voting" && (await read("longmeadow", majority.id)).view.status === "voting",
      20_000,
      "voting",
    );

    // Consensus: two agree on A and B, bob blocks from B.
    expect((await vote(a.app, uris.alice!, "greenway", consensus.id, { choice: "agree" })).ok).toBe(true);
    proposalUri = consensus.uri;
    await remoteAct(b, "erin", { act: "vote", choice: "agree" });
    await remoteAct(b, "bob", { act: "vote", choice: "block", text: "The lane is the only way to the clinic." });
    await eventually(async () => (await read("greenway", consensus.id)).rounds[0]?.voters === 3, 20_000, "three consensus ballots");

    // Majority: only alice votes; the quorum is three.
    expect((await vote(a.app, uris.alice!, "longmeadow", majority.id, { choice: "agree" })).ok).toBe(true);

    const blocked = await eventually(
      async () => {
        const p = await read("greenway", consensus.id);
        return p.outcome ? p : null;
      },
      30_000,
      "the consensus outcome",
    );
    expect(blocked.outcome).toBe("rejected");
    expect(blocked.rounds[0]!.counts).toMatchObject({ agree: 2, block: 1 });
    const noQuorum = await eventually(
      async () => {
        const p = await read("longmeadow", majority.id);
        return p.outcome ? p : null;
      },
      30_000,
      "the majority outcome",
    );
    expect(noQuorum.outcome).toBe("rejected");
    expect(noQuorum.rounds[0]!.outcome).toBe("no-quorum");

    // A vote after the deadline never counts, and the voter is told.
    await remoteAct(b, "erin", { act: "vote", choice: "disagree" });
    await eventually(
      async () =>
        (await b.app.db.selectFrom("objects").select("content").where("attributed_to", "like", `${a.origin}%`).execute()).some((o) =>
          /Close the lane to cars.*closed/.test(o.content),
        ),
      20_000,
      "erin told that voting has closed",
    );
    expect((await read("greenway", consensus.id)).rounds[0]!.counts).toMatchObject({ agree: 2, disagree: 0, block: 1 });
  });
});
