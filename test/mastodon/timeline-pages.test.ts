import { createRestAPIClient } from "masto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as d from "../../src/decisions/index.ts";
import { bodyWithMembers, hourBylaws, pastDeadline, unwrap } from "../decisions/support.ts";
import { startTestInstance, type TestInstance } from "../support/instance.ts";
import { tokenFor as tokenForOrigin } from "./support.ts";

// A home timeline page reads its proposals' bodies and records at once (one statement for
// several bodies): each proposal still shows its own poll, and a vote recorded after the
// page was read (the records cached) shows on the next read.

let a: TestInstance;
const proposals: Record<string, string> = {};
let members: Record<string, string[]>;

const tokenFor = (handle: string) => tokenForOrigin(a.origin, handle);

beforeAll(async () => {
  a = await startTestInstance({ host: "127.0.0.154" });
  members = {};
  for (const body of ["garden", "orchard"]) {
    members[body] = await bodyWithMembers(a.app, body, ["ada", "bo"], hourBylaws({ kind: "simple-majority" }));
    const p = unwrap(await d.draftProposal(a.app, members[body]![0]!, body, { kind: "policy", title: `Plan for the ${body}`, text: "Let us." }));
    unwrap(await d.tableProposal(a.app, members[body]![0]!, body, p.id));
    await pastDeadline(a.app, unwrap(await d.readProposal(a.app, null, body, p.id)));
    proposals[body] = p.id;
  }
});
afterAll(async () => {
  await a?.stop();
});

describe("a home timeline page with proposals of several bodies", () => {
  it("shows each proposal's own poll, and votes recorded after the page was read", async () => {
    const masto = createRestAPIClient({ url: a.origin, accessToken: await tokenFor("bo") });
    for (const acct of ["garden", "orchard"]) await masto.v1.accounts.$select((await masto.v1.accounts.lookup({ acct })).id).follow();
    const polls = async () => new Map((await masto.v1.timelines.home.list()).filter((s) => s.poll).map((s) => [s.poll!.id, s.poll!]));
    const before = await polls();
    expect(before.get(proposals.garden!)).toMatchObject({ votesCount: 0, voted: false });
    expect(before.get(proposals.orchard!)).toMatchObject({ votesCount: 0, voted: false });

    // bo votes on the orchard's proposal; ada on the garden's, through the decisions service.
    const orchard = await masto.v1.polls.$select(proposals.orchard!).fetch();
    await masto.v1.polls.$select(proposals.orchard!).votes.create({ choices: [orchard.options.findIndex((o) => o.title === "Agree")] });
    const garden = unwrap(await d.readProposal(a.app, null, "garden", proposals.garden!));
    unwrap(await d.vote(a.app, members.garden![0]!, "garden", proposals.garden!, { choice: "disagree", round: garden.rounds.find((r) => r.open)!.id }));

    const after = await polls();
    expect(after.get(proposals.orchard!)).toMatchObject({ votesCount: 1, voted: true });
    expect(after.get(proposals.garden!)).toMatchObject({ votesCount: 1, voted: false, ownVotes: [] });
  });
});
