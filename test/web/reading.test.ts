import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { operations } from "../../src/cli/operations.ts";
import { draftProposal, foundBodyRecord, readProposal, runDueDeadlines, tableProposal, vote } from "../../src/decisions/index.ts";
import { mandateUrl } from "../../src/federation/mandates.ts";
import { defaultBylaws } from "../../src/governance/index.ts";
import { AP_JSON, startTestInstance, type TestInstance } from "../support/instance.ts";
import { WebClient } from "../support/web-client.ts";

// Reading a body from a browser: its public record as readable entries with working
// links, delegates with their mandates and status, a recall that says whose mandate it
// revoked, and the signed mandate's page.

let a: TestInstance;
const uris: Record<string, string> = {};
let clock = Date.now();
const base = Date.now();
const day = (n: number) => new Date(base + n * 86_400_000).toISOString();

/** A proposal carried in riverside without waiting: deadlines are moved on with a forward clock. */
async function decide(kind: "delegation" | "recall" | "policy", title: string, payload?: unknown) {
  const drafted = await draftProposal(a.app, uris.alice!, "riverside", { kind, title, text: `${title}.`, ...(payload === undefined ? {} : { payload }) });
  if (!drafted.ok) throw new Error(drafted.error.message);
  const id = drafted.value.id;
  const tabled = await tableProposal(a.app, uris.alice!, "riverside", id);
  if (!tabled.ok) throw new Error(`table: ${tabled.error.message}`);
  clock = Math.max(clock, Date.now());
  await runDueDeadlines(a.app, new Date((clock += 5_000)));
  for (const who of ["alice", "carol"]) {
    const v = await vote(a.app, uris[who]!, "riverside", id, { choice: "agree" });
    if (!v.ok) throw new Error(`vote: ${v.error.message}`);
  }
  await runDueDeadlines(a.app, new Date((clock += 120_000)));
  const read = await readProposal(a.app, null, "riverside", id);
  if (!read.ok) throw new Error(read.error.message);
  return read.value;
}

