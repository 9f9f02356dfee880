import { getLogger } from "@logtape/logtape";
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger, routeFedifyLogs } from "../../src/logging.ts";

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split("\n")) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { lines, stream };
}

describe("logging", () => {
  it("routes Fedify's LogTape records into pino as structured JSON", () => {
    const { lines, stream } = capture();
    const logger = createLogger("info", stream);
    routeFedifyLogs(logger);
    getLogger(["fedify", "federation", "inbox"]).info("Activity {activityId} received.", { activityId: "https://x.example/a/1", privateKey: "secret" });
    getLogger(["fedify", "federation"]).debug("below the level");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 30,
      component: "fedify",
      category: "fedify.federation.inbox",
      activityId: "https://x.example/a/1",
      msg: "Activity https://x.example/a/1 received.",
    });
    expect(JSON.stringify(lines[0])).not.toContain("secret");
  });

  it("never writes key material or passwords", () => {
    const { lines, stream } = capture();
    const logger = createLogger("info", stream);
    logger.info({ user: { password: "hunter22", privateKey: "PEM" }, row: { private_jwk: "{}" } }, "x");
    const text = JSON.stringify(lines);
    expect(text).not.toContain("hunter22");
    expect(text).not.toContain("PEM");
    expect(text).toContain("[redacted]");
  });
});
