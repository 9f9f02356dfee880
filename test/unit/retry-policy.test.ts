import { Temporal } from "@js-temporal/polyfill";
import { describe, expect, it } from "vitest";
import { deliveryRetryPolicy } from "../../src/federation/index.ts";

describe("delivery retry policy", () => {
  it("keeps retrying a peer that is down for a day, and gives up after the configured hours", () => {
    const policy = deliveryRetryPolicy(72);
    let elapsedMs = 0;
    let attempts = 0;
    for (; attempts < 1000; attempts++) {
      const delay = policy({ elapsedTime: Temporal.Duration.from({ milliseconds: elapsedMs }) as never, attempts });
      if (delay === null) break;
      const ms = delay.total({ unit: "millisecond" });
      expect(ms).toBeGreaterThan(0);
      expect(ms).toBeLessThanOrEqual(3600 * 1000 * 1.2);
      elapsedMs += ms;
    }
    expect(elapsedMs).toBeGreaterThanOrEqual(72 * 3600 * 1000);
    expect(elapsedMs).toBeLessThan(74 * 3600 * 1000);
    // Early retries are quick, so a brief blip costs seconds, not hours.
    const first = policy({ elapsedTime: Temporal.Duration.from({ seconds: 0 }) as never, attempts: 0 });
    expect(first!.total({ unit: "second" })).toBeLessThan(2);
  });
});
