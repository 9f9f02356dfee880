import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { operations } from "../../src/cli/operations.ts";
import { listMembers } from "../../src/community/memberships.ts";
import * as d from "../../src/decisions/index.ts";
import { bodyWithMembers, hourBylaws, pastDeadline, unwrap } from "../decisions/support.ts";
import { startTestInstance, type TestInstance } from "../support/instance.ts";
import { fieldError, signedInAs, WebClient } from "../support/web-client.ts";

// A body from the browser: joining one that admits openly, leaving at any time, what
// waits for my vote, and putting a proposal forward with the fields of its kind.

let a: TestInstance;
let members: string[];

const signedIn = (handle: string) => signedInAs(a.origin, handle);

beforeAll(async () => {
  a = await startTestInstance({ host: "127.0.0.83" });
  members = await bodyWithMembers(a.app, "square", ["ada", "bo"], hourBylaws({ kind: "simple-majority" }, { admission: "open" }));
  await operations["account.create"](a.app, { handle: "cy", password: "cy-password" });
});
afterAll(async () => {
  await a?.stop();
});

const memberHandles = async () => unwrap(await listMembers(a.app, "square")).map((m) => m.handle?.split("@")[0]);

describe("joining and leaving", () => {
  it("joins a body that admits openly, and leaves it at once, both on the record", async () => {
    const cy = await signedIn("cy");
    const page = await cy.get("/@square");
    expect(page.html).toContain("Join this body");
    const joined = await cy.post("/@square/join", {}, { csrfFrom: "/@square" });
    expect(joined.status).toBe(303);
    expect(await memberHandles()).toContain("cy");
    expect((await cy.get("/@square")).html).toContain("Leave this body");

    const left = await cy.post("/@square/leave", {}, { csrfFrom: "/@square" });
    expect(left.status).toBe(303);
    expect(await memberHandles()).not.toContain("cy");
    const square = await a.app.db.selectFrom("actors").select("id").where("handle", "=", "square").executeTakeFirstOrThrow();
    const types = (
      await a.app.db.selectFrom("governance_events").select("type").where("body_id", "=", square.id).where("proposal_id", "is", null).orderBy("position").execute()
    ).map((r) => r.type);
    expect(types.filter((t) => t === "member-joined" || t === "member-left").slice(-2)).toEqual(["member-joined", "member-left"]);
  });
});

describe("my bodies", () => {
  it("lists my bodies and the votes waiting for me, and not those I cast", async () => {
    const p = unwrap(await d.draftProposal(a.app, members[0]!, "square", { kind: "policy", title: "Fix the fountain", text: "It leaks." }));
    unwrap(await d.tableProposal(a.app, members[0]!, "square", p.id));
    await pastDeadline(a.app, unwrap(await d.readProposal(a.app, null, "square", p.id)));
    const bo = await signedIn("bo");
    const mine = await bo.get("/me");
    expect(mine.status).toBe(200);
    expect(mine.html).toContain('href="/@square"');
    expect(mine.html).toContain("Fix the fountain");
    unwrap(await d.vote(a.app, members[1]!, "square", p.id, { choice: "agree" }));
    const after = await bo.get("/me");
    expect(after.html).toContain("No vote is waiting for you.");
  });

  it("sends someone not signed in to the sign-in page and back", async () => {
    const res = await new WebClient(a.origin).get("/me");
    expect(res.status).toBe(303);
    expect(res.location).toBe("/signin?next=%2Fme");
  });
});

describe("putting a proposal forward", () => {
  it("offers the kinds, then the fields of the kind chosen", async () => {
    const ada = await signedIn("ada");
    const kinds = await ada.get("/@square/proposals/new");
    expect(kinds.html).toContain("Elect delegates");
    const delegation = await ada.get("/@square/proposals/new?kind=delegation");
    expect(delegation.html).toContain('name="delegates"');
    expect(delegation.html).toContain('type="date"');
  });

  it("refuses a proposal without a title or with an unknown person, at the field, and records nothing", async () => {
    const ada = await signedIn("ada");
    const before = unwrap(await d.listProposals(a.app, null, "square")).length;
    const noTitle = await ada.post("/@square/proposals/new", { kind: "policy", title: "", text: "x" }, { csrfFrom: "/@square/proposals/new?kind=policy" });
    expect(noTitle.status).toBe(400);
    expect(fieldError(noTitle.html, "title")).toBe("Please give the proposal a title.");
    const nobody = await ada.post("/@square/proposals/new", { kind: "membership", title: "Admit Zed", member: "@zed" }, { csrfFrom: "/@square/proposals/new?kind=membership" });
    expect(nobody.status).toBeGreaterThanOrEqual(400);
    expect(fieldError(nobody.html, "member")).toBeTruthy();
    expect(nobody.html).toContain('value="@zed"');
    const backwards = await ada.post(
      "/@square/proposals/new",
      { kind: "delegation", title: "A secretary", role: "secretary", delegates: "@bo", scope: "minutes", start: "2027-02-01", end: "2027-01-01" },
      { csrfFrom: "/@square/proposals/new?kind=delegation" },
    );
    expect(backwards.status).toBe(400);
    expect(fieldError(backwards.html, "end")).toBe("The end must come after the start.");
    expect(unwrap(await d.listProposals(a.app, null, "square")).length).toBe(before);
  });

  it("puts a decision before the body, and saves a delegation as a draft", async () => {
    const ada = await signedIn("ada");
    const tabled = await ada.post(
      "/@square/proposals/new",
      { kind: "policy", title: "Benches", text: "Two benches.", implementation: "yes", intent: "table" },
      { csrfFrom: "/@square/proposals/new?kind=policy" },
    );
    expect(tabled.status).toBe(303);
    const id = /proposals\/([^?]+)/.exec(tabled.location!)![1]!;
    expect(unwrap(await d.readProposal(a.app, null, "square", id)).view).toMatchObject({ status: "deliberation", title: "Benches", kind: "policy" });

    const draft = await ada.post(
      "/@square/proposals/new",
      {
        kind: "delegation",
        title: "A secretary",
        role: "secretary",
        delegates: "@bo",
        scope: "Keep the minutes",
        instructions: "Publish within a week",
        start: "2027-01-01",
        end: "2027-12-31",
        intent: "draft",
      },
      { csrfFrom: "/@square/proposals/new?kind=delegation" },
    );
    expect(draft.status).toBe(303);
    const did = /proposals\/([^?]+)/.exec(draft.location!)![1]!;
    const view = unwrap(await d.readProposal(a.app, null, "square", did)).view;
    expect(view.status).toBe("draft");
    expect(view.payload).toMatchObject({ role: "secretary", delegates: [members[1]], mandate: { scope: "Keep the minutes", instructions: "Publish within a week" } });
  });

  it("tells a non-member they cannot put proposals forward", async () => {
    const cy = await signedIn("cy");
    expect((await cy.get("/@square/proposals/new")).html).toContain("Only members of this body can put proposals forward.");
    const refused = await cy.post("/@square/proposals/new", { kind: "policy", title: "Mine", text: "" }, { csrfFrom: "/account" });
    expect(refused.status).toBe(403);
  });
});

