import { Writable } from "node:stream";
import { createLogger } from "../../src/app/logger.ts";
import type { Config } from "../../src/config/config-schema.ts";

export interface LogEntry {
  msg: string;
  [field: string]: unknown;
}

/**
 * Steward's JSON logger (createLogger, with its redaction), keeping what it writes at `level`
 * and above: each line as written in `lines`, and parsed in `entries`.
 */
export function capturedLogger(level: Config["log"]["level"] = "warn") {
  const lines: string[] = [];
  const entries: LogEntry[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split("\n").filter(Boolean)) {
        lines.push(line);
        entries.push(JSON.parse(line));
      }
      done();
    },
  });
  return { logger: createLogger({ level, format: "json" }, destination), lines, entries };
}
