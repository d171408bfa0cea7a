import type { DoctorReport } from "../doctor/run-doctor.ts";
import type { StewardErrorCode } from "../errors.ts";

/**
 * The one place where errors become exit statuses (as src/http/error-handler.ts maps them to
 * HTTP statuses). A script can tell "you asked for something wrong" from "the database is away"
 * without reading the message. README, "Exit status", lists them.
 */
export const exitCodes = {
  ok: 0,
  /** The command ran and its answer is "no": not ready, drift, an id that names no task, a failed migration run. */
  answerIsNo: 1,
  /** The command line is wrong (an unknown option, a value that is no number): commander's refusal. */
  usage: 2,
  /** The request was refused: bad input, a state that does not allow it, nothing by that name, not permitted. */
  refused: 3,
  /** The configuration, or the database URL, is not usable. */
  configuration: 4,
  /** The database is unreachable, or there is none where one was expected. */
  database: 5,
  /** The schema is not what this Steward needs: migrations pending, changed or failed. */
  schema: 6,
  /** A fault of Steward's own (a bug): the message, and with STEWARD_DEBUG=1 the stack, say where. */
  internal: 70,
  /** Stopped by Ctrl-C (128 + SIGINT). */
  interrupted: 130,
} as const;

/** Exhaustive: a new StewardErrorCode does not compile until it is given an exit status here. */
export function exitCodeFor(code: StewardErrorCode): number {
  switch (code) {
    case "validation_failed":
    case "not_found":
    case "conflict":
    case "idempotency_conflict":
    case "not_permitted":
      return exitCodes.refused;
    case "config_invalid":
    case "database_url_invalid":
      return exitCodes.configuration;
    case "database_unreachable":
    case "database_missing":
      return exitCodes.database;
    case "migrations_pending":
    case "migration_invalid":
    case "migration_checksum_mismatch":
    case "migration_failed":
      return exitCodes.schema;
    default: {
      const unhandled: never = code;
      throw new Error(`No exit status for error code ${String(unhandled)}`);
    }
  }
}

/** `steward doctor`: 0 clean, 1 drift remains, 2 no drift but migrations pending or changed. */
export function doctorExitCode(report: Pick<DoctorReport, "status">): 0 | 1 | 2 {
  return report.status === "clean" ? 0 : report.status === "drift" ? 1 : 2;
}
