// Fills the install's compile cache (src/main.ts) ahead of time: starts a throwaway
// instance on an empty data directory as `npm start` does, waits for its first answer and
// stops it, which is what the first start of any instance does anyway. The Dockerfile runs
// it while building the image, whose files the server may not write.
// Usage: npm run compile-cache
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { serverNodeFlags } from "./node-flags.ts";

const root = fileURLToPath(new URL("../", import.meta.url));
const port = await new Promise<number>((resolve, reject) => {
  const probe = createServer().listen(0, "127.0.0.1", () => {
    const { port } = probe.address() as { port: number };
    probe.close(() => resolve(port));
  });
  probe.on("error", reject);
});
const dataDir = mkdtempSync(join(tmpdir(), "folkmoot-compile-cache-"));
const env: Record<string, string | undefined> = { ...process.env, DATA_DIR: dataDir, HOST: "127.0.0.1", PORT: String(port), LOG_LEVEL: "warn" };
delete env.DATABASE_URL;
delete env.ROLE;
delete env.NODE_COMPILE_CACHE;
delete env.NODE_DISABLE_COMPILE_CACHE;
const child = spawn(process.execPath, [...serverNodeFlags(), "src/main.ts"], { cwd: root, env, stdio: ["ignore", "inherit", "inherit"] });
const exited = new Promise<number | string>((resolve) => child.on("exit", (code, signal) => resolve(code ?? signal ?? -1)));
let answered = false;
for (const deadline = Date.now() + 120_000; !answered && child.exitCode === null && Date.now() < deadline; ) {
  answered = await fetch(`http://127.0.0.1:${port}/healthz`).then(
    (r) => r.ok,
    () => false,
  );
  if (!answered) await new Promise((r) => setTimeout(r, 50));
}
child.kill("SIGTERM");
const code = await exited;
rmSync(dataDir, { recursive: true, force: true });
if (!answered || code !== 0) {
  process.stderr.write(`compile-cache: the server ${answered ? `stopped with ${code}` : "did not answer"}\n`);
  process.exit(1);
}
console.log("compile-cache: the install's compile cache is filled");
