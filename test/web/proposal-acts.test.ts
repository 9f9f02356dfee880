import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { operations } from "../../src/cli/operations.ts";
import { getThread } from "../../src/community/posts.ts";
import * as d from "../../src/decisions/index.ts";
import { bodyWithMembers, hourBylaws, pastDeadline, unwrap } from "../decisions/support.ts";
import { startTestInstance, type TestInstance } from "../support/instance.ts";
import { fieldError, signedInAs, WebClient } from "../support/web-client.ts";

// Taking part from the browser: the forms on a proposal's page table, reply, vote (and
// change the vote), object; refusals come back at the field and record nothing.

let a: TestInstance;
let members: string[];
let river: string[];

const signedIn = (handle: string) => signedInAs(a.origin, handle);

beforeAll(async () => {
  a = await startTestInstance({ host: "127.0.0.82" });
  members = await bodyWithMembers(a.app, "garden", ["ada", "bo", "cy"], hourBylaws({ kind: "simple-majority" }));
  river = await bodyWithMembers(a.app, "river", ["ada", "bo"], hourBylaws({ kind: "graduated-consensus" }, { quorum: { kind: "count", count: 2 } }));
  await operations["account.create"](a.app, { handle: "dee", password: "dee-password" });
});
afterAll(async () => {
  await a?.stop();
});

