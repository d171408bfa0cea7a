import type { FastifyError, FastifyInstance } from "fastify";
import type { Logger } from "pino";
import { truncateForLog } from "../app/logger.ts";
import { isStewardError, type StewardErrorCode, sqlState } from "../errors.ts";

/**
 * The one place where errors become HTTP responses (STYLE.md §11). Routes throw; they never
 * choose a status code for an error themselves. Every error body has the same shape.
 */

/** Codes an API client may see: Steward's own, plus two for what is not a StewardError. */
export type HttpErrorCode = StewardErrorCode | "request_invalid" | "internal_error";

export interface ErrorBody {
  error: { code: HttpErrorCode; message: string; details?: Record<string, unknown> };
}

export interface ErrorResponse {
  statusCode: number;
  body: ErrorBody;
  /**
   * Server faults are logged with their stack; client mistakes are not worth a log line, except
   * those the database had to refuse: some route let an unchecked value through.
   */
  logLevel: "error" | "warn" | "debug";
}

/** Exhaustive: a new StewardErrorCode does not compile until it is given a status here. */
export function statusForCode(code: StewardErrorCode): number {
  switch (code) {
    case "validation_failed":
      return 400;
    case "not_found":
      return 404;
    // An administrative route asked without the token of the process's own CLI.
    case "not_permitted":
      return 403;
    // The request is well formed but the thing it names is in a state that does not allow it
    // (cancelling a finished task): the client may look at that state and decide.
    case "conflict":
    // An idempotency key already used by a different request (see tasks/idempotency.ts).
    case "idempotency_conflict":
      return 409;
    // Temporarily unable: the database is away, or migrations are still to be applied.
    case "database_unreachable":
    case "database_missing":
    case "migrations_pending":
      return 503;
    // The server is misconfigured or its database is in a state it cannot work with:
    // nothing the client can change by retrying with another request.
    case "config_invalid":
    case "database_url_invalid":
    case "migration_invalid":
    case "migration_checksum_mismatch":
    case "migration_failed":
      return 500;
    default: {
      const unhandled: never = code;
      throw new Error(`No HTTP status for error code ${String(unhandled)}`);
    }
  }
}

export function toErrorResponse(error: unknown): ErrorResponse {
  if (isStewardError(error)) {
    // StewardError messages are written for the person who must fix things and are built
    // from redacted values (see redactDatabaseUrl), so they are safe to return as they are.
    const statusCode = statusForCode(error.code);
    return {
      statusCode,
      body: { error: { code: error.code, message: error.message, details: error.details } },
      logLevel: statusCode >= 500 ? "error" : "debug",
    };
  }
  if (isFastifyValidationError(error)) {
    return {
      statusCode: 400,
      body: {
        error: {
          code: "validation_failed",
          message: error.message,
          details: {
            context: error.validationContext,
            issues: error.validation.map((issue) => ({ path: issue.instancePath, message: issue.message })),
          },
        },
      },
      logLevel: "debug",
    };
  }
  if (isClientError(error)) {
    // Fastify's own 4xx (malformed JSON, body too large, unsupported media type): the
    // message describes the request, not the server.
    return {
      statusCode: error.statusCode,
      body: { error: { code: "request_invalid", message: error.message } },
      logLevel: "debug",
    };
  }
  const state = sqlState(error);
  if (state !== undefined && unstorableValueStates[state] !== undefined) {
    const message = `The request holds a value the database cannot store: ${unstorableValueStates[state]}. Nothing was changed.`;
    return {
      statusCode: 400,
      body: {
        error: { code: "validation_failed", message, details: { problems: [{ path: "request", message }] } },
      },
      logLevel: "warn",
    };
  }
  // Anything else is a bug or an outage: its message may hold SQL, paths or credentials.
  return {
    statusCode: 500,
    body: {
      error: { code: "internal_error", message: "Internal server error. The server log has the details." },
    },
    logLevel: "error",
  };
}

export function installErrorHandlers(app: FastifyInstance, logger: Logger): void {
  app.setErrorHandler((error, request, reply) => {
    const response = toErrorResponse(error);
    logger[response.logLevel](
      { err: error, method: request.method, url: truncateForLog(request.url) },
      "request failed",
    );
    return reply.code(response.statusCode).send(response.body);
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split("?")[0] ?? "";
    if (path === "/api" || path.startsWith("/api/")) {
      const body: ErrorBody = {
        error: { code: "not_found", message: `No API route ${request.method} ${path}.` },
      };
      return reply.code(404).send(body);
    }
    return reply.code(404).type("text/plain; charset=utf-8").send(`Not found: ${path}\n`);
  });
}

/**
 * Database refusals that can only come from a value of the request. The engine checks for these
 * first (storable-text.ts) and names the field; this is the net under a route that did not.
 */
const unstorableValueStates: Record<string, string> = {
  "22P05": "text with the NUL character (U+0000), which PostgreSQL text and jsonb cannot hold",
  "22021": "text with the NUL character (U+0000) or bytes that are not UTF-8",
  "22P02":
    "a value not in the form its field needs (JSON with a lone surrogate, which is not valid Unicode, or text where a number belongs)",
  "54001": "a value nested too deeply",
};

function isFastifyValidationError(
  error: unknown,
): error is FastifyError & Required<Pick<FastifyError, "validation">> {
  return error instanceof Error && Array.isArray((error as FastifyError).validation);
}

function isClientError(error: unknown): error is Error & { statusCode: number } {
  const statusCode = (error as { statusCode?: unknown } | null)?.statusCode;
  return error instanceof Error && typeof statusCode === "number" && statusCode >= 400 && statusCode < 500;
}
