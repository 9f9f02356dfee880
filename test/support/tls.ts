/**
 * Test-time TLS: a throw-away certificate authority and a server certificate it
 * signs, valid for the loopback addresses the integration tests bind to.
 *
 * Why: `acct:user@host` look-ups are https-only in Fedify and Mastodon, so
 * handle-based federation tests need real TLS on 127.0.0.x. Node trusts the CA
 * when a process starts with `NODE_EXTRA_CA_CERTS=<ca-cert.pem>` (undici's
 * global `fetch` and `node:https` both use the default CA store), which
 * `test/support/global-setup.ts` arranges for vitest's worker processes.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import { join } from "node:path";
import { generate } from "selfsigned";

/** File names written by {@link createTestCa} inside its directory. */
export const TLS_FILES = {
  caCert: "ca-cert.pem",
  caKey: "ca-key.pem",
  serverCert: "server-cert.pem",
  serverKey: "server-key.pem",
} as const;

/** Environment variable that points test workers at the directory of {@link TLS_FILES}. */
export const TLS_DIR_ENV = "FOLKMOOT_TEST_TLS_DIR";

/** PEMs of the test CA and of the server certificate it signed. */
export interface TestTls {
  /** Absolute path of the CA certificate (the value for `NODE_EXTRA_CA_CERTS`). */
  caCertPath: string;
  /** Server (leaf) certificate, signed by the CA. */
  certPem: string;
  /** Private key of the server certificate (PKCS#8). */
  keyPem: string;
  /** CA certificate. */
  caCertPem: string;
}

/** Loopback addresses every server certificate covers: 127.0.0.1 … 127.0.0.9. */
export const LOOPBACK_TEST_IPS: readonly string[] = Array.from({ length: 9 }, (_, i) => `127.0.0.${i + 1}`);

/**
 * Generates a test CA and a server certificate signed by it, and writes both
 * (see {@link TLS_FILES}) into `dir` (created if missing).
 *
 * The server certificate has IP SANs 127.0.0.1 … 127.0.0.9, DNS `localhost`,
 * and each of `extraNames` (IP literals become IP SANs, anything else a DNS SAN).
 * Validity runs from one day ago to 30 days ahead, so small clock skews and
 * long watch sessions do not matter.
 */
export async function createTestCa(dir: string, extraNames: string[] = []): Promise<TestTls> {
  await mkdir(dir, { recursive: true });
  const notBeforeDate = new Date(Date.now() - 24 * 3600 * 1000);
  const notAfterDate = new Date(Date.now() + 30 * 24 * 3600 * 1000);

  // sha256: OpenSSL 3 at its default security level rejects SHA-1 signatures,
  // and selfsigned still defaults to sha1.
  const ca = await generate([{ name: "commonName", value: "Folkmoot Test CA" }], {
    algorithm: "sha256",
    keySize: 2048,
    notBeforeDate,
    notAfterDate,
    extensions: [
      { name: "basicConstraints", cA: true, critical: true },
      { name: "keyUsage", keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });

  const ipNames = new Set<string>(LOOPBACK_TEST_IPS);
  const dnsNames = new Set<string>(["localhost"]);
  for (const name of extraNames) {
    if (isIP(name)) ipNames.add(name);
    else dnsNames.add(name);
  }
  const server = await generate([{ name: "commonName", value: "localhost" }], {
    algorithm: "sha256",
    keySize: 2048,
    notBeforeDate,
    notAfterDate,
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: "basicConstraints", cA: false },
      { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
      { name: "extKeyUsage", serverAuth: true },
      {
        name: "subjectAltName",
        altNames: [...[...dnsNames].map((value) => ({ type: 2 as const, value })), ...[...ipNames].map((ip) => ({ type: 7 as const, ip }))],
      },
    ],
  });

  const caCertPath = join(dir, TLS_FILES.caCert);
  await Promise.all([
    writeFile(caCertPath, ca.cert),
    // The CA key lets a test mint further leaves; it never leaves the temp dir.
    writeFile(join(dir, TLS_FILES.caKey), ca.private, { mode: 0o600 }),
    writeFile(join(dir, TLS_FILES.serverCert), server.cert),
    writeFile(join(dir, TLS_FILES.serverKey), server.private, { mode: 0o600 }),
  ]);
  return { caCertPath, certPem: server.cert, keyPem: server.private, caCertPem: ca.cert };
}

function tlsDirOrThrow(dir: string | undefined): string {
  if (!dir) {
    throw new Error(`${TLS_DIR_ENV} is not set: run the tests through vitest (globalSetup creates the test CA)`);
  }
  return dir;
}

/**
 * Reads the CA and server certificate that globalSetup created
 * (default: the directory in `FOLKMOOT_TEST_TLS_DIR`). Synchronous so it can
 * be called at module top level in a test file.
 */
export function readTestTls(dir: string | undefined = process.env[TLS_DIR_ENV]): TestTls {
  const d = tlsDirOrThrow(dir);
  const caCertPath = join(d, TLS_FILES.caCert);
  return {
    caCertPath,
    certPem: readFileSync(join(d, TLS_FILES.serverCert), "utf8"),
    keyPem: readFileSync(join(d, TLS_FILES.serverKey), "utf8"),
    caCertPem: readFileSync(caCertPath, "utf8"),
  };
}

/** Async variant of {@link readTestTls}. */
export async function loadTestTls(dir: string | undefined = process.env[TLS_DIR_ENV]): Promise<TestTls> {
  const d = tlsDirOrThrow(dir);
  const caCertPath = join(d, TLS_FILES.caCert);
  const [certPem, keyPem, caCertPem] = await Promise.all([
    readFile(join(d, TLS_FILES.serverCert), "utf8"),
    readFile(join(d, TLS_FILES.serverKey), "utf8"),
    readFile(caCertPath, "utf8"),
  ]);
  return { caCertPath, certPem, keyPem, caCertPem };
}
