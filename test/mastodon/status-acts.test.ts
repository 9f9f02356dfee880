import { createRestAPIClient } from "masto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as d from "../../src/decisions/index.ts";
import { bodyWithMembers, hourBylaws, pastDeadline, unwrap } from "../decisions/support.ts";
import { startTestInstance, type TestInstance } from "../support/instance.ts";
import { tokenFor } from "./support.ts";

// Acts written in an app, with hashtags (docs/governance.md): a reply to a proposal's
// status with `#agree` and a reason is the member's vote with that reason; a reply whose
// words make no single act is refused with Mastodon's 422 saying why, and nothing is
// posted; `#propose` in a post to a body tables a proposal, and the status is its poll.

let a: TestInstance;
let members: string[];
let proposalId: string;
let ada: string;

const statusOfProposal = async (masto: ReturnType<typeof createRestAPIClient>, id: string) => {
  const home = await masto.v1.timelines.home.list({ limit: 40 });
  return home.find((s) => s.poll?.id === id);
};

beforeAll(async () => {
  a = await startTestInstance({ host: "127.0.0.114" });
  members = await bodyWithMembers(a.app, "garden", ["ada", "bo"], hourBylaws({ kind: "simple-majority" }));
  const p = unwrap(await d.draftProposal(a.app, members[1]!, "garden", { kind: "policy", title: "Plant beans", text: "In the east bed." }));
  unwrap(await d.tableProposal(a.app, members[1]!, "garden", p.id));
  await pastDeadline(a.app, unwrap(await d.readProposal(a.app, null, "garden", p.id)));
  proposalId = p.id;
  ada = await tokenFor(a.origin, "ada");
  const masto = createRestAPIClient({ url: a.origin, accessToken: ada });
  await masto.v1.accounts.$select((await masto.v1.accounts.lookup({ acct: "garden" })).id).follow();
});
afterAll(async () => {
  await a?.stop();
});

describe("acts from an app, by hashtag", () => {
  it("takes a reply `#agree` with a reason as the member's vote with that reason, and keeps the reply in the thread", async () => {
    const masto = createRestAPIClient({ url: a.origin, accessToken: ada });
    const proposal = await statusOfProposal(masto, proposalId);
    expect(proposal).toBeDefined();
    const reply = await masto.v1.statuses.create({ status: "#agree the east bed gets the morning sun", inReplyToId: proposal!.id });
    expect(reply.inReplyToId).toBe(proposal!.id);
    const view = unwrap(await d.readProposal(a.app, null, "garden", proposalId));
    const ballot = JSON.stringify(view);
    expect(ballot).toContain("the east bed gets the morning sun");
    const after = await masto.v1.polls.$select(proposalId).fetch();
    expect(after.votersCount).toBe(1);
    expect(after.voted).toBe(true);
  });

  it("refuses a reply that makes no single act, with 422 and the reason, and posts nothing", async () => {
    const masto = createRestAPIClient({ url: a.origin, accessToken: ada });
    const proposal = await statusOfProposal(masto, proposalId);
    const before = await a.app.db.selectFrom("objects").select("uri").where("content", "like", "%both ways%").execute();
    const res = await fetch(new URL("/api/v1/statuses", a.origin), {
      method: "POST",
      headers: { authorization: `Bearer ${ada}`, "content-type": "application/json" },
      body: JSON.stringify({ status: "#agree #disagree both ways", in_reply_to_id: proposal!.id }),
    });
    expect(res.status).toBe(422);
    expect(((await res.json()) as { error: string }).error).toMatch(/^Validation failed: /);
    const after = await a.app.db.selectFrom("objects").select("uri").where("content", "like", "%both ways%").execute();
    expect(after).toHaveLength(before.length);
  });

  it("leaves a reply without act words as deliberation", async () => {
    const masto = createRestAPIClient({ url: a.origin, accessToken: ada });
    const proposal = await statusOfProposal(masto, proposalId);
    const reply = await masto.v1.statuses.create({ status: "Who has the seeds?", inReplyToId: proposal!.id });
    expect(reply.content).toContain("Who has the seeds?");
    const view = unwrap(await d.readProposal(a.app, null, "garden", proposalId));
    expect(JSON.stringify(view)).not.toContain("Who has the seeds?");
  });

  it("tables a proposal from `#propose` in a post to the body; the status is the proposal's", async () => {
    const masto = createRestAPIClient({ url: a.origin, accessToken: ada });
    const s = await masto.v1.statuses.create({ status: "@garden #propose Water at dawn\nLess evaporation in the morning." });
    expect(s.account.username).toBe("garden");
    expect(s.content).toContain("Water at dawn");
    const listed = unwrap(await d.listProposals(a.app, null, "garden"));
    const made = listed.find((p) => p.title === "Water at dawn");
    expect(made?.status).toBe("deliberation");
    expect(s.uri).toBe(made?.uri);
  });
});