describe("a simple-majority proposal from the browser", () => {
  it("is tabled by its author, discussed, voted on with a reason, and the vote changed", async () => {
    const draft = unwrap(await d.draftProposal(a.app, members[0]!, "garden", { kind: "policy", title: "Plant apple trees", text: "Three trees by the gate." }));
    const page = `/@garden/proposals/${draft.id}`;

    const anonymous = await new WebClient(a.origin).get(page);
    expect(anonymous.html).toContain("Sign in to take part.");

    const ada = await signedIn("ada");
    const bo = await signedIn("bo");
    expect((await bo.get(page)).html).not.toContain("Put it before the body");
    const tabled = await ada.post(`${page}/table`, {}, { csrfFrom: page });
    expect(tabled.status).toBe(303);
    expect(tabled.location).toBe(`${page}?done=acted#take-part`);
    expect((await ada.get(tabled.location!)).html).toContain("Done. It is on the record.");

    const empty = await bo.post(`${page}/reply`, { text: "" }, { csrfFrom: page });
    expect(empty.status).toBe(400);
    expect(fieldError(empty.html, "text")).toBe("Please write your reply.");
    const replied = await bo.post(`${page}/reply`, { text: "Which kind of apples?" }, { csrfFrom: page });
    expect(replied.status).toBe(303);
    const thread = unwrap(await getThread(a.app, draft.uri));
    expect(thread.replies.map((r) => r.content)).toEqual(["<p>Which kind of apples?</p>"]);
    // A reply to a reply, from the form under it, nests in the thread.
    const withReply = await ada.get(page);
    expect(withReply.html).toContain("Reply to this");
    const nested = await ada.post(`${page}/reply`, { text: "Cox and Bramley", inReplyTo: thread.replies[0]!.uri }, { csrfFrom: page });
    expect(nested.status).toBe(303);
    const after2 = unwrap(await getThread(a.app, draft.uri));
    expect(after2.replies[0]!.replies.map((r) => r.content)).toEqual(["<p>Cox and Bramley</p>"]);
    // A reply claiming to answer a post outside the thread goes to the proposal itself.
    expect((await ada.post(`${page}/reply`, { text: "Elsewhere", inReplyTo: "https://elsewhere.example/notes/1" }, { csrfFrom: page })).status).toBe(303);
    expect(unwrap(await getThread(a.app, draft.uri)).replies.map((r) => r.content)).toContain("<p>Elsewhere</p>");

    await pastDeadline(a.app, unwrap(await d.readProposal(a.app, null, "garden", draft.id)));
    const voting = await bo.get(page);
    expect(voting.html).toContain("Your vote");
    expect(voting.html).toMatch(/name="choice" value="agree"/);
    expect(voting.html).not.toMatch(/value="block"/);

    const noChoice = await bo.post(`${page}/vote`, { round: "main", reason: "" }, { csrfFrom: page });
    expect(noChoice.status).toBe(400);
    expect(fieldError(noChoice.html, "choice")).toBe("Please choose one of the options.");
    expect(unwrap(await d.readProposal(a.app, null, "garden", draft.id)).rounds[0]!.voters).toBe(0);

    const voted = await bo.post(`${page}/vote`, { round: "main", choice: "agree", reason: "Good for the bees" }, { csrfFrom: page });
    expect(voted.status).toBe(303);
    const after = await bo.get(`${page}?done=voted`);
    expect(after.html).toContain("Your vote is counted.");
    expect(after.html).toContain("You voted: Agree.");
    expect(after.html).toContain("Good for the bees");
    expect(after.html).toContain("Change my vote");

    expect((await bo.post(`${page}/vote`, { round: "main", choice: "disagree" }, { csrfFrom: page })).status).toBe(303);
    const detail = unwrap(await d.readProposal(a.app, null, "garden", draft.id));
    expect(detail.rounds[0]).toMatchObject({ voters: 1, counts: { agree: 0, disagree: 1 } });
  });

  it("tells a non-member they cannot take part, and refuses their vote with the reason", async () => {
    const p = unwrap(await d.draftProposal(a.app, members[0]!, "garden", { kind: "policy", title: "A bench", text: "By the pond." }));
    unwrap(await d.tableProposal(a.app, members[0]!, "garden", p.id));
    await pastDeadline(a.app, unwrap(await d.readProposal(a.app, null, "garden", p.id)));
    const page = `/@garden/proposals/${p.id}`;
    const dee = await signedIn("dee");
    expect((await dee.get(page)).html).toContain("Only members of this body take part in its decisions.");
    const refused = await dee.post(`${page}/vote`, { round: "main", choice: "agree" }, { csrfFrom: "/account" });
    expect(refused.status).toBe(403);
    expect(refused.html).toMatch(/You are not on this proposal(&#39;|')s roll/);
    expect(unwrap(await d.readProposal(a.app, null, "garden", p.id)).rounds[0]!.voters).toBe(0);
  });

  it("refuses a vote without the form's CSRF token", async () => {
    const p = unwrap(await d.draftProposal(a.app, members[0]!, "garden", { kind: "policy", title: "Lights", text: "On the path." }));
    const ada = await signedIn("ada");
    const res = await ada.post(`/@garden/proposals/${p.id}/table`, {}, { csrf: null });
    expect(res.status).toBe(403);
    expect(unwrap(await d.readProposal(a.app, null, "garden", p.id)).view.status).toBe("draft");
  });
});

describe("graduated consensus from the browser", () => {
  it("lets one who voted against name a category and say it is a deal-breaker", async () => {
    const [ada, bo] = await Promise.all([signedIn("ada"), signedIn("bo")]);
    const p = unwrap(await d.draftProposal(a.app, river[0]!, "river", { kind: "policy", title: "A boat house", text: "Wooden." }));
    unwrap(await d.tableProposal(a.app, river[0]!, "river", p.id));
    await pastDeadline(a.app, unwrap(await d.readProposal(a.app, null, "river", p.id)));
    const page = `/@river/proposals/${p.id}`;
    expect((await ada.get(page)).html).toContain("First temperature check");
    expect((await ada.post(`${page}/vote`, { round: "temperature-1", choice: "agree" }, { csrfFrom: page })).status).toBe(303);
    expect((await bo.post(`${page}/vote`, { round: "temperature-1", choice: "disagree" }, { csrfFrom: page })).status).toBe(303);
    await pastDeadline(a.app, unwrap(await d.readProposal(a.app, null, "river", p.id)));

    const form = await bo.get(page);
    expect(form.html).toContain("Say what your objection is about");
    const missing = await bo.post(`${page}/objection`, { category: "cost" }, { csrfFrom: page });
    expect(missing.status).toBe(400);
    expect(fieldError(missing.html, "dealBreaker")).toBe("Please say whether it is a deal-breaker.");
    expect(missing.html).toContain('value="cost"');

    const ok = await bo.post(`${page}/objection`, { category: "cost", dealBreaker: "yes", text: "Too dear for us" }, { csrfFrom: page });
    expect(ok.status).toBe(303);
    const detail = unwrap(await d.readProposal(a.app, null, "river", p.id));
    expect(detail.view.graduated?.objections).toEqual([expect.objectContaining({ category: "cost", dealBreaker: true, text: "Too dear for us" })]);

    const refused = await ada.post(`${page}/objection`, { category: "cost", dealBreaker: "no" }, { csrfFrom: page });
    expect(refused.status).toBe(403);
    // The rules' refusal, in the members' words from the catalogue (not the core's, with addresses).
    expect(fieldError(refused.html, "category")).toMatch(/^Only those who voted against in the first temperature check may object/);
    expect(refused.html).not.toContain(river[0]!);
  });
});
