import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { resolveFoundingBylaws } from "../../src/decisions/commands/founding.ts";
import { BYLAWS_PROBLEM_CODES, bylawsProblems, defaultBylaws, REFUSAL_CODES } from "../../src/governance/index.ts";
import { BYLAWS_TEMPLATES } from "../../src/governance/templates.ts";
import { en, failureWords, isMessageKey, reasonWords } from "../../src/http/pages/messages/index.ts";
import { failurePageWords } from "../../src/http/pages/render.ts";
import { checkNewPassword } from "../../src/community/passwords.ts";
import { checkHandle } from "../../src/community/actors.ts";
import { REASON_CODES } from "../../src/shared/reasons.ts";

// Every code a service or the governance core can give has its words in the pages'
// catalogue, and the pages' own files hold no sentence of their own: a new language is a
// new catalogue, nothing else (docs/web.md, "Words and translation").

const blanks = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe("every code has its words in the catalogue", () => {
  it.each(REASON_CODES.map((c) => [c]))("the service's reason %s", (code) => {
    expect(isMessageKey(`reason.${code}`), `reason.${code} is missing from src/http/pages/messages/reasons.ts`).toBe(true);
  });

  it.each(BYLAWS_PROBLEM_CODES.map((c) => [c]))("the bylaws problem %s", (code) => {
    expect(isMessageKey(`reason.bylaws.${code}`), `reason.bylaws.${code} is missing from src/http/pages/messages/reasons.ts`).toBe(true);
  });

  it.each(REFUSAL_CODES.map((c) => [c]))("the core's refusal %s", (code) => {
    expect(isMessageKey(`refusal.${code}`), `refusal.${code} is missing from src/http/pages/messages/refusals.ts`).toBe(true);
  });

  it.each(BYLAWS_TEMPLATES.map((x) => [x.id]))("the founding template %s", (id) => {
    for (const part of ["title", "description", "drawnFrom"]) expect(isMessageKey(`template.${id}.${part}`), `template.${id}.${part}`).toBe(true);
  });

  it("has no words for a code nobody gives (a stale entry is a mistake too)", () => {
    const known = new Set([...REASON_CODES.map((c) => `reason.${c}`), ...BYLAWS_PROBLEM_CODES.map((c) => `reason.bylaws.${c}`), ...REFUSAL_CODES.map((c) => `refusal.${c}`)]);
    const stale = Object.keys(en).filter((k) => (k.startsWith("reason.") || k.startsWith("refusal.")) && !known.has(k));
    expect(stale).toEqual([]);
  });
});

describe("a code becomes the catalogue's words", () => {
  it("fills the blanks with the service's parameters, and every blank is filled", () => {
    expect(reasonWords({ code: "handle-taken", params: { handle: "garden" } })).toBe("garden is already taken here. Please choose another.");
    const short = checkNewPassword("short");
    expect(short.ok).toBe(false);
    if (short.ok) return;
    expect(short.error.reason).toEqual({ code: "password-too-short", params: { min: 8 } });
    expect(failureWords(short.error)).toBe(en["reason.password-too-short"].replace("{min}", "8"));
    expect(failureWords(short.error)).not.toContain("{");
  });

  it("words a handle's problems, not the service's English", () => {
    const bad = checkHandle("no spaces");
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(failureWords(bad.error)).toBe(en["reason.handle-invalid"]);
    expect(failureWords(bad.error)).not.toBe(bad.error.message);
    const reserved = checkHandle("admin");
    expect(!reserved.ok && failureWords(reserved.error)).toBe("admin is kept for the site itself. Please choose another.");
  });

  it("gives each bylaws problem a code, and the founding service one per field", () => {
    const problems = bylawsProblems({ ...defaultBylaws(), quorum: { kind: "count", count: 0 }, minimumPeriod: "P30D" });
    expect(problems.map((p) => [p.field, p.code])).toEqual([
      ["quorum", "invalid-quorum"],
      ["minimumPeriod", "minimum-too-long"],
      ["minimumPeriod", "minimum-too-long"],
    ]);
    const founded = resolveFoundingBylaws({ kind: "assembly", template: "trial", bylaws: { minimumPeriod: "P30D", colour: "red" } });
    expect(founded.ok).toBe(false);
    if (founded.ok) return;
    expect(founded.error.fieldReasons).toEqual({
      "bylaws.colour": { code: "bylaws.unknown-field", params: { field: "colour" } },
      "bylaws.minimumPeriod": { code: "bylaws.minimum-too-long", params: { period: "deliberationPeriod" } },
    });
    expect(reasonWords(founded.error.fieldReasons?.["bylaws.minimumPeriod"])).toBe(en["reason.bylaws.minimum-too-long"]);
  });

  it("uses only blanks the service fills", () => {
    // Each reason's words name only parameters its service gives (those given in src/).
    const given: Record<string, string[]> = {
      "reason.handle-reserved": ["handle"],
      "reason.handle-taken": ["handle"],
      "reason.password-too-short": ["min"],
      "reason.password-too-long": ["max"],
      "reason.name-too-long": ["max"],
      "reason.summary-too-long": ["max"],
      "reason.too-many-attempts": ["minutes"],
      "reason.no-such-body": ["handle"],
      "reason.admits-by-decision": ["handle"],
      "reason.not-a-member": ["handle"],
      "reason.bodies-leave-by-proposal": ["handle"],
      "reason.post-too-long": ["max"],
      "reason.too-long": ["max"],
      "reason.no-such-member": ["who"],
      "reason.member-unreachable": ["who"],
      "reason.members-are-people": ["handle"],
      "reason.warning-too-long": ["max"],
      "reason.bylaws.unknown-proposal-kind": ["kind"],
      "reason.bylaws.fixed-rule": ["kind"],
      "reason.bylaws.unknown-field": ["field"],
      "reason.account-unreachable": ["who"],
      "reason.act-needs-proposal": ["word"],
      "reason.no-such-amendment": ["n", "count"],
      "reason.amendment-not-in-vote": ["n"],
      "reason.fork-no-record": ["handle"],
      "reason.not-an-option": ["option"],
      "reason.already-a-member": ["who", "handle"],
      "reason.no-members-yet": ["handle"],
    };
    for (const [key, text] of Object.entries(en)) {
      if (!key.startsWith("reason.") && !key.startsWith("refusal.")) continue;
      expect(blanks(text), key).toEqual((given[key] ?? []).sort());
    }
  });

  it("an error page words a failure by its code, else by its kind; never with the service's message", () => {
    expect(failurePageWords({ code: "not-found", reason: { code: "no-such-proposal" } })).toBe("There is no such proposal.");
    expect(failurePageWords({ code: "forbidden", refusal: "not-member" })).toBe(en["refusal.not-member"]);
    expect(failurePageWords({ code: "not-found" })).toBe(en["page.notFoundText"]);
    expect(failurePageWords({ code: "conflict", reason: { code: "not-in-any-list" } })).toBe(en["page.conflictText"]);
    expect(failureWords({ reason: { code: "not-in-any-list" } })).toBeNull();
  });
});

