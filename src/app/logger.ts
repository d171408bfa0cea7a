import pino, { type Logger } from "pino";
import pretty from "pino-pretty";
import type { Config } from "../config/config-schema.ts";

/**
 * Logs go to stderr, so that stdout stays for what a command prints: JSON lines for log
 * collectors, or readable lines for a person at a terminal (`log.format`, default auto).
 * Fields that may hold secrets are censored wherever they appear.
 */
export function createLogger(config: Config["log"], destination?: pino.DestinationStream): Logger {
  const readable = config.format === "pretty" || (config.format === "auto" && process.stderr.isTTY);
  const stream =
    destination ??
    (readable
      ? pretty({
          destination: 2,
          sync: true,
          colorize: Boolean(process.stderr.isTTY),
          ignore: "pid,hostname",
          translateTime: "HH:MM:ss.l",
          singleLine: true,
        })
      : pino.destination(2));
  return pino(
    {
      level: config.level,
      serializers: { err: (error: unknown) => truncateForLog(pino.stdSerializers.err(error as Error)) },
      redact: {
        paths: [
          "*.password",
          "*.apiKey",
          "*.token",
          "*.secret",
          "*.authorization",
          "*.webhookSecrets",
          "*.apiKeyFile",
          "password",
          "apiKey",
          "token",
          "secret",
        ],
        censor: "****",
      },
    },
    stream,
  );
}

/**
 * A logged error must not carry a user's data in full: a database error holds the statement's
 * parameters (PGlite puts them on the error), so a refused enqueue would log every payload of the
 * request. Strings are cut to this many characters, with their length noted.
 */
export const maxLoggedTextLength = 300;
const maxLoggedItems = 20;
const maxLoggedDepth = 6;
/** Code-made text: cut line by line, so that a stack or an SQL statement stays readable. */
const multilineFields = new Set(["stack", "query"]);

/** A copy of `value` with long strings and arrays cut and deep nesting elided, for a log line. */
export function truncateForLog(value: unknown, depth = 0, key = ""): unknown {
  if (typeof value === "string") {
    if (!multilineFields.has(key)) return cut(value);
    const lines = value.split("\n");
    const kept = lines.slice(0, 40).map(cut);
    if (lines.length > kept.length) kept.push(`… (${lines.length - kept.length} more lines)`);
    return kept.join("\n");
  }
  if (typeof value !== "object" || value === null || value instanceof Date) return value;
  if (ArrayBuffer.isView(value)) return `[${value.byteLength} bytes of binary data]`;
  if (depth >= maxLoggedDepth) return "[nested deeper; left out]";
  if (Array.isArray(value)) {
    const items = value.slice(0, maxLoggedItems).map((item) => truncateForLog(item, depth + 1));
    if (value.length > maxLoggedItems) items.push(`… (${value.length} items in all)`);
    return items;
  }
  const copy: Record<string, unknown> = {};
  for (const [name, item] of Object.entries(value)) copy[name] = truncateForLog(item, depth + 1, name);
  return copy;
}

function cut(text: string): string {
  return text.length <= maxLoggedTextLength
    ? text
    : `${text.slice(0, maxLoggedTextLength)}… (${text.length} characters in all)`;
}
