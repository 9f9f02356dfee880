import { AsyncLocalStorage } from "node:async_hooks";
import { configureSync, type LogRecord } from "@logtape/logtape";
import pino, { type Logger } from "pino";
import type { LogLevel } from "./config.ts";

export type { Logger };

/** Structured JSON logs on stdout (or to `destination`, for tests). */
export function createLogger(level: LogLevel, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: "folkmoot" },
      // Belt and braces: key material must never reach a log line, whatever a caller passes.
      redact: { paths: ["*.privateKey", "*.private_jwk", "*.password", "*.password_hash", "*.d", "req.headers.authorization"], censor: "[redacted]" },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

const LOGTAPE_TO_PINO = {
  trace: "trace",
  debug: "debug",
  info: "info",
  warning: "warn",
  error: "error",
  fatal: "fatal",
} as const;

/**
 * Routes Fedify's LogTape records into pino. LogTape's configuration is global
 * to the process: the last call wins (several instances in one test process
 * share it).
 */
export function routeFedifyLogs(logger: Logger): void {
  const fedify = logger.child({ component: "fedify" });
  const sink = (record: LogRecord) => {
    // The Fastify bridge (federation/fastify-plugin.ts) catches and logs every error
    // federation.fetch throws, as a 400 for a malformed activity or with its stack;
    // Fedify's own line for it would log each malformed delivery as an error.
    const category = record.category.join(".");
    if (category === "fedify.federation.http" && rawText(record).startsWith("An error occurred while serving request")) return;
    // A malformed activity is the sender's fault and is answered 400: not an error of ours.
    const malformed = category === "fedify.federation.inbox" && rawText(record).startsWith("Failed to parse");
    const level = malformed ? "info" : LOGTAPE_TO_PINO[record.level];
    if (!fedify.isLevelEnabled(level)) return;
    const message = record.message.map((part) => (typeof part === "string" ? part : safeJson(part))).join("");
    const { error, err, ...rest } = record.properties as Record<string, unknown>;
    const errObj = error ?? err;
    fedify[level]({ category: record.category.join("."), ...sanitiseProperties(rest), ...(errObj ? { err: errObj } : {}) }, message);
  };
  configureSync({
    reset: true,
    contextLocalStorage: new AsyncLocalStorage(),
    sinks: { pino: sink },
    loggers: [
      { category: ["fedify"], sinks: ["pino"], lowestLevel: fedifyLowestLevel(logger.level) },
      { category: ["logtape", "meta"], sinks: ["pino"], lowestLevel: "warning" },
    ],
  });
}

/**
 * The least severe of Fedify's records worth making: none below info (its debug lines are
 * many), and none that pino would drop anyway (Fedify logs a line or two at info for every
 * activity; made and then dropped, they cost about 1 % of an inbox worker's CPU). Fedify's
 * errors about malformed activities are logged at info (see the sink), so they are made
 * whenever errors are.
 */
function fedifyLowestLevel(level: string): "info" | "warning" | "error" | "fatal" {
  if (level === "silent" || level === "fatal") return "fatal";
  if (level === "error") return "error";
  if (level === "warn") return "warning";
  return "info";
}

function rawText(record: LogRecord): string {
  return typeof record.rawMessage === "string" ? record.rawMessage : record.rawMessage.join("");
}

function safeJson(value: unknown): string {
  if (value instanceof URL) return value.href;
  try {
    return typeof value === "object" ? JSON.stringify(value) : String(value);
  } catch {
    return String(value);
  }
}

// Fedify puts whole activities and key objects into properties; keep logs small and free of keys.
function sanitiseProperties(props: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(props)) {
    if (/private|secret|jwk/i.test(k)) continue;
    if (v instanceof URL) out[k] = v.href;
    else if (typeof v === "string" || typeof v === "number" || typeof v === "boolean" || v === null) out[k] = v;
    else if (v && typeof v === "object" && "id" in v && (v as { id: unknown }).id instanceof URL) out[k] = (v as { id: URL }).id.href;
  }
  return out;
}
