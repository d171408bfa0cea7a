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
      redact: {
        paths: [
          "*.password",
          "*.apiKey",
          "*.token",
          "*.secret",
          "*.authorization",
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
