/**
 * Steward's typed errors. Few of them, each carrying the data a caller needs.
 * They are mapped to HTTP status codes in exactly one place (src/http/error-handler.ts)
 * and to CLI exit statuses in one place (src/cli/exit-codes.ts).
 */

export type StewardErrorCode =
  | "config_invalid"
  | "database_unreachable"
  | "database_missing"
  | "database_url_invalid"
  | "migration_invalid"
  | "migration_checksum_mismatch"
  | "migration_failed"
  | "migrations_pending"
  | "validation_failed"
  | "not_found"
  | "not_permitted"
  | "conflict"
  | "idempotency_conflict";

export class StewardError extends Error {
  readonly code: StewardErrorCode;
  readonly details: Record<string, unknown>;

  constructor(
    code: StewardErrorCode,
    message: string,
    options: { details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "StewardError";
    this.code = code;
    this.details = options.details ?? {};
  }
}

export function isStewardError(error: unknown, code?: StewardErrorCode): error is StewardError {
  return error instanceof StewardError && (code === undefined || error.code === code);
}

/** The SQLSTATE of a database error, from either driver (`pg` and PGlite both set `.code`). */
export function sqlState(error: unknown): string | undefined {
  if (typeof error === "object" && error !== null && "code" in error) {
    const code = (error as { code: unknown }).code;
    if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}