describe("the pages hold no sentence of their own", () => {
  const pages = join(import.meta.dirname, "../../src/http/pages");
  const withoutComments = (src: string) => src.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
  // Three words or more in a string literal, or a capitalised word and another: a sentence.
  const sentence = /(["'`])((?:(?!\1)[^\\\n]|\\.)*?\b[A-Za-z][a-z]+ [a-z]+ [a-z]+\b(?:(?!\1)[^\\\n]|\\.)*?)\1/g;

  it("in the page modules (outside messages/)", () => {
    const found: string[] = [];
    for (const file of readdirSync(pages).filter((f) => f.endsWith(".ts"))) {
      for (const m of withoutComments(readFileSync(join(pages, file), "utf8")).matchAll(sentence)) {
        if (/\blog\b|req\.log|app\.log/.test(m[2]!)) continue;
        found.push(`${file}: ${m[0]}`);
      }
    }
    expect(found.filter((f) => !NOT_SHOWN.includes(f))).toEqual([]);
  });

  it("in the templates (text between tags, and labels)", () => {
    const views = join(pages, "views");
    const found: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (entry.name.endsWith(".eta")) {
          const html = readFileSync(path, "utf8").replace(/<%[\s\S]*?%>/g, "");
          for (const m of html.matchAll(/>([^<]*)</g)) if (/[A-Za-z]{2,}/.test(m[1]!.replace(/\bUTC\b/g, ""))) found.push(`${entry.name}: ${m[1]!.trim()}`);
          for (const m of html.matchAll(/\b(?:aria-label|title|alt|placeholder)="([^"]*)"/g)) if (/[A-Za-z]{2,}/.test(m[1]!)) found.push(`${entry.name}: ${m[0]}`);
        }
      }
    };
    walk(views);
    expect(found).toEqual([]);
  });
});

/** Sentences in page modules that no page shows (for logs and other programs). */
const NOT_SHOWN: string[] = [
  // A failure's message for logs: its reason code (no-such-proposal) is what the page words.
  'proposal-acts.ts: "no such proposal"',
  // Never reached: a reply is posted by its own route before this act runs.
  'proposal-acts.ts: "a reply is posted by its own route"',
];

describe("every failure a person may meet has a reason code", () => {
  // Two failures are never worded on a page: a refusal sent back to another server with
  // its own words (a confederation's admission), and bylaws given to the API or the CLI
  // (the founding form checks bylaws itself, field by field, with their problem codes).
  const neverOnAPage = ['fail("conflict", message)', 'fail("invalid", checked.reason.message, "bylaws")'];

  function sources(dir: string): string[] {
    return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : []));
  }

  it("no service in src/community or src/decisions fails with English alone", () => {
    const bare: string[] = [];
    for (const file of [...sources("src/community"), ...sources("src/decisions")]) {
      for (const [i, line] of readFileSync(file, "utf8").split("\n").entries()) {
        if (/\bfail\(\s*"/.test(line) && !neverOnAPage.some((allowed) => line.includes(allowed))) bare.push(`${file}:${i + 1}: ${line.trim()}`);
      }
    }
    expect(bare).toEqual([]);
  });
});
