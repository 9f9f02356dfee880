import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, startupProblem } from "../../src/config.ts";

describe("configuration", () => {
  it("defaults to localhost, port 3000, the embedded database in ./data", () => {
    const c = loadConfig({});
    expect(c.port).toBe(3000);
    expect(c.host).toBe("localhost");
    expect(c.publicOrigin.href).toBe("http://localhost:3000/");
    expect(c.dataDir).toBe("./data");
    expect(c.databaseUrl).toBeUndefined();
    expect(c.allowPrivateAddress).toBe(false);
    expect(c.role).toBe("all");
    expect(c.deliveryRetryHours).toBe(72);
  });

  it("reads every variable", () => {
    const c = loadConfig({
      PORT: "8080",
      HOST: "0.0.0.0",
      PUBLIC_ORIGIN: "https://commune.example",
      DATA_DIR: "/var/lib/folkmoot",
      DATABASE_URL: "postgres://u:p@db:5432/folkmoot",
      LOG_LEVEL: "debug",
      ALLOW_PRIVATE_ADDRESS: "true",
      ROLE: "worker",
      QUEUE_WORKERS: "4",
      QUEUE_LEASE_SECONDS: "10",
      INSTANCE_NAME: "Riverside",
      JWT_SECRET: "x".repeat(40),
      DELIVERY_RETRY_HOURS: "48",
      TRUST_PROXY_HOPS: "1",
    });
    expect(c).toMatchObject({
      port: 8080,
      host: "0.0.0.0",
      dataDir: "/var/lib/folkmoot",
      databaseUrl: "postgres://u:p@db:5432/folkmoot",
      logLevel: "debug",
      allowPrivateAddress: true,
      role: "worker",
      queueWorkers: 4,
      queueLeaseSeconds: 10,
      instanceName: "Riverside",
      deliveryRetryHours: 48,
      trustProxyHops: 1,
    });
    expect(c.publicOrigin.origin).toBe("https://commune.example");
  });

  it.each([
    [{ PORT: "abc" }, "PORT"],
    [{ PORT: "70000" }, "PORT"],
    [{ PUBLIC_ORIGIN: "commune.example" }, "PUBLIC_ORIGIN"],
    [{ PUBLIC_ORIGIN: "ftp://commune.example" }, "PUBLIC_ORIGIN"],
    [{ PUBLIC_ORIGIN: "https://commune.example/folkmoot" }, "PUBLIC_ORIGIN"],
    [{ DATABASE_URL: "mysql://x" }, "DATABASE_URL"],
    [{ LOG_LEVEL: "loud" }, "LOG_LEVEL"],
    [{ ALLOW_PRIVATE_ADDRESS: "maybe" }, "ALLOW_PRIVATE_ADDRESS"],
    [{ ROLE: "web" }, "ROLE"],
    [{ ROLE: "janitor", DATABASE_URL: "postgres://x/y" }, "ROLE"],
    [{ JWT_SECRET: "short" }, "JWT_SECRET"],
    [{ TLS_CERT_FILE: "cert.pem" }, "TLS_KEY_FILE"],
    [{ HOST: "a b" }, "HOST"],
  ])("refuses %o naming %s", (env, variable) => {
    let error: unknown;
    try {
      loadConfig(env);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe(variable);
    expect((error as ConfigError).message).toMatch(new RegExp(`^invalid ${variable}: `));
    expect((error as ConfigError).message).not.toContain("\n");
  });
});

describe("start-up mistakes", () => {
  const config = loadConfig({ PORT: "3000", HOST: "127.0.0.1", DATABASE_URL: "postgres://folk@db.example:5433/moot" });
  it("says in one line what to change for a port in use, a wrong host and an unreachable database", () => {
    expect(startupProblem(Object.assign(new Error("listen EADDRINUSE"), { code: "EADDRINUSE" }), config)).toBe(
      "port 3000 on 127.0.0.1 is already in use: stop what uses it, or set PORT to another port",
    );
    expect(startupProblem(Object.assign(new Error("x"), { code: "EADDRNOTAVAIL" }), config)).toMatch(/not an address of this machine/);
    expect(startupProblem(new AggregateError([Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" })]), config)).toBe(
      "the PostgreSQL database at db.example:5433/moot could not be used: nothing answers there; check DATABASE_URL and that the server runs",
    );
    expect(startupProblem(Object.assign(new Error("x"), { code: "3D000" }), config)).toMatch(/that database does not exist/);
    // As the PostgreSQL opener wraps it.
    const wrapped = new Error("Cannot connect to PostgreSQL", { cause: Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }) });
    expect(startupProblem(wrapped, config)).toMatch(/nothing answers there/);
    expect(startupProblem(new Error("something else"), config)).toBeNull();
  });
});
