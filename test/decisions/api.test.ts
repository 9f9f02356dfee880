import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { operations } from "../../src/cli/operations.ts";
import { runDueDeadlines } from "../../src/decisions/index.ts";
import { startTestInstance, type TestInstance } from "../support/instance.ts";

let a: TestInstance;
let api: string;
const tokens: Record<string, string> = {};
const people = ["carol", "dan", "erin", "fay", "gus"] as const;

async function call(method: string, path: string, body?: unknown, as: string | null = "carol") {
  const auth = as ? tokens[as] : undefined;
  const res = await fetch(`${api}${path}`, {
    method,
    headers: { ...(body !== undefined ? { "content-type": "application/json" } : {}), ...(auth ? { authorization: `Bearer ${auth}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as any) : null };
}

/** Moves the instance's record one second past the proposal's next deadline. */
async function pastDeadline(id: string) {
  const state = await call("GET", `/proposals/${id}`);
  expect(state.body.nextDeadline).toBeTruthy();
  await runDueDeadlines(a.app, new Date(Date.parse(state.body.nextDeadline) + 1000));
  return (await call("GET", `/proposals/${id}`)).body;
}

async function page(path: string) {
  const res = await fetch(`${a.origin}${path}`);
  return { status: res.status, type: res.headers.get("content-type"), html: await res.text() };
}

beforeAll(async () => {
  a = await startTestInstance({ host: "127.0.0.22" });
  api = `${a.origin}/api/folkmoot/v1`;
  for (const p of [...people, "hal"]) {
    await operations["account.create"](a.app, { handle: p, password: `${p}-password` });
    tokens[p] = (await call("POST", "/sessions", { handle: p, password: `${p}-password` }, null)).body.token;
  }
  expect((await call("POST", "/bodies", { handle: "commons", kind: "assembly", name: "The Commons" })).status).toBe(201);
  for (const p of people.slice(1)) expect((await call("POST", "/bodies/commons/members", undefined, p)).status).toBe(201);
});

afterAll(async () => {
  await a?.stop();
});

describe("a graduated-consensus proposal through the API", () => {
  let id = "";
  let uri = "";
  const title = `Fix the <b>roof</b> & gutters`;

  it("drafts with a stronger rule than the bylaws, answering 400, 401 and 403 as it should", async () => {
    const bad = await call("POST", "/bodies/commons/proposals", { kind: "decree", title: "", text: "x", extra: 1 });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.fields).sort()).toEqual(["extra", "kind", "title"]);
    expect((await call("POST", "/bodies/commons/proposals", { kind: "policy", title: "t", text: "" }, null)).status).toBe(401);
    const outsider = await call("POST", "/bodies/commons/proposals", { kind: "policy", title: "t", text: "" }, "hal");
    expect(outsider.status).toBe(403);
    expect(outsider.body.message).toMatch(/not a member/);
    const period = await call("POST", "/bodies/commons/proposals", { kind: "policy", title: "t", text: "", votingPeriod: "P1D" });
    expect(period.status).toBe(400);
    expect(period.body.message).toMatch(/shorter than/);
    expect((await call("POST", "/bodies/nowhere/proposals", { kind: "policy", title: "t", text: "" })).status).toBe(404);

    const res = await call("POST", "/bodies/commons/proposals", {
      kind: "policy",
      title,
      text: "Before winter.\n\nQuotes from two roofers.",
      rule: { kind: "graduated-consensus" },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ ruleDescription: "graduated consensus", view: { status: "draft", title } });
    id = res.body.id;
    uri = res.body.uri;
    expect(uri).toBe(`${a.origin}/ap/proposals/${id}`);
    const list = await call("GET", "/bodies/commons/proposals", undefined, null);
    expect(list.body.map((p: { id: string }) => p.id)).toEqual([id]);
    expect(list.body[0]).toMatchObject({ status: "draft", rule: { kind: "graduated-consensus" } });
  });

  it("tables it (its author only), refuses early voting, and takes replies as deliberation", async () => {
    expect((await call("POST", `/proposals/${id}/table`, undefined, "dan")).status).toBe(403);
    const tabled = await call("POST", `/proposals/${id}/table`);
    expect(tabled.status).toBe(200);
    expect(tabled.body.view.status).toBe("deliberation");
    const early = await call("POST", `/proposals/${id}/open-voting`, undefined, "dan");
    expect(early.status).toBe(409);
    expect(early.body.message).toMatch(/deliberation runs until/);
    const reply = await call("POST", "/bodies/commons/posts", { text: "Which roofer <i>exactly</i>?", inReplyTo: uri }, "erin");
    expect(reply.status).toBe(201);
  });

  it("runs the first temperature check and the objections", async () => {
    expect((await pastDeadline(id)).view.status).toBe("voting");
    for (const p of ["carol", "dan", "erin"]) expect((await call("POST", `/proposals/${id}/votes`, { choice: "agree" }, p)).status).toBe(201);
    for (const p of ["fay", "gus"]) expect((await call("POST", `/proposals/${id}/votes`, { choice: "disagree", reason: "not now" }, p)).status).toBe(201);
    const block = await call("POST", `/proposals/${id}/votes`, { choice: "block" }, "dan");
    expect(block.status).toBe(400);
    expect(block.body.fields).toHaveProperty("choice");
    const hal = await call("POST", `/proposals/${id}/votes`, { choice: "agree" }, "hal");
    expect(hal.status).toBe(403);
    expect(hal.body.message).toMatch(/roll/);
    const again = await call("POST", `/proposals/${id}/votes`, { choice: "agree" }, "carol");
    expect(again.status).toBe(409);

    expect((await pastDeadline(id)).view.status).toBe("objections");
    expect((await call("POST", `/proposals/${id}/objections`, { category: "noise", dealBreaker: false }, "carol")).status).toBe(403);
    expect((await call("POST", `/proposals/${id}/objections`, { category: "noise", dealBreaker: false, text: "scaffolding at night" }, "fay")).status).toBe(201);
    expect((await call("POST", `/proposals/${id}/objections`, { category: "cost", dealBreaker: true }, "gus")).status).toBe(201);
  });

  it("hears grievances, elects advocates, votes on amendments, then the second check and the final vote", async () => {
    expect((await pastDeadline(id)).view).toMatchObject({ status: "grievances", graduated: { tier: "minor" } });
    expect((await call("POST", `/proposals/${id}/advocates`, { category: "noise", candidate: "fay" }, "fay")).status).toBe(201);
    expect((await call("POST", `/proposals/${id}/grievances`, { category: "noise", shares: true }, "erin")).status).toBe(201);
    const unknown = await call("POST", `/proposals/${id}/grievances`, { category: "colour", shares: true }, "erin");
    expect(unknown.status).toBe(400);
    expect(unknown.body.fields).toHaveProperty("category");
    const amendment = await call("POST", `/proposals/${id}/amendments`, { text: "Work only in daytime." }, "fay");
    expect(amendment.status).toBe(201);
    const aid = amendment.body.amendment as string;

    expect((await pastDeadline(id)).view.status).toBe("amendment-voting");
    for (const p of ["carol", "dan", "erin", "fay"]) expect((await call("POST", `/proposals/${id}/amendments/${aid}/votes`, { choice: "agree" }, p)).status).toBe(201);
    expect((await call("POST", `/proposals/${id}/amendments/nosuch/votes`, { choice: "agree" }, "gus")).status).toBe(404);

    const second = await pastDeadline(id);
    expect(second.view.graduated.amendments[0]).toMatchObject({ id: aid, outcome: "accepted" });
    expect(second.rounds.at(-1)).toMatchObject({ id: "temperature-2", open: true });
    for (const p of ["carol", "dan", "erin", "fay"]) expect((await call("POST", `/proposals/${id}/votes`, { choice: "agree" }, p)).status).toBe(201);
    expect((await call("POST", `/proposals/${id}/votes`, { choice: "disagree" }, "gus")).status).toBe(201);

    expect((await pastDeadline(id)).view).toMatchObject({ status: "grievances", graduated: { tier: "deal-breaker" } });
    expect((await call("POST", `/proposals/${id}/advocates`, { category: "cost", candidate: "gus" }, "gus")).status).toBe(201);
    const final = await pastDeadline(id);
    expect(final.rounds.at(-1)).toMatchObject({ id: "final", open: true });
    for (const p of ["carol", "dan", "erin", "fay"]) expect((await call("POST", `/proposals/${id}/votes`, { choice: "agree" }, p)).status).toBe(201);
    expect((await call("POST", `/proposals/${id}/votes`, { choice: "disagree" }, "gus")).status).toBe(201);

    const contention = await pastDeadline(id);
    expect(contention.view).toMatchObject({ status: "contention", decision: { outcome: "passed", round: "final" } });
  });

  it("carries it, elects implementation delegates, and records the work done", async () => {
    expect((await pastDeadline(id)).view.status).toBe("implementing");
    const late = await call("POST", `/proposals/${id}/votes`, { choice: "disagree" }, "dan");
    expect(late.status).toBe(409);
    // No member records implementation delegates: the old path says how the body elects them.
    const direct = await call("POST", `/proposals/${id}/implementation-delegates`, { delegates: ["dan", "erin"], mandate: "Hire the cheaper roofer; daytime work only." });
    expect(direct.status).toBe(403);
    expect(direct.body.message).toMatch(/delegation proposal with role implementation-delegate/);
    expect(direct.body.message).toContain(`"implements": "${id}"`);
    expect((await call("GET", `/proposals/${id}`)).body.view.implementation).toBeNull();

    // The body elects them: a delegation naming the decision it implements, tabled, voted, carried.
    const payload = {
      role: "implementation-delegate",
      delegates: ["dan", "erin"],
      mandate: { scope: "Hire the cheaper roofer.", instructions: "Daytime work only." },
      start: "2026-01-01T00:00:00Z",
      end: "2099-01-01T00:00:00Z",
    };
    const unnamed = await call("POST", "/bodies/commons/proposals", { kind: "delegation", title: "Roofers", text: "", payload });
    expect(unnamed.status).toBe(400);
    expect(unnamed.body.fields).toHaveProperty(["payload.implements"]);
    const drafted = await call("POST", "/bodies/commons/proposals", {
      kind: "delegation",
      title: "Roofers",
      text: "Dan and Erin see to the roof.",
      payload: { ...payload, implements: id },
    });
    expect(drafted.status).toBe(201);
    const delegation = drafted.body.id as string;
    expect((await call("POST", `/proposals/${delegation}/table`)).status).toBe(200);
    expect((await pastDeadline(delegation)).view.status).toBe("voting");
    for (const p of ["carol", "dan", "erin"]) expect((await call("POST", `/proposals/${delegation}/votes`, { choice: "agree" }, p)).status).toBe(201);
    expect((await pastDeadline(delegation)).view).toMatchObject({ status: "passed", decision: { outcome: "passed" } });
    const elected = (await call("GET", `/proposals/${id}`)).body;
    expect(elected.view.implementation.delegates).toHaveLength(2);
    expect(elected.view.implementation).toMatchObject({
      mandate: "Hire the cheaper roofer.\n\nDaytime work only.",
      decision: drafted.body.uri,
    });
    expect((await call("POST", `/proposals/${id}/implementation-complete`, {}, "carol")).status).toBe(403);
    const done = await call("POST", `/proposals/${id}/implementation-complete`, { report: "Roof fixed." }, "dan");
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ outcome: "passed", view: { status: "done" } });

    const history = await call("GET", `/proposals/${id}/history`, undefined, null);
    expect(history.status).toBe(200);
    expect(history.body[0]).toMatchObject({ position: 0, type: "proposal-drafted" });
    expect(history.body.at(-1)).toMatchObject({ type: "implementation-completed", event: { report: "Roof fixed." } });

    const register = await call("GET", "/bodies/commons/decisions", undefined, null);
    expect(register.status).toBe(200);
    expect(register.body.map((r: { id: string }) => r.id)).toEqual([delegation, id]);
    expect(register.body[1]).toMatchObject({ id, title, outcome: "passed", amendments: ["Work only in daytime."], ruleDescription: "graduated consensus" });
    expect(register.body[1].rounds.find((r: { id: string }) => r.id === "final")).toMatchObject({ counts: { agree: 4, disagree: 1 }, outcome: "passed" });
  });

  it("serves the proposal page and the decision register as escaped HTML, linked from the body", async () => {
    const proposal = await page(`/@commons/proposals/${id}`);
    expect(proposal.status).toBe(200);
    expect(proposal.type).toMatch(/text\/html/);
    expect(proposal.html).toContain("Fix the &lt;b&gt;roof&lt;/b&gt; &amp; gutters");
    expect(proposal.html).not.toContain("<b>roof</b>");
    expect(proposal.html).toContain("Which roofer &lt;i&gt;exactly&lt;/i&gt;?");
    for (const part of [
      "graduated consensus",
      "first temperature check",
      "final vote",
      "noise",
      "Work only in daytime.",
      "Implementation",
      "reported a decision implemented",
      "@fay",
    ]) {
      expect(proposal.html).toContain(part);
    }
    const register = await page("/@commons/decisions");
    expect(register.status).toBe(200);
    expect(register.html).toContain("Fix the &lt;b&gt;roof&lt;/b&gt; &amp; gutters");
    expect(register.html).toContain("agree 4, disagree 1");
    const list = await page("/@commons/proposals");
    expect(list.html).toContain(`/@commons/proposals/${id}`);
    const profile = await page("/@commons");
    expect(profile.html).toContain(`href="/@commons/decisions"`);
    expect((await page("/@commons/proposals/nosuch")).status).toBe(404);
    expect((await page("/@nobody/decisions")).status).toBe(404);
  });
});

describe("errors and documentation", () => {
  it("answers 404 for unknown proposals and 401 for writes without a token", async () => {
    expect((await call("GET", "/proposals/doesnotexist")).status).toBe(404);
    expect((await call("GET", "/proposals/BAD!")).status).toBe(400);
    expect((await call("POST", "/proposals/doesnotexist/votes", { choice: "agree" })).status).toBe(404);
    expect((await call("POST", "/proposals/doesnotexist/votes", { choice: "agree" }, null)).status).toBe(401);
  });

  it("a withdrawn proposal is not a decision; the bylaws are readable", async () => {
    const draft = await call("POST", "/bodies/commons/proposals", { kind: "policy", title: "Never mind", text: "" }, "dan");
    expect((await call("POST", `/proposals/${draft.body.id}/withdraw`, { reason: "later" }, "carol")).status).toBe(403);
    const withdrawn = await call("POST", `/proposals/${draft.body.id}/withdraw`, { reason: "later" }, "dan");
    expect(withdrawn.body).toMatchObject({ outcome: "withdrawn", view: { withdrawal: { reason: "later" } } });
    // The roof and the delegation that elected its implementers; not the withdrawn one.
    expect((await call("GET", "/bodies/commons/decisions")).body).toHaveLength(2);
    const bylaws = await call("GET", "/bodies/commons/bylaws", undefined, null);
    expect(bylaws.body).toMatchObject({ version: 1, bylaws: { decisionRule: { kind: "simple-majority" }, admission: "open" } });
    expect(bylaws.body.members).toHaveLength(5);
  });

  it("documents every decision endpoint in OpenAPI", async () => {
    const doc = (await (await fetch(`${a.origin}/api/folkmoot/openapi.json`)).json()) as { paths: Record<string, unknown> };
    for (const path of [
      "/bodies/{handle}/proposals",
      "/bodies/{handle}/decisions",
      "/proposals/{id}",
      "/proposals/{id}/history",
      "/proposals/{id}/table",
      "/proposals/{id}/open-voting",
      "/proposals/{id}/withdraw",
      "/proposals/{id}/votes",
      "/proposals/{id}/objections",
      "/proposals/{id}/advocates",
      "/proposals/{id}/grievances",
      "/proposals/{id}/amendments",
      "/proposals/{id}/amendments/{aid}/votes",
      "/proposals/{id}/implementation-delegates",
      "/proposals/{id}/implementation-complete",
    ]) {
      expect(Object.keys(doc.paths)).toContain(`/api/folkmoot/v1${path}`);
    }
    // The old one-member route is kept only to say how the body elects implementation delegates.
    const gone = (doc.paths["/api/folkmoot/v1/proposals/{id}/implementation-delegates"] as { post: { deprecated?: boolean; summary: string; responses: object } }).post;
    expect(gone.deprecated).toBe(true);
    expect(gone.summary).toMatch(/delegation proposal/);
    expect(Object.keys(gone.responses)).not.toContain("201");
  });
});
