import { writeSync } from "node:fs";
import { setFaultHook } from "../../src/shared/faults.ts";

// A Folkmoot server process (as `npm start`) that kills itself with SIGKILL the first
// time an inbound activity of type FOLKMOOT_TEST_KILL_AT reaches the worst point: claimed
// and applied, not yet committed. Used only by test/e2e/inbound-crash.test.ts.

const killAt = process.env.FOLKMOOT_TEST_KILL_AT;
if (!killAt) throw new Error("FOLKMOOT_TEST_KILL_AT names the activity type to die on");
setFaultHook((point, detail) => {
  if (point !== "inbound-before-commit" || detail.type !== killAt) return;
  writeSync(2, `fault-main: SIGKILL at ${point} for ${detail.type} ${detail.activity}\n`);
  process.kill(process.pid, "SIGKILL");
});
await import("../../src/main.ts");
