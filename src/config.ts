// Configuration comes from environment variables only, so the same build runs
// embedded on a laptop, in Docker and on Fly. A bad value stops the process
// with one line that names the variable.

export type Role = "all" | "web" | "worker";
export type LogLevel = "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";

export interface Config {
  /** TCP port the HTTP server listens on. */
  port: number;
  /** Interface to bind (`localhost`, `0.0.0.0`, `127.0.0.2`, ...). */
  host: string;
  /** The canonical public origin; every ActivityPub URL is built from it. */
  publicOrigin: URL;
  /** Directory for the embedded database and the admin socket. */
  dataDir: string;
  /** PostgreSQL server URL; when absent the embedded PGlite database is used. */
  databaseUrl: string | undefined;
  logLevel: LogLevel;
  /** Lets the instance talk to peers on loopback/private addresses (tests and development only). */
  allowPrivateAddress: boolean;
  /** `all` serves HTTP and runs the queue workers; `web` and `worker` split them. */
  role: Role;
  /** Queue claim loops per worker process. */
  queueWorkers: number;
  /** How long a claimed queue message stays leased without renewal; after a crash it is redelivered this soon. */
  queueLeaseSeconds: number;
  /** Human name of the instance (NodeInfo, pages). */
  instanceName: string;
  /** Secret for signing API tokens; generated and stored in the database when absent. */
  jwtSecret: string | undefined;
  /** How long delivery to a peer that is down keeps being retried, in hours. */
  deliveryRetryHours: number;
  /** Seconds between a vote and the `Update(Question)` that carries the new counts (debounce). */
  questionUpdateSeconds: number;
  /** Trust X-Forwarded-* from this many proxies in front (0 = none): client addresses for rate limits and logs. */
  trustProxyHops: number;
  /** Units of JSON-LD work per second one remote origin may make the inbox do (its budget holds ten seconds' worth); beyond it, 429. */
  inboxOriginRate: number;
  /** Serve HTTPS directly with this certificate and key (PEM files); usually a proxy terminates TLS. */
  tls: { certFile: string; keyFile: string } | undefined;
  /** Who may create an account from the website: anyone, holders of an invitation, or no one (accounts come from the CLI). */
  signup: SignupMode;
}

export type SignupMode = "open" | "invitation" | "closed";
const SIGNUP_MODES: readonly SignupMode[] = ["open", "invitation", "closed"];

export class ConfigError extends Error {
  readonly variable: string;
  constructor(variable: string, message: string) {
    super(`invalid ${variable}: ${message}`);
    this.name = "ConfigError";
    this.variable = variable;
  }
}

const LOG_LEVELS: readonly LogLevel[] = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];
const ROLES: readonly Role[] = ["all", "web", "worker"];

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(name, `expected a whole number, got ${JSON.stringify(raw)}`);
  const value = Number(raw.trim());
  if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

function boolean(env: NodeJS.ProcessEnv, name: string): boolean {
  const raw = env[name];
  if (raw === undefined || raw === "") return false;
  const v = raw.trim().toLowerCase();
  if (["1", "true", "yes", "on"].includes(v)) return true;
  if (["0", "false", "no", "off"].includes(v)) return false;
  throw new ConfigError(name, `expected true or false, got ${JSON.stringify(raw)}`);
}

function oneOf<T extends string>(env: NodeJS.ProcessEnv, name: string, values: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const v = raw.trim().toLowerCase() as T;
  if (!values.includes(v)) throw new ConfigError(name, `expected one of ${values.join(", ")}, got ${JSON.stringify(raw)}`);
  return v;
}

/** Reads and validates the configuration; throws {@link ConfigError} naming the first bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = integer(env, "PORT", 3000, 1, 65535);
  const host = (env.HOST ?? "").trim() || "localhost";
  if (/\s|\//.test(host)) throw new ConfigError("HOST", `expected a host name or address, got ${JSON.stringify(env.HOST)}`);

  let publicOrigin: URL;
  const rawOrigin = (env.PUBLIC_ORIGIN ?? "").trim();
  if (rawOrigin === "") {
    publicOrigin = new URL(`${env.TLS_CERT_FILE ? "https" : "http"}://${host.includes(":") ? `[${host}]` : host}:${port}`);
  } else {
    try {
      publicOrigin = new URL(rawOrigin);
    } catch {
      throw new ConfigError("PUBLIC_ORIGIN", `not a URL: ${JSON.stringify(rawOrigin)}`);
    }
    if (publicOrigin.protocol !== "http:" && publicOrigin.protocol !== "https:") {
      throw new ConfigError("PUBLIC_ORIGIN", "must start with http:// or https://");
    }
    if ((publicOrigin.pathname !== "/" && publicOrigin.pathname !== "") || publicOrigin.search || publicOrigin.hash) {
      throw new ConfigError("PUBLIC_ORIGIN", "must be an origin only (scheme, host and port), without a path");
    }
    publicOrigin = new URL(publicOrigin.origin);
  }

  const dataDir = (env.DATA_DIR ?? "").trim() || "./data";
  const databaseUrl = (env.DATABASE_URL ?? "").trim() || undefined;
  if (databaseUrl !== undefined) {
    let u: URL;
    try {
      u = new URL(databaseUrl);
    } catch {
      throw new ConfigError("DATABASE_URL", "not a URL (expected postgres://user@host:port/database)");
    }
    if (u.protocol !== "postgres:" && u.protocol !== "postgresql:") {
      throw new ConfigError("DATABASE_URL", "must start with postgres:// or postgresql://");
    }
  }
  const role = oneOf(env, "ROLE", ROLES, "all");
  if (role !== "all" && databaseUrl === undefined) {
    throw new ConfigError("ROLE", `the ${role} role needs DATABASE_URL: the embedded database serves one process only`);
  }
  const jwtSecret = (env.JWT_SECRET ?? "").trim() || undefined;
  if (jwtSecret !== undefined && jwtSecret.length < 32) {
    throw new ConfigError("JWT_SECRET", "must be at least 32 characters");
  }

  const certFile = (env.TLS_CERT_FILE ?? "").trim();
  const keyFile = (env.TLS_KEY_FILE ?? "").trim();
  if ((certFile === "") !== (keyFile === "")) {
    throw new ConfigError(certFile ? "TLS_KEY_FILE" : "TLS_CERT_FILE", "TLS_CERT_FILE and TLS_KEY_FILE go together");
  }

  return {
    port,
    host,
    publicOrigin,
    dataDir,
    databaseUrl,
    logLevel: oneOf(env, "LOG_LEVEL", LOG_LEVELS, "info"),
    allowPrivateAddress: boolean(env, "ALLOW_PRIVATE_ADDRESS"),
    role,
    queueWorkers: integer(env, "QUEUE_WORKERS", 2, 1, 64),
    queueLeaseSeconds: integer(env, "QUEUE_LEASE_SECONDS", 30, 2, 3600),
    instanceName: (env.INSTANCE_NAME ?? "").trim() || publicOrigin.host,
    jwtSecret,
    deliveryRetryHours: integer(env, "DELIVERY_RETRY_HOURS", 72, 1, 24 * 30),
    inboxOriginRate: integer(env, "INBOX_ORIGIN_RATE", 2_000, 100, 1_000_000),
    tls: certFile ? { certFile, keyFile } : undefined,
    trustProxyHops: integer(env, "TRUST_PROXY_HOPS", 0, 0, 10),
    questionUpdateSeconds: integer(env, "QUESTION_UPDATE_SECONDS", 60, 0, 3600),
    signup: oneOf(env, "SIGNUP", SIGNUP_MODES, "invitation"),
  };
}
