import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listReferrals } from "../../src/decisions/confederation/members.ts";
import { runDueDeadlines } from "../../src/decisions/index.ts";
import { confederationBylaws, createBody, createPeople, decide, ForwardClock, membersOf, ratify, type People } from "../support/confederation.ts";
import { eventually, startTestInstance, type TestInstance } from "../support/instance.ts";

// A confederation read from a browser: its member bodies with their weights; a referral
// with every member body's verdict linked to the signed verdict, the tally under the rule,
// who ratified and who is bound; a member body's own ratification proposals. Two
// instances: the assemblies on one, the confederation on the other.

let a: TestInstance;
let b: TestInstance;
let pa: People;
const clock = new ForwardClock();
const bodies: Record<string, string> = {};
let referral: string;
let oakRatification: string;

async function page(origin: string, path: string) {
  const res = await fetch(new URL(path, origin), { headers: { accept: "text/html" } });
  expect(res.status, `${origin}${path}`).toBe(200);
  expect(res.headers.get("content-type"), path).toMatch(/^text\/html/);
  return res.text();
}

beforeAll(async () => {
  [a, b] = await Promise.all([startTestInstance({ host: "127.0.0.93" }), startTestInstance({ host: "127.0.0.94" })]);
  pa = await createPeople(a, ["ann", "ben", "cal", "dee", "eve"]);
  bodies.oak = await createBody(a, { handle: "oak", kind: "assembly", name: "Oak Street Assembly", members: ["ann", "ben", "cal"] });
  bodies.elm = await createBody(a, { handle: "elm", kind: "assembly", name: "Elm Row Assembly", members: ["dee", "eve"] });
  bodies.valley = await createBody(b, { handle: "valley", kind: "confederation", name: "Valley Council", bylaws: confederationBylaws({ kind: "majority" }) });
  const join = (body: string, author: string, voters: string[]) =>
    decide(a, clock, {
      body,
      author,
      kind: "join",
      title: `${body} joins the valley council`,
      payload: { confederation: bodies.valley },
      votes: Object.fromEntries(voters.map((v) => [v, "agree"])),
    });
  const joined = await Promise.all([join("oak", pa.ann!, [pa.ann!, pa.ben!]), join("elm", pa.dee!, [pa.dee!, pa.eve!])]);
  expect(joined.map((j) => j.outcome)).toEqual(["passed", "passed"]);
  await eventually(async () => ((await membersOf(b, "valley")).length === 2 ? true : null), 20_000, "two member bodies");
  const tabled = await decide(a, clock, {
    body: "oak",
    author: pa.ann!,
    kind: "confederal",
    title: "Oak asks the council for a shared tool library",
    payload: { confederation: bodies.valley, title: "A shared tool library", text: "Each assembly hosts one shelf." },
    votes: { [pa.ann!]: "agree", [pa.ben!]: "agree" },
  });
  expect(tabled.outcome).toBe("passed");
  referral = (await eventually(async () => (await listReferrals(b.app, bodies.valley!.split("/").at(-1)!))[0], 20_000, "the referral opens")).uri;
  const [oak, elm] = await Promise.all([
    ratify(a, "oak", referral, { [pa.ann!]: "agree", [pa.ben!]: "agree", [pa.cal!]: "agree" }),
    ratify(a, "elm", referral, { [pa.dee!]: "disagree", [pa.eve!]: "disagree" }),
  ]);
  expect([oak.outcome, elm.outcome]).toEqual(["passed", "rejected"]);
  oakRatification = oak.id;
  await eventually(
    async () => {
      const rows = await b.app.db.selectFrom("governance_events").select("event").where("type", "=", "verdict-received").execute();
      return rows.length === 2 ? rows : null;
    },
    20_000,
    "two verdicts",
  );
  // Close the referral at its deadline without waiting for it.
  const deadline = (await listReferrals(b.app, bodies.valley!.split("/").at(-1)!))[0]!.deadline;
  await runDueDeadlines(b.app, new Date(Math.max(Date.now(), deadline.getTime()) + 1_000));
}, 120_000);

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
});

describe("a confederation's pages", () => {
  it("the confederation's page lists its member bodies with their weights and its referrals; every link leads to a page", async () => {
    const html = await page(b.origin, "/@valley");
    const members = html.slice(html.indexOf('id="member-bodies"'), html.indexOf('id="referrals"'));
    expect(members).toContain("@oak@");
    expect(members).toContain("@elm@");
    expect(members).toContain("weight 3");
    expect(members).toContain("weight 2");
    expect(members).toContain(`href="${a.origin}/@oak"`);
    const id = referral.split("/").at(-1)!;
    expect(html).toContain(`href="/@valley/referrals/${id}"`);
    const main = html.slice(html.indexOf("<main"));
    for (const [, href] of main.matchAll(/href="([^"#]+)"/g)) await page(b.origin, href!.replaceAll("&amp;", "&"));
  });

  it("a referral shows every body's verdict, linked to its signed verdict, the tally, who ratified and who is bound", async () => {
    const id = referral.split("/").at(-1)!;
    const html = await page(b.origin, `/@valley/referrals/${id}`);
    expect(html).toContain("A shared tool library");
    expect(html).toContain("a majority of the member bodies");
    const verdicts = html.slice(html.indexOf('id="verdicts"'), html.indexOf('id="tally"'));
    expect(verdicts).toMatch(/@oak@[\s\S]*ratify/);
    expect(verdicts).toMatch(/@elm@[\s\S]*reject/);
    const links = [...verdicts.matchAll(/<a href="([^"]+)" class="signed-verdict">/g)].map((m) => m[1]!);
    expect(links).toHaveLength(2);
    expect(links).toContain(`${a.origin}/ap/proposals/${oakRatification}/verdict`);
    // A browser following a verdict's link sees the page of the decision that gave it, with the signed verdict.
    for (const link of links) expect(await page(b.origin, link)).toContain("Verdict of this body");
    const tally = html.slice(html.indexOf('id="tally"'));
    expect(tally).toMatch(/Ratified by<\/dt><dd>[\s\S]*@oak@/);
    expect(tally).toMatch(/Rejected by<\/dt><dd>[\s\S]*@elm@/);
    expect(tally).toContain("Bound by it");
    // The signed referral is shown, and its address sends a browser to this page.
    expect(html).toContain("eddsa-jcs-2022");
    const res = await fetch(referral, { headers: { accept: "text/html" }, redirect: "manual" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`/@valley/referrals/${id}`);
  });

  it("a member body's page names its confederation and lists its own ratification proposals", async () => {
    const html = await page(a.origin, "/@oak");
    const section = html.slice(html.indexOf('id="confederations"'), html.indexOf('id="record"'));
    expect(section).toContain(`href="${b.origin}/@valley"`);
    expect(section).toContain(`href="/@oak/proposals/${oakRatification}"`);
    const ratification = await page(a.origin, `/@oak/proposals/${oakRatification}`);
    expect(ratification).toContain(`Referred by the confederation @valley@${new URL(b.origin).host}`);
    expect(ratification.slice(ratification.indexOf('id="text"'), ratification.indexOf('id="ratification"'))).not.toContain("/ap/");
    expect(ratification).toContain("Verdict of this body");
    expect(ratification).toMatch(/<strong>ratify<\/strong>/);
    expect(ratification).toContain(`href="${referral}"`);
  });
});