describe("asking to join a body that admits by decision", () => {
  it("puts a membership proposal before the members, made by the one asking, once", async () => {
    await bodyWithMembers(a.app, "council", ["ada"], hourBylaws({ kind: "simple-majority" }, { admission: "by-decision" }));
    const cy = await signedIn("cy");
    expect((await cy.get("/@council")).html).toContain("Ask to join");
    const asked = await cy.post("/@council/ask-to-join", {}, { csrfFrom: "/@council" });
    expect(asked.status).toBe(303);
    const id = /proposals\/([^?]+)/.exec(asked.location!)![1]!;
    const cyUri = (await a.app.db.selectFrom("actors").select("id").where("handle", "=", "cy").executeTakeFirstOrThrow()).id;
    const view = unwrap(await d.readProposal(a.app, null, "council", id)).view;
    expect(view).toMatchObject({ kind: "membership", status: "deliberation", title: "@cy asks to join" });
    expect(view.author).toBe(view.payload && (view.payload as { member: string }).member);
    expect(view.author).toContain(cyUri);
    const again = await cy.post("/@council/ask-to-join", {}, { csrfFrom: "/@council" });
    expect(again.status).toBe(409);
    expect(again.html).toContain("You have already asked to join");
    // Asking gives no other right: a non-member still cannot put another proposal forward.
    const other = await d.draftProposal(a.app, view.author, "council", { kind: "policy", title: "Mine", text: "" });
    expect(other.ok).toBe(false);
  });
});

describe("electing who carries out a decision", () => {
  it("leads from a carried decision to a delegation naming it, put before the body", async () => {
    const p = unwrap(await d.draftProposal(a.app, members[0]!, "square", { kind: "policy", title: "Paint the benches", text: "Green.", payload: { implementation: true } }));
    unwrap(await d.tableProposal(a.app, members[0]!, "square", p.id));
    await pastDeadline(a.app, unwrap(await d.readProposal(a.app, null, "square", p.id)));
    unwrap(await d.vote(a.app, members[0]!, "square", p.id, { choice: "agree" }));
    await pastDeadline(a.app, unwrap(await d.readProposal(a.app, null, "square", p.id)));
    expect(unwrap(await d.readProposal(a.app, null, "square", p.id)).view.status).toBe("implementing");

    const ada = await signedIn("ada");
    const page = await ada.get(`/@square/proposals/${p.id}`);
    const link = /href="(\/@square\/proposals\/new\?kind=delegation&amp;role=implementation-delegate&amp;implements=[^"]+)"/.exec(page.html)?.[1];
    expect(link).toBeTruthy();
    const form = await ada.get(link!.replaceAll("&amp;", "&"));
    expect(form.html).toMatch(/<option value="implementation-delegate" selected>/);
    expect(form.html).toMatch(new RegExp(`<option value="${p.id}" selected>Paint the benches</option>`));
    const sent = await ada.post(
      "/@square/proposals/new",
      {
        kind: "delegation",
        title: "Who paints",
        role: "implementation-delegate",
        implements: p.id,
        delegates: "@bo",
        scope: "Paint the benches",
        start: "2026-01-01",
        end: "2030-12-31",
        intent: "table",
      },
      { csrf: /name="_csrf" value="([^"]+)"/.exec(form.html)![1]! },
    );
    expect(sent.status).toBe(303);
    const id = /proposals\/([^?]+)/.exec(sent.location!)![1]!;
    const view = unwrap(await d.readProposal(a.app, null, "square", id)).view;
    expect(view).toMatchObject({ kind: "delegation", status: "deliberation" });
    expect((view.payload as { implements: string }).implements).toContain(p.id);
  });
});
