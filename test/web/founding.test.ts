import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { operations } from "../../src/cli/operations.ts";
import * as d from "../../src/decisions/index.ts";
import { periodFromForm, periodToForm } from "../../src/http/pages/found-body.ts";
import { unwrap } from "../decisions/support.ts";
import { startTestInstance, type TestInstance } from "../support/instance.ts";
import { fieldError, signedInAs } from "../support/web-client.ts";

// Founding a body from the browser: a template, every field changeable, refused at the
// field with nothing created, and a trial body that decides within minutes.

let a: TestInstance;

const signedIn = (handle: string) => signedInAs(a.origin, handle);

/** The values a form shows, by field name (inputs, selected options, textareas). */
function formValues(html: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of html.matchAll(/<input id="f-[^"]+" name="([^"]+)" type="[^"]+" value="([^"]*)"/g)) out[m[1]!] = m[2]!;
  for (const m of html.matchAll(/<select id="f-[^"]+" name="([^"]+)"[^>]*>([\s\S]*?)<\/select>/g)) out[m[1]!] = /<option value="([^"]*)" selected>/.exec(m[2]!)?.[1] ?? "";
  for (const m of html.matchAll(/<textarea id="f-[^"]+" name="([^"]+)"[^>]*>([\s\S]*?)<\/textarea>/g)) out[m[1]!] = m[2]!;
  return out;
}

beforeAll(async () => {
  a = await startTestInstance({ host: "127.0.0.85" });
  await operations["account.create"](a.app, { handle: "ada", password: "ada-password" });
});
afterAll(async () => {
  await a?.stop();
});

describe("periods on the form", () => {
  it("reads and writes ISO periods in the largest whole unit", () => {
    expect(periodToForm("P7D")).toEqual({ amount: "1", unit: "weeks" });
    expect(periodToForm("PT5M")).toEqual({ amount: "5", unit: "minutes" });
    expect(periodToForm("PT48H")).toEqual({ amount: "2", unit: "days" });
    expect(periodFromForm("3", "hours")).toBe("PT3H");
    expect(periodFromForm("0", "days")).toBeNull();
    expect(periodFromForm("x", "days")).toBeNull();
  });
});

describe("founding a body from the browser", () => {
  it("offers the templates, then a form filled from the chosen one", async () => {
    const ada = await signedIn("ada");
    const list = await ada.get("/bodies/new");
    expect(list.html).toContain("Trial run (periods of a few minutes)");
    expect(list.html).toContain("/bodies/new?template=neighbourhood-assembly");
    const form = await ada.get("/bodies/new?template=trial");
    const v = formValues(form.html);
    expect(v).toMatchObject({ rule: "simple-majority", quorumKind: "count", quorumValue: "1", deliberationAmount: "5", deliberationUnit: "minutes", admission: "open" });
  });

  it("refuses bad fields at the field and founds nothing", async () => {
    const ada = await signedIn("ada");
    const form = await ada.get("/bodies/new?template=trial");
    const values = { ...formValues(form.html), template: "trial", name: "", handle: "x y", quorumValue: "0", votingAmount: "" };
    const res = await ada.post("/bodies/new", values, { csrfFrom: "/bodies/new?template=trial" });
    expect(res.status).toBe(400);
    expect(fieldError(res.html, "name")).toBe("Please give the body a name.");
    expect(fieldError(res.html, "quorumValue")).toMatch(/whole number/);
    expect(fieldError(res.html, "votingAmount")).toMatch(/whole number/);
    const bad = await ada.post("/bodies/new", { ...values, name: "Bad", quorumValue: "1", votingAmount: "5" }, { csrfFrom: "/bodies/new?template=trial" });
    expect(bad.status).toBe(400);
    expect(fieldError(bad.html, "handle")).toBeTruthy();
    expect(await a.app.db.selectFrom("actors").select("id").where("name", "=", "Bad").executeTakeFirst()).toBeUndefined();
  });

  it("founds a trial body with changed fields; its founder is its first member and its bylaws are the ones chosen", async () => {
    const ada = await signedIn("ada");
    const form = await ada.get("/bodies/new?template=trial");
    const values = {
      ...formValues(form.html),
      template: "trial",
      name: "Garden trial",
      handle: "gardentrial",
      summary: "Trying it out",
      votingAmount: "10",
      votingUnit: "minutes",
      admission: "by-decision",
      seconds: "1",
      bylawsText: "We try.",
    };
    const res = await ada.post("/bodies/new", values, { csrfFrom: "/bodies/new?template=trial" });
    expect(res.status).toBe(303);
    expect(res.location).toBe("/@gardentrial");
    const bylaws = unwrap(await d.readBylaws(a.app, null, "gardentrial"));
    expect(bylaws?.bylaws).toMatchObject({
      decisionRule: { kind: "simple-majority" },
      deliberationPeriod: "PT5M",
      votingPeriod: "PT10M",
      admission: "by-decision",
      tabling: { who: "seconded", seconds: 1 },
      text: "We try.",
    });
    const page = await ada.get("/@gardentrial");
    expect(page.html).toContain("You are a member of this body.");
  });
});

describe("changing the bylaws from the browser", () => {
  it("fills the form with the body's bylaws and puts a complete new version before the body", async () => {
    const ada = await signedIn("ada");
    const form = await ada.get("/@gardentrial/proposals/new?kind=bylaws");
    const v = formValues(form.html);
    expect(v).toMatchObject({ rule: "simple-majority", votingAmount: "10", votingUnit: "minutes", admission: "by-decision", seconds: "1", bylawsText: "We try." });
    const res = await ada.post(
      "/@gardentrial/proposals/new",
      { ...v, kind: "bylaws", title: "Longer votes", text: "Give everyone a day to vote.", votingAmount: "1", votingUnit: "days", intent: "draft" },
      { csrf: /name="_csrf" value="([^"]+)"/.exec(form.html)![1]! },
    );
    expect(res.status).toBe(303);
    const id = /proposals\/([^?]+)/.exec(res.location!)![1]!;
    const view = unwrap(await d.readProposal(a.app, null, "gardentrial", id)).view;
    expect(view.kind).toBe("bylaws");
    expect((view.payload as { bylaws: Record<string, unknown> }).bylaws).toMatchObject({
      votingPeriod: "P1D",
      deliberationPeriod: "PT5M",
      admission: "by-decision",
      text: "We try.",
    });

    const bad = await ada.post(
      "/@gardentrial/proposals/new",
      { ...v, kind: "bylaws", title: "Bad", quorumValue: "0" },
      { csrf: /name="_csrf" value="([^"]+)"/.exec(form.html)![1]! },
    );
    expect(bad.status).toBe(400);
    expect(fieldError(bad.html, "quorumValue")).toMatch(/whole number/);
  });
});
