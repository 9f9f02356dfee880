import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isMalformedActivityError } from "../../src/federation/fastify-plugin.ts";
import { INBOX_JSON_LIMITS, jsonShape, jsonShapeProblem, OriginBudget, parseInboxBody, workCost, type JsonLimits } from "../../src/federation/inbox-guard.ts";

// The shape scan must agree with the values JSON.parse builds: the same depth, the same
// longest array, the same number of values (keys are not values).

function measure(value: unknown, depth = 0, objects = 0): { depth: number; longest: number; nodes: number; work: number } {
  // A value's work: one, and one for each object around it.
  if (value === null || typeof value !== "object") return { depth, longest: 0, nodes: 1, work: 1 + objects };
  const children = Array.isArray(value) ? value : Object.values(value);
  const inner = children.map((c) => measure(c, depth + 1, objects + (Array.isArray(value) ? 0 : 1)));
  return {
    depth: Math.max(depth + 1, ...inner.map((m) => m.depth)),
    longest: Math.max(Array.isArray(value) ? value.length : 0, ...inner.map((m) => m.longest)),
    nodes: 1 + inner.reduce((n, m) => n + m.nodes, 0),
    work: 1 + objects + inner.reduce((n, m) => n + m.work, 0),
  };
}

describe("jsonShapeProblem", () => {
  it("agrees with the parsed values on depth, array length and node count", () => {
    fc.assert(
      fc.property(
        fc.jsonValue({ maxDepth: 6 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: 1, max: 150 }),
        (value, maxDepth, maxArrayLength, maxNodes, maxWork) => {
          const text = JSON.stringify(value);
          const m = measure(JSON.parse(text));
          const limits: JsonLimits = { maxDepth, maxArrayLength, maxNodes, maxWork };
          const within = m.depth <= maxDepth && m.longest <= maxArrayLength && m.nodes <= maxNodes && m.work <= maxWork;
          expect(jsonShapeProblem(text, limits) === null).toBe(within);
          const unbounded = jsonShape(text, { maxDepth: 99, maxArrayLength: 1e6, maxNodes: 1e6 });
          expect(unbounded).toEqual({ nodes: m.nodes, work: m.work });
        },
      ),
      { numRuns: 500 },
    );
  });

  it("skips strings, escaped quotes and keys", () => {
    const limits = { maxDepth: 2, maxArrayLength: 2, maxNodes: 10 };
    expect(jsonShapeProblem('{"a [[[": "x \\" ]]] {", "b": [1, 2]}', limits)).toBeNull();
    expect(jsonShapeProblem('{"a": "\\\\", "b": [1, 2, 3]}', limits)).toMatch(/more than 2 elements/);
    expect(jsonShapeProblem("[[[]]]", limits)).toMatch(/nested more than 2 deep/);
    expect(jsonShapeProblem("[true, false, null, -1.5e+3]", { ...limits, maxArrayLength: 4, maxNodes: 5 })).toBeNull();
    expect(jsonShapeProblem('{"a [[[": "x \\" ]]] {", "b": [1, 2]}', { ...limits, maxNodes: 4 })).toMatch(/more than 4 values/);
  });
});

describe("the work bound", () => {
  const AS = "https://www.w3.org/ns/activitystreams";
  const actor = "https://peer.example/users/a";
  const mention = (i: number) => ({ type: "Mention", href: `${actor}/${i}`, name: `@m${i}` });
  const note = (tags: number) => ({
    id: "https://peer.example/n/1",
    type: "Note",
    attributedTo: actor,
    content: "<p>hi</p>",
    tag: Array.from({ length: tags }, (_, i) => mention(i)),
  });

  it("lets real activities through and refuses what would take Fedify long to read", () => {
    // A Mastodon-like note with 40 mentions, in a Create and in an Announce of that Create.
    const create = { "@context": AS, id: "https://peer.example/a/1", type: "Create", actor, to: [`${AS}#Public`], object: note(40) };
    expect(jsonShapeProblem(JSON.stringify(create))).toBeNull();
    expect(jsonShapeProblem(JSON.stringify({ "@context": AS, id: "https://peer.example/a/2", type: "Announce", actor, object: { ...create, "@context": undefined } }))).toBeNull();
    // The campaign's wide activity (900 mentions) and a note wrapped in 12 Announces.
    expect(jsonShapeProblem(JSON.stringify({ ...create, object: note(900) }))).toMatch(/more than 500 elements|more than 2000 units of work/);
    let deep: Record<string, unknown> = note(60);
    for (let d = 0; d < 12; d++) deep = { id: `https://peer.example/a/${d}`, type: "Announce", actor, object: deep };
    expect(JSON.stringify(deep).length).toBeLessThan(20_000);
    expect(jsonShapeProblem(JSON.stringify({ "@context": AS, ...deep }))).toMatch(/more than 2000 units of work/);
    expect(INBOX_JSON_LIMITS.maxWork).toBe(2_000);
  });
});

