import pino, { type Logger } from "pino";
import type { Config } from "../config/config-schema.ts";

/**
 * Logs go to stderr as JSON lines, so that stdout stays for what a command prints.
 * Fields that may hold secrets are censored wherever they appear.
 */
export function createLogger(
  config: Config["log"],
  destination: pino.DestinationStream = pino.destination(2),
): Logger {
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
    destination,
  );
}
