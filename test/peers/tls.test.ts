/**
 * Checks that the test CA made by globalSetup reaches vitest's worker
 * processes: the worker was started with NODE_EXTRA_CA_CERTS, Node loaded the
 * CA into its "extra" store at start-up, and plain global `fetch` (undici)
 * and `node:https` accept a server on 127.0.0.2 that presents the CA-signed
 * certificate — while a certificate from an unknown issuer is still refused.
 */
import { createServer, get as httpsGet, type Server } from "node:https";
import { X509Certificate } from "node:crypto";
import { getCACertificates } from "node:tls";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generate } from "selfsigned";
import { readTestTls, TLS_DIR_ENV, TLS_FILES } from "../support/tls.ts";
import { join } from "node:path";
import { readFileSync } from "node:fs";

const servers: Server[] = [];

async function listen(host: string, certPem: string, keyPem: string): Promise<string> {
  const server = createServer({ cert: certPem, key: keyPem }, (_req, res) => {
    res.writeHead(200, { "content-type": "text/plain" });
    res.end("hello over tls");
  });
  servers.push(server);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, () => resolve());
  });
  return `https://${host}:${(server.address() as AddressInfo).port}/`;
}

function normalisePem(pem: string): string {
  return new X509Certificate(pem).fingerprint256;
}

describe("test CA in vitest workers", () => {
  const tls = readTestTls();
  let url: string;

  beforeAll(async () => {
    url = await listen("127.0.0.2", tls.certPem, tls.keyPem);
  });

  afterAll(async () => {
    await Promise.all(
      servers.map(
        (s) =>
          new Promise<void>((resolve) => {
            s.closeAllConnections();
            s.close(() => resolve());
          }),
      ),
    );
  });

  it("runs in a forked worker whose env carries NODE_EXTRA_CA_CERTS and the TLS dir", () => {
    const dir = process.env[TLS_DIR_ENV];
    expect(dir).toBeTruthy();
    const extraCa = process.env.NODE_EXTRA_CA_CERTS;
    // ca-cert.pem, or ca-bundle.pem when the caller already had NODE_EXTRA_CA_CERTS set.
    expect([join(dir!, TLS_FILES.caCert), join(dir!, "ca-bundle.pem")]).toContain(extraCa);
    expect(readFileSync(extraCa!, "utf8")).toContain(tls.caCertPem.trim());
    // A forked child process, not a thread of the vitest main process.
    expect(process.env.VITEST_POOL_ID).toBeTruthy();
    expect(typeof process.send).toBe("function");
  });

  it("loaded the test CA into Node's extra CA store at process start", () => {
    const extra = getCACertificates("extra").map(normalisePem);
    expect(extra).toContain(normalisePem(tls.caCertPem));
  });

  it("global fetch accepts https://127.0.0.2 with the CA-signed certificate", async () => {
    const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("hello over tls");
  });

  it("node:https accepts it too", async () => {
    const body = await new Promise<string>((resolve, reject) => {
      const req = httpsGet(url, { timeout: 5000 }, (res) => {
        let data = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => {
          data += c;
        });
        res.on("end", () => resolve(data));
      });
      req.on("timeout", () => req.destroy(new Error("timeout")));
      req.on("error", reject);
    });
    expect(body).toBe("hello over tls");
  });

  it("the certificate covers 127.0.0.1 … 127.0.0.9 and localhost", () => {
    const cert = new X509Certificate(tls.certPem);
    for (let i = 1; i <= 9; i++) expect(cert.checkIP(`127.0.0.${i}`)).toBe(`127.0.0.${i}`);
    expect(cert.checkHost("localhost")).toBe("localhost");
    expect(cert.verify(new X509Certificate(tls.caCertPem).publicKey)).toBe(true);
  });

  it("still rejects a certificate from an unknown issuer (verification is on)", async () => {
    const stranger = await generate([{ name: "commonName", value: "stranger" }], {
      algorithm: "sha256",
      extensions: [{ name: "subjectAltName", altNames: [{ type: 7, ip: "127.0.0.2" }] }],
    });
    const strangerUrl = await listen("127.0.0.2", stranger.cert, stranger.private);
    const err = await fetch(strangerUrl, { signal: AbortSignal.timeout(5000) }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(TypeError);
    const cause = (err as { cause?: { code?: string } }).cause;
    expect(cause?.code).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY|CERT/);
  });
});
