import { describe, expect, it } from "vitest";
import { httpUrl, quorumText, ratificationRuleText, timeOf, word } from "../../src/http/pages/format.ts";
import { translator } from "../../src/http/pages/messages/index.ts";

// What the page modules share: only http(s) links, words from the catalogue, times.

const t = translator();

describe("page formatting", () => {
  it("links only to http(s) URLs", () => {
    expect(httpUrl("https://example.org/ap/proposals/x/verdict")).toBe("https://example.org/ap/proposals/x/verdict");
    for (const bad of ["javascript:alert(1)", "data:text/html,<b>", "//example.org", "not a url", 42, null]) expect(httpUrl(bad)).toBeNull();
  });

  it("puts values in words from the catalogue, and leaves unknown values as they are", () => {
    expect(word(t, "status", "contention")).toBe("contention period");
    expect(word(t, "role", "confederal-delegate")).toBe("confederal delegate");
    expect(word(t, "role", "<b>odd</b>")).toBe("<b>odd</b>");
    expect(quorumText(t, { kind: "count", count: 5 })).toBe("5 voters");
    expect(ratificationRuleText(t, { kind: "double-majority", bodies: { num: 1, den: 2 }, people: { num: 2, den: 3 } })).toBe(
      "a double majority: 1/2 of the bodies and 2/3 of their people",
    );
    expect(timeOf("2026-05-01T10:20:30.000Z")).toEqual({ iso: "2026-05-01T10:20:30.000Z", text: "2026-05-01 10:20 UTC" });
    expect(timeOf(null)).toBeNull();
  });
});
