import { describe, expect, it } from "vitest";
import { refusalToFailure } from "../../src/decisions/refusals.ts";
import type { RefusalCode } from "../../src/governance/index.ts";

describe("refusals of the core as service failures", () => {
  it.each<[RefusalCode, string]>([
    ["not-on-roll", "forbidden"],
    ["not-a-member-body", "forbidden"],
    ["left", "forbidden"],
    ["mandate-revoked", "forbidden"],
    ["outside-scope", "forbidden"],
    ["deadline-passed", "conflict"],
    ["duplicate-verdict", "conflict"],
    ["rotation-limit", "conflict"],
    ["unknown-mandate", "not-found"],
    ["unknown-referral", "not-found"],
    ["tally-mismatch", "invalid"],
    ["invalid-choice", "invalid"],
  ])("%s becomes %s, keeping the core's message", (code, expected) => {
    const failure = refusalToFailure({ code, message: `because ${code}` });
    expect(failure.code).toBe(expected);
    expect(failure.message).toBe(`because ${code}`);
  });
});