/** The local links of a page (href="/..."), without fragments. */
function localLinks(html: string): string[] {
  return [...new Set([...html.matchAll(/href="(\/[^"#]*)"/g)].map((m) => m[1]!.replaceAll("&amp;", "&")))].filter((h) => !h.startsWith("/assets/"));
}

/** Follows a link as a browser does (redirects included): it must end on an HTML page. */
async function expectPage(origin: string, href: string) {
  const res = await fetch(new URL(href, origin), { headers: { accept: "text/html" } });
  expect(res.status, href).toBe(200);
  expect(res.headers.get("content-type"), href).toMatch(/^text\/html/);
  return res.text();
}

let web: WebClient;
let delegation: string;
let recall: string;
let mandateId: string;

beforeAll(async () => {
  a = await startTestInstance({ host: "127.0.0.91" });
  web = new WebClient(a.origin);
  for (const handle of ["alice", "bob", "carol"])
    uris[handle] = (await operations["account.create"](a.app, { handle, password: `${handle}-password`, name: handle === "bob" ? "Bob Baker" : handle })).id;
  await operations["body.create"](a.app, { handle: "riverside", kind: "assembly", name: "Riverside Assembly" });
  for (const handle of ["alice", "bob", "carol"]) await operations["member.add"](a.app, { body: "riverside", member: handle });
  const founded = await foundBodyRecord(a.app, "riverside", { bylaws: { ...defaultBylaws("assembly"), deliberationPeriod: "PT1S", votingPeriod: "PT1M" } });
  expect(founded.ok).toBe(true);
  const d = await decide("delegation", "Bob keeps the minutes", {
    role: "secretary",
    delegates: [uris.bob],
    mandate: { scope: "Take the minutes of every meeting", instructions: "Publish them within a week" },
    start: day(-1),
    end: day(90),
  });
  expect(d.outcome).toBe("passed");
  delegation = d.id;
  mandateId = `${d.uri}#mandate:${uris.bob}`;
}, 60_000);

afterAll(async () => {
  await a?.stop();
});

describe("a delegation, its mandate and its recall", () => {
  it("the delegation's page shows the delegate, role, term, instructions, status and a link to the signed mandate", async () => {
    const page = await web.get(`/@riverside/proposals/${delegation}`);
    expect(page.status).toBe(200);
    for (const text of ["secretary", "@bob", "Take the minutes of every meeting", "Publish them within a week", day(90).slice(0, 10), "live"]) expect(page.html).toContain(text);
    const segment = mandateUrl(a.app.config.publicOrigin, mandateId).pathname.split("/").at(-1)!;
    expect(page.html).toContain(`href="/@riverside/mandates/${segment}"`);
    expect(page.html).toContain('href="/@bob"');
    expect(page.html.slice(page.html.indexOf("<main"))).not.toMatch(/href="[^"]*\/ap\//);
  });

  it("the mandate's page shows it in words and the signed document; a browser asking for its address is sent there", async () => {
    const url = mandateUrl(a.app.config.publicOrigin, mandateId);
    const segment = url.pathname.split("/").at(-1)!;
    const html = await expectPage(a.origin, `/@riverside/mandates/${segment}`);
    expect(html).toContain("Mandate of @bob");
    expect(html).toContain("eddsa-jcs-2022");
    expect(html).toContain(url.href);
    const browser = await fetch(url, { headers: { accept: "text/html,application/xhtml+xml" }, redirect: "manual" });
    expect(browser.status).toBe(303);
    expect(browser.headers.get("location")).toBe(`/@riverside/mandates/${segment}`);
    const program = await fetch(url, { headers: { accept: AP_JSON } });
    expect(program.headers.get("content-type")).toMatch(/activity\+json/);
    expect(((await program.json()) as { type: string }).type).toBe("Mandate");
    expect((await web.get("/@riverside/mandates/bm9uZQ")).status).toBe(404);
  });

  it("a recall says whose mandate it revoked; the delegation and the body's page show it revoked, by which recall", async () => {
    const r = await decide("recall", "Recall Bob as secretary", { mandate: mandateId });
    expect(r.outcome).toBe("passed");
    recall = r.id;
    const page = await web.get(`/@riverside/proposals/${recall}`);
    expect(page.html).toContain("What this recall revokes");
    expect(page.html).toContain("Revoked by this recall");
    expect(page.html).toContain('href="/@bob"');
    expect(page.html).toContain(`href="/@riverside/proposals/${delegation}"`);
    for (const path of [`/@riverside/proposals/${delegation}`, "/@riverside"]) {
      const html = (await web.get(path)).html;
      expect(html, path).toMatch(/<strong class="status-revoked">revoked<\/strong>/);
      expect(html, path).toContain(`href="/@riverside/proposals/${recall}"`);
    }
  });
});

describe("the public record", () => {
  it("the body's page shows readable entries, and every link on it leads to an HTML page", async () => {
    const page = await web.get("/@riverside");
    expect(page.status).toBe(200);
    const record = page.html.slice(page.html.indexOf('id="record"'));
    for (const text of ["put a proposal before the body", "voted “agree”", "Decided: passed", "Recall Bob as secretary"]) expect(record).toContain(text);
    const main = page.html.slice(page.html.indexOf("<main"));
    expect(main).not.toMatch(/href="https?:/);
    expect(main).not.toMatch(/Question|activity|actor/i);
    const links = localLinks(page.html);
    expect(links).toContain("/@riverside/record");
    expect(links).toContain(`/@riverside/proposals/${recall}`);
    for (const href of links) await expectPage(a.origin, href);
  });

  it("the full record pages back to the founding, newest first", async () => {
    const first = await web.get("/@riverside/record");
    expect(first.status).toBe(200);
    expect(first.html).toContain("Public record of Riverside Assembly");
    expect(first.html).toContain("The body was founded");
    expect(first.html.indexOf("Recall Bob as secretary")).toBeLessThan(first.html.indexOf("The body was founded"));
    expect(first.html).not.toContain("@instance");
    expect(first.html).not.toContain("Older entries");
    const older = await web.get("/@riverside/record?before=3");
    expect(older.status).toBe(200);
    expect(older.html).toContain("The body was founded");
    expect(older.html).toContain('href="/@riverside/record"');
    expect(older.html.match(/<li><span class="meta"><time/g)).toHaveLength(3);
    expect((await web.get("/@riverside/record?before=x")).status).toBe(400);
    expect((await web.get("/@nobody/record")).status).toBe(404);
    for (const href of localLinks(first.html)) await expectPage(a.origin, href);
  });

  it("a person's page shows their bodies, and the proposal page names people, not addresses", async () => {
    const bob = await web.get("/@bob");
    expect(bob.html).toContain('href="/@riverside"');
    const page = await web.get(`/@riverside/proposals/${recall}`);
    expect(page.html).toContain("History");
    expect(page.html).not.toMatch(/>https?:\/\/[^<]*\/ap\//);
    expect(page.html).not.toContain("Question");
  });
});
