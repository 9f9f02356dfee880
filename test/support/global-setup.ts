/**
 * vitest globalSetup: runs once per `vitest run`, in the main vitest process,
 * before any test worker is started.
 *
 * It creates a throw-away test CA and server certificate (see ./tls.ts) in a
 * fresh temp directory and exports
 * - `NODE_EXTRA_CA_CERTS` = the CA certificate, so every worker process trusts
 *   it in global `fetch` (undici) and `node:https`;
 * - `FOLKMOOT_TEST_TLS_DIR` = the directory, so tests can read
 *   `server-cert.pem`, `server-key.pem`, `ca-cert.pem` (see `readTestTls()`).
 *
 * Why this reaches the workers: Node reads `NODE_EXTRA_CA_CERTS` only at
 * process start-up, so setting it here cannot affect the main process, but
 * vitest's default `forks` pool spawns each worker with
 * `child_process.fork(..., { env: { ...process.env, ...test.env } })`, and it
 * builds that env when tests are scheduled, i.e. after globalSetup has run.
 * `test/peers/tls.test.ts` checks this end to end. (It would NOT work with
 * `pool: "threads"`: worker threads share the main process's CA store.)
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestCa, TLS_DIR_ENV } from "./tls.ts";

let dir: string | undefined;
let previous: { extraCa: string | undefined; tlsDir: string | undefined } | undefined;

/** Creates the test CA and exports its location to the worker processes. */
export async function setup(): Promise<void> {
  previous = { extraCa: process.env.NODE_EXTRA_CA_CERTS, tlsDir: process.env[TLS_DIR_ENV] };
  dir = await mkdtemp(join(tmpdir(), "folkmoot-tls-"));
  const { caCertPath, caCertPem } = await createTestCa(dir);

  let trusted = caCertPath;
  if (previous.extraCa) {
    // NODE_EXTRA_CA_CERTS takes one file: keep whatever the caller already
    // trusted by bundling it with the test CA.
    const existing = await readFile(previous.extraCa, "utf8").catch(() => "");
    if (existing) {
      trusted = join(dir, "ca-bundle.pem");
      await writeFile(trusted, `${existing.trimEnd()}\n${caCertPem}`);
    }
  }
  process.env.NODE_EXTRA_CA_CERTS = trusted;
  process.env[TLS_DIR_ENV] = dir;
}

/** Deletes the temp directory and restores the environment. */
export async function teardown(): Promise<void> {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
  if (previous) {
    restore("NODE_EXTRA_CA_CERTS", previous.extraCa);
    restore(TLS_DIR_ENV, previous.tlsDir);
    previous = undefined;
  }
}

function restore(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}
