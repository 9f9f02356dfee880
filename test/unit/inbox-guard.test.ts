import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isMalformedActivityError } from "../../src/federation/fastify-plugin.ts";
import { jsonShapeProblem, parseInboxBody, type JsonLimits } from "../../src/federation/inbox-guard.ts";

// The shape scan must agree with the values JSON.parse builds: the same depth, the same
// longest array, the same number of values (keys are not values).

function measure(value: unknown, depth = 0): { depth: number; longest: number; nodes: number } {
  if (value === null || typeof value !== "object") return { depth, longest: 0, nodes: 1 };
  const children = Array.isArray(value) ? value : Object.values(value);
  const inner = children.map((c) => measure(c, depth + 1));
  return {
    depth: Math.max(depth + 1, ...inner.map((m) => m.depth)),
    longest: Math.max(Array.isArray(value) ? value.length : 0, ...inner.map((m) => m.longest)),
    nodes: 1 + inner.reduce((n, m) => n + m.nodes, 0),
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
        (value, maxDepth, maxArrayLength, maxNodes) => {
          const text = JSON.stringify(value);
          const m = measure(JSON.parse(text));
          const limits: JsonLimits = { maxDepth, maxArrayLength, maxNodes };
          const within = m.depth <= maxDepth && m.longest <= maxArrayLength && m.nodes <= maxNodes;
          expect(jsonShapeProblem(text, limits) === null).toBe(within);
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

describe("parseInboxBody", () => {
  it("takes one JSON object and refuses anything else with 400", () => {
    const enc = (s: string) => new TextEncoder().encode(s);
    expect(parseInboxBody(enc('{"type":"Follow"}'))).toEqual({ ok: true, json: { type: "Follow" } });
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