describe("workCost", () => {
  it("charges ordinary activities their work and the largest more than in proportion", () => {
    expect(workCost(470)).toBe(470);
    expect(workCost(1_000)).toBe(1_000);
    expect(workCost(1_500)).toBe(2_250);
    expect(workCost(2_000)).toBe(4_000);
  });
});

describe("OriginBudget", () => {
  it("lets an origin spend its burst, then refuses with the seconds to wait, and refills", () => {
    const budget = new OriginBudget({ perSecond: 100, burst: 1_000 });
    const t0 = 1_000_000;
    for (let i = 0; i < 10; i++) expect(budget.take("https://flood.example", 100, t0)).toBeNull();
    expect(budget.take("https://flood.example", 100, t0)).toBe(1);
    expect(budget.take("https://flood.example", 450, t0 + 500)).toBe(4);
    // Another origin is not affected.
    expect(budget.take("https://peer.example", 1_000, t0)).toBeNull();
    // One second later: 100 more.
    expect(budget.take("https://flood.example", 100, t0 + 1_000)).toBeNull();
    expect(budget.take("https://flood.example", 1, t0 + 1_000)).toBe(1);
    // Never more than the burst, however long it waited.
    expect(budget.take("https://flood.example", 1_000, t0 + 3_600_000)).toBeNull();
    expect(budget.take("https://flood.example", 1, t0 + 3_600_000)).toBe(1);
    // An activity costlier than the whole budget passes once the budget is full.
    expect(budget.take("https://big.example", 5_000, t0)).toBeNull();
  });

  it("remembers a bounded number of origins, forgetting the longest unseen", () => {
    const budget = new OriginBudget({ perSecond: 1, burst: 10, maxOrigins: 2 });
    expect(budget.take("https://a.example", 10, 0)).toBeNull();
    expect(budget.take("https://b.example", 10, 0)).toBeNull();
    expect(budget.take("https://a.example", 10, 0)).toBe(10);
    expect(budget.take("https://c.example", 10, 0)).toBeNull();
    // b was the longest unseen: forgotten, so it starts full again; a is still spent.
    expect(budget.take("https://b.example", 10, 0)).toBeNull();
    expect(budget.take("https://c.example", 1, 0)).toBe(1);
  });
});

describe("parseInboxBody", () => {
  it("takes one JSON object and refuses anything else with 400", () => {
    const enc = (s: string) => new TextEncoder().encode(s);
    expect(parseInboxBody(enc('{"type":"Follow"}'))).toEqual({ ok: true, json: { type: "Follow" }, work: 3 });
    for (const raw of ['"x"', "1", "null", "[]", "{", ""]) expect(parseInboxBody(enc(raw)), raw).toMatchObject({ ok: false, refusal: { status: 400 } });
    expect(parseInboxBody(new Uint8Array([0x7b, 0xff, 0x7d]))).toMatchObject({ ok: false, refusal: { status: 400, message: "the body is not UTF-8 text" } });
  });
});

describe("isMalformedActivityError", () => {
  it("tells the sender's malformed content from the server's failures", () => {
    expect(isMalformedActivityError(new TypeError("v.@value.substring is not a function"))).toBe(true);
    expect(isMalformedActivityError(new RangeError("invalid RFC 9557 string"))).toBe(true);
    expect(isMalformedActivityError(Object.assign(new Error("Invalid JSON-LD syntax"), { name: "jsonld.SyntaxError" }))).toBe(true);
    expect(isMalformedActivityError(new Error("connection terminated"))).toBe(false);
    expect(isMalformedActivityError(Object.assign(new Error("relation does not exist"), { name: "DatabaseError" }))).toBe(false);
  });
});
