import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { operations } from "../../src/cli/operations.ts";
import { en } from "../../src/http/pages/messages/index.ts";
import { startTestInstance, type TestInstance } from "../support/instance.ts";
import { fieldError, signedInAs, WebClient } from "../support/web-client.ts";

// The words on an error path come from the message catalogue: a bad bylaws field on the
// founding form, a weak password on sign-up, an unknown proposal or body. Each answer's
// <main> holds nothing but the catalogue's words and what the person typed.

let a: TestInstance;

beforeAll(async () => {
  a = await startTestInstance({ host: "127.0.0.200", env: { SIGNUP: "open" } });
  await operations["account.create"](a.app, { handle: "ada", password: "ada-password" });
});
afterAll(async () => {
  await a?.stop();
});

const decode = (s: string) =>
  s
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");

/** Every catalogue message with some words of its own as a pattern, its blanks ({name}) matching anything. */
const patterns = Object.values(en)
  .filter((text) => /[A-Za-z]{2,}/.test(text.replace(/\{\w+\}/g, "")))
  .map((text) => new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/\\\{\w+\\\}/g, "[\\s\\S]+?")}$`));

/**
 * The bits of text in the page's <main> that are neither the catalogue's words nor one of
 * `typed` (what the person sent, echoed back in a field) nor bare punctuation.
 */
function textOutsideCatalogue(html: string, typed: string[]): string[] {
  const main = /<main id="main">([\s\S]*?)<\/main>/.exec(html)?.[1] ?? "";
  const withoutValues = main.replace(/<textarea[\s\S]*?<\/textarea>/g, "").replace(/<option[^>]*>[\s\S]*?<\/option>/g, "");
  const bits = withoutValues
    .split(/<[^>]*>/)
    .map((s) => decode(s).trim())
    .filter((s) => /[A-Za-z]{2,}/.test(s));
  // Brackets and the like around the catalogue's words ("(required)") are the template's, not words.
  const bare = (bit: string) => bit.replace(/^[([·:\s]+|[)\]·:\s]+$/g, "");
  return bits.filter((bit) => !typed.includes(bit) && !patterns.some((p) => p.test(bit) || p.test(bare(bit))));
}

describe("the check itself", () => {
  it("finds text outside the catalogue, and lets through the catalogue's words and what was typed", () => {
    const page = (inner: string) => `<main id="main">${inner}</main>`;
    expect(textOutsideCatalogue(page("<p>no proposal x in @meadow</p>"), [])).toEqual(["no proposal x in @meadow"]);
    expect(textOutsideCatalogue(page(`<p>${en["reason.no-such-proposal"]}</p><p>There is no body called @x here.</p><b>Bo</b>`), ["Bo"])).toEqual([]);
  });
});

describe("the founding form words each refused field from the catalogue", () => {
  const form = (over: Record<string, string>) => ({
    template: "trial",
    name: "Garden",
    handle: "garden",
    summary: "",
    kind: "assembly",
    rule: "simple-majority",
    quorumKind: "count",
    quorumValue: "1",
    deliberationAmount: "5",
    deliberationUnit: "minutes",
    votingAmount: "5",
    votingUnit: "minutes",
    minimumAmount: "",
    minimumUnit: "minutes",
    admission: "open",
    visibility: "public",
    ballot: "named",
    seconds: "0",
    maxTerms: "",
    ratification: "keep",
    bylawsText: "",
    ...over,
  });

  it("a shortest period longer than the discussion: the core's problem, in the catalogue's words, next to its field", async () => {
    const ada = await signedInAs(a.origin, "ada");
    const res = await ada.post("/bodies/new", form({ minimumAmount: "2", minimumUnit: "hours" }), { csrfFrom: "/bodies/new?template=trial" });
    expect(res.status).toBe(400);
    expect(fieldError(res.html, "minimumAmount")).toBe(en["reason.bylaws.minimum-too-long"]);
    // Not the core's English (kept for the API, the CLI and the logs).
    expect(res.html).not.toContain("minimumPeriod may not be longer");
    expect(textOutsideCatalogue(res.html, ["Garden", "garden"])).toEqual([]);
    expect(await a.app.db.selectFrom("actors").select("id").where("handle", "=", "garden").executeTakeFirst()).toBeUndefined();
  });

  it("a handle kept for the site, and one already taken, next to the handle field", async () => {
    const ada = await signedInAs(a.origin, "ada");
    const reserved = await ada.post("/bodies/new", form({ handle: "admin" }), { csrfFrom: "/bodies/new?template=trial" });
    expect(reserved.status).toBe(400);
    expect(fieldError(reserved.html, "handle")).toBe("admin is kept for the site itself. Please choose another.");
    expect(reserved.html).not.toContain("is reserved");
    const taken = await ada.post("/bodies/new", form({ handle: "ada" }), { csrfFrom: "/bodies/new?template=trial" });
    expect(taken.status).toBe(409);
    expect(fieldError(taken.html, "handle")).toBe("ada is already taken here. Please choose another.");
    expect(textOutsideCatalogue(taken.html, ["Garden", "ada"])).toEqual([]);
  });

  it("a field the form checks itself (a quorum of 0) is worded by the catalogue too", async () => {
    const ada = await signedInAs(a.origin, "ada");
    const res = await ada.post("/bodies/new", form({ quorumValue: "0", name: "" }), { csrfFrom: "/bodies/new?template=trial" });
    expect(res.status).toBe(400);
    expect(fieldError(res.html, "quorumValue")).toBe(en["found.error.quorum"]);
    expect(fieldError(res.html, "name")).toBe(en["found.error.name"]);
    expect(textOutsideCatalogue(res.html, ["garden"])).toEqual([]);
  });
});

describe("sign-up words the accounts service's refusals from the catalogue", () => {
  it("a weak password: the catalogue's words at the password field, and no account", async () => {
    const web = new WebClient(a.origin);
    const res = await web.post("/signup", { handle: "bo", name: "Bo", password: "short" }, { csrfFrom: "/signup" });
    expect(res.status).toBe(400);
    expect(fieldError(res.html, "password")).toBe("A password needs at least 8 characters.");
    expect(res.html).not.toContain("a password has at least");
    expect(textOutsideCatalogue(res.html, ["bo", "Bo"])).toEqual([]);
    expect(await a.app.db.selectFrom("actors").select("id").where("handle", "=", "bo").executeTakeFirst()).toBeUndefined();
  });

  it("a user name with spaces, and one taken, at the user name field", async () => {
    const web = new WebClient(a.origin);
    const bad = await web.post("/signup", { handle: "bo bo", password: "long enough" }, { csrfFrom: "/signup" });
    expect(bad.status).toBe(400);
    expect(fieldError(bad.html, "handle")).toBe(en["reason.handle-invalid"]);
    const taken = await web.post("/signup", { handle: "ada", password: "long enough" }, { csrfFrom: "/signup" });
    expect(taken.status).toBe(409);
    expect(fieldError(taken.html, "handle")).toBe("ada is already taken here. Please choose another.");
  });

  it("a new password too short on the account page, at its field", async () => {
    await operations["account.create"](a.app, { handle: "cy", password: "cy-password" });
    const cy = await signedInAs(a.origin, "cy");
    const res = await cy.post("/account/password", { currentPassword: "cy-password", newPassword: "short" }, { csrfFrom: "/account" });
    expect(res.status).toBe(400);
    expect(fieldError(res.html, "newPassword")).toBe("A password needs at least 8 characters.");
  });
});

describe("not-found pages say it from the catalogue", () => {
  it("an unknown proposal: 404 with the catalogue's words, not the service's", async () => {
    await operations["body.create"](a.app, { handle: "meadow", kind: "assembly" });
    const web = new WebClient(a.origin);
    const res = await web.get("/@meadow/proposals/nosuchproposal");
    expect(res.status).toBe(404);
    expect(res.html).toContain(en["reason.no-such-proposal"]);
    expect(res.html).not.toContain("no proposal nosuchproposal");
    expect(textOutsideCatalogue(res.html, [])).toEqual([]);
  });

  it("an unknown body: 404 naming the handle in the catalogue's words", async () => {
    const web = new WebClient(a.origin);
    const res = await web.get("/@nobody/proposals");
    expect(res.status).toBe(404);
    expect(res.html).toContain("There is no body called @nobody here.");
    expect(textOutsideCatalogue(res.html, [])).toEqual([]);
  });

  it("a browser at an address with no page gets a page, a program gets JSON", async () => {
    const web = new WebClient(a.origin);
    const res = await web.get("/no/such/page");
    expect(res.status).toBe(404);
    expect(res.html).toContain(en["page.notFoundText"]);
    expect(textOutsideCatalogue(res.html, [])).toEqual([]);
    const program = await fetch(new URL("/no/such/page", a.origin), { headers: { accept: "application/json" } });
    expect(program.status).toBe(404);
    expect(((await program.json()) as { error: string }).error).toBe("Not Found");
  });

  it("a form posted after its token went: the catalogue's words, not the framework's", async () => {
    const web = new WebClient(a.origin);
    const res = await web.post("/signin", { handle: "ada", password: "ada-password" }, { csrf: null });
    expect(res.status).toBe(403);
    expect(res.html).toContain(en["form.csrf"]);
    expect(textOutsideCatalogue(res.html, [])).toEqual([]);
  });
});
