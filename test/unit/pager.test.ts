import { describe, expect, it } from "vitest";
import { translator } from "../../src/http/pages/messages/index.ts";
import { pageAsked, pageOf } from "../../src/http/pages/pager.ts";

// The pages of a long list on a proposal's page (reasons, replies, history).

const t = translator();
const items = Array.from({ length: 45 }, (_, i) => i);

describe("pageOf", () => {
  it("gives one page of the list, with links to the pages before and after", () => {
    const first = pageOf(t, items, 1, 20, "reasons", "reasons");
    expect(first.items).toEqual(items.slice(0, 20));
    expect(first).toMatchObject({ total: 45, pageOf: "Page 1 of 3", previous: null, next: "?reasons=2#reasons" });
    const second = pageOf(t, items, 2, 20, "reasons", "reasons");
    expect(second.items).toEqual(items.slice(20, 40));
    expect(second).toMatchObject({ previous: "?#reasons", next: "?reasons=3#reasons" });
  });

  it("shows the last page when asked beyond it, and no links for a short list", () => {
    expect(pageOf(t, items, 99, 20, "history", "history")).toMatchObject({ items: items.slice(40), pageOf: "Page 3 of 3", next: null, previous: "?history=2#history" });
    expect(pageOf(t, [1, 2], 1, 20, "replies", "deliberation")).toMatchObject({ items: [1, 2], pageOf: null, previous: null, next: null });
    expect(pageOf(t, [], 1, 20, "replies", "deliberation")).toMatchObject({ items: [], total: 0, pageOf: null });
  });
});

describe("pageAsked", () => {
  it("reads a whole page number and refuses anything else", () => {
    expect(pageAsked({ reasons: "3" }, "reasons")).toBe(3);
    expect(pageAsked({ reasons: "0" }, "reasons")).toBe(1);
    expect(pageAsked({ reasons: "-2" }, "reasons")).toBe(1);
    expect(pageAsked({ reasons: "2; drop" }, "reasons")).toBe(1);
    expect(pageAsked({ reasons: ["2", "3"] }, "reasons")).toBe(1);
    expect(pageAsked({}, "reasons")).toBe(1);
    expect(pageAsked(undefined, "reasons")).toBe(1);
  });
});
