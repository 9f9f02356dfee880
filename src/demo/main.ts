import { runStory } from "./story/index.ts";

// `npm run demo`: the confederation story (src/demo/story/) on six instances in this
// process, printed as it happens. Exits 0 only if every checkpoint held and `folkmoot
// verify` passed on the final records. DEMO_LOG_LEVEL (e.g. info) shows the servers' logs.

const started = Date.now();
let cleanup: (() => Promise<void>) | null = null;
// Ctrl-C: stop the instances and delete their data before leaving.
process.once("SIGINT", () => {
  process.stdout.write("\nInterrupted: stopping the instances and deleting their data.\n");
  void (cleanup?.() ?? Promise.resolve()).finally(() => process.exit(130));
});
const result = await runStory({
  log: (line) => process.stdout.write(`${line}\n`),
  onCleanup: (fn) => (cleanup = fn),
  ...(process.env.DEMO_LOG_LEVEL ? { logLevel: process.env.DEMO_LOG_LEVEL } : {}),
});
const peakMiB = process.resourceUsage().maxRSS / 1024;
const out = (line = "") => process.stdout.write(`${line}\n`);
out();
out(`Time: ${((Date.now() - started) / 1000).toFixed(1)} s in all (peak memory ${peakMiB.toFixed(0)} MiB for the six instances in one process).`);
for (const a of result.acts) out(`   ${(a.ms / 1000).toFixed(1).padStart(5)} s  ${a.act}`);
out();
if (result.ok) {
  out("Everything held: every checkpoint, and verify on both referrals.");
} else {
  out(`${result.failures.length} checkpoint(s) failed:`);
  for (const f of result.failures) out(`  - ${f}`);
}
process.exit(result.ok ? 0 : 1);
