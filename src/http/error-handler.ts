import { STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import type {
  FastifyError,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  FastifyServerOptions,
} from "fastify";
import type { Logger } from "pino";
import { truncateForLog } from "../app/logger.ts";
import { isStewardError, type StewardErrorCode, sqlState } from "../errors.ts";

/**
 * The one place where errors become HTTP responses (STYLE.md §11). Routes throw; they never
 * choose a status code for an error themselves. Every error body has the same shape.
 */

/**
 * Codes an API client may see: Steward's own, those of requests HTTP itself refuses (most of
 * them are made by Fastify or Node before a route runs), and one for what is not Steward's error.
 */
export type HttpErrorCode =
  | StewardErrorCode
  | "method_not_allowed"
  | "unsupported_media_type"
  | "malformed_json"
  | "body_too_large"
  | "url_invalid"
  | "url_too_long"
  | "header_fields_too_large"
  | "request_timeout"
  | "request_invalid"
  | "internal_error";

/** What a refusal may say of the request it refuses. */
type RequestFacts = Pick<FastifyRequest, "method" | "url" | "headers"> & {
  routeOptions?: { bodyLimit?: number };
};

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

export function toErrorResponse(error: unknown, request?: RequestFacts): ErrorResponse {
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
    // Fastify's own 4xx (malformed JSON, body too large, unsupported media type): said in
    // Steward's words, with what to send instead.
    const known = fastifyRefusals[(error as FastifyError).code ?? ""];
    return {
      statusCode: known?.status ?? error.statusCode,
      body: {
        error: known
          ? { code: known.code, message: known.message(request) }
          : { code: "request_invalid", message: error.message },
      },
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

/** The parts of Fastify's own options that make its early refusals answer like every other error. */
export function errorAnswerOptions(
  logger: Logger,
): Pick<FastifyServerOptions, "frameworkErrors" | "clientErrorHandler"> {
  return {
    // A URL that does not decode, or a path parameter too long: refused before any route.
    frameworkErrors: (error, request, reply) => sendError(logger, error, request, reply),
    clientErrorHandler: (error, socket) => answerClientError(logger, error, socket),
  };
}

export function installErrorHandlers(app: FastifyInstance, logger: Logger): void {
  app.setErrorHandler((error, request, reply) => sendError(logger, error, request, reply));

  // JSON is the only body the API reads; without this, a text/plain body would reach a route
  // as a string (and be told it is no task). Routes that take another type add its parser.
  app.removeContentTypeParser("text/plain");

  // Which methods a path answers, for 405s. A path a static route names has that route's methods
  // only, although the router would pass another method on to a parametric sibling
  // (GET /api/tasks/cancel to GET /api/tasks/:id, to be refused as no task id).
  const fixed = new Map<string, Set<string>>();
  const parametric: { method: string; pattern: RegExp }[] = [];
  app.addHook("onRoute", (route) => {
    // A wildcard (the dashboard's files) answers any path: it says nothing of which methods one has.
    if (route.url.includes("*")) return;
    for (const method of [route.method].flat()) {
      if (route.url.includes(":")) parametric.push({ method, pattern: routePattern(route.url) });
      else fixed.set(route.url, (fixed.get(route.url) ?? new Set()).add(method));
    }
  });
  const allowedMethods = (path: string): string[] => {
    const methods = new Set(
      fixed.get(path) ?? parametric.filter((r) => r.pattern.test(path)).map((r) => r.method),
    );
    if (methods.has("GET")) methods.add("HEAD");
    return [...methods].sort();
  };
  const refuseMethod = (request: FastifyRequest, reply: FastifyReply, path: string, allowed: string[]) => {
    const body: ErrorBody = {
      error: {
        code: "method_not_allowed",
        message: `${request.method} is not allowed on ${truncateForLog(path)}; it answers ${allowed.join(", ")}.`,
        details: { allowed },
      },
    };
    return reply.code(405).header("allow", allowed.join(", ")).send(body);
  };

  // A plain hook, not async: it runs on every request, the enqueue hot path among them.
  app.addHook("onRequest", (request, reply, done) => {
    const path = request.url.split("?")[0] ?? "";
    const methods = fixed.get(path);
    if (
      methods === undefined ||
      methods.has(request.method) ||
      (request.method === "HEAD" && methods.has("GET"))
    )
      return done();
    refuseMethod(request, reply, path, allowedMethods(path));
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split("?")[0] ?? "";
    const allowed = allowedMethods(path);
    if (allowed.length > 0 && !allowed.includes(request.method))
      return refuseMethod(request, reply, path, allowed);
    // A route has this path and method, yet the router passed it by: a parameter was too long.
    if (
      allowed.includes(request.method) &&
      path.split("/").some((segment) => segment.length > maxParamLength)
    )
      return sendError(
        logger,
        Object.assign(new Error("path parameter too long"), {
          code: "FST_ERR_MAX_PARAM_LENGTH",
          statusCode: 414,
        }),
        request,
        reply,
      );
    const body: ErrorBody = {
      error: {
        code: "not_found",
        message: `No route ${request.method} ${truncateForLog(path)}. The API's routes are listed at GET /api/openapi.json; the dashboard is at /.`,
      },
    };
    return reply.code(404).send(body);
  });
}

function sendError(logger: Logger, error: unknown, request: FastifyRequest, reply: FastifyReply) {
  const response = toErrorResponse(error, request);
  logger[response.logLevel](
    { err: error, method: request.method, url: truncateForLog(request.url) },
    "request failed",
  );
  return reply.code(response.statusCode).send(response.body);
}

/**
 * Node's HTTP server refuses some requests before Fastify sees them (header fields over
 * `--max-http-header-size`, 16 KB by default, a long URL included; bytes that are not HTTP; a
 * request that takes too long to arrive). What it would write has no body; this writes the
 * error body every other refusal has, then closes the connection, as Node does.
 */
function answerClientError(logger: Logger, error: Error & { code?: string }, socket: Socket): void {
  if (error.code === "ECONNRESET" || socket.destroyed) return;
  const [status, code, message]: [number, HttpErrorCode, string] =
    error.code === "HPE_HEADER_OVERFLOW"
      ? [
          431,
          "header_fields_too_large",
          "The request's header fields, its URL among them, are larger than the server accepts (16 KB in all unless Node's --max-http-header-size says otherwise). Send a shorter URL or fewer or smaller headers.",
        ]
      : error.code === "ERR_HTTP_REQUEST_TIMEOUT"
        ? [408, "request_timeout", "The request did not arrive in time; send it again."]
        : [400, "request_invalid", "The request is not valid HTTP/1.1."];
  logger.debug({ err: error, status }, "request refused before routing");
  if (socket.writable) {
    const body = JSON.stringify({ error: { code, message } } satisfies ErrorBody);
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

/** Fastify's default `maxParamLength`: the longest path parameter its router matches. */
const maxParamLength = 100;

/** A route's URL pattern (`/api/tasks/:id`, `/a/:x(^\\d+)`) as a regular expression over paths. */
function routePattern(url: string): RegExp {
  const source = url
    .split(/(:\w+(?:\([^)]*\))?)/)
    .map((part, i) => (i % 2 === 1 ? "[^/]+" : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
    .join("");
  return new RegExp(`^${source}$`);
}

/** Fastify's refusals of a request's form, by its error code: the status, Steward's code, what to do. */
const fastifyRefusals: Record<
  string,
  { status: number; code: HttpErrorCode; message: (request?: RequestFacts) => string }
> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415,
    code: "unsupported_media_type",
    message: (request) => {
      const type = request?.headers["content-type"];
      return `${type ? `The content type ${truncateForLog(String(type))} is not supported` : "The request has a body but no Content-Type"}: send the body as JSON, with Content-Type: application/json.`;
    },
  },
  FST_ERR_CTP_INVALID_JSON_BODY: {
    status: 400,
    code: "malformed_json",
    message: () => "The body is not valid JSON (Content-Type says application/json). Send one JSON value.",
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    status: 400,
    code: "malformed_json",
    message: () =>
      "The body is empty but Content-Type says application/json: send a JSON value ({} when there is nothing to say), or leave out the Content-Type header.",
  },
  FST_ERR_CTP_BODY_TOO_LARGE: {
    status: 413,
    code: "body_too_large",
    message: (request) => {
      const limit = request?.routeOptions?.bodyLimit;
      return `The body is larger than this route accepts${limit ? ` (${limit.toLocaleString("en-US")} bytes)` : ""}; split it into several requests.`;
    },
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    status: 400,
    code: "request_invalid",
    message: () => "The body's length is not the Content-Length the request gives.",
  },
  FST_ERR_BAD_URL: {
    status: 400,
    code: "url_invalid",
    message: (request) =>
      `The URL ${request ? truncateForLog(request.url) : ""} is not valid: each %-escape must decode to UTF-8 text (a lone surrogate, say, cannot be written in a URL).`,
  },
  FST_ERR_MAX_PARAM_LENGTH: {
    status: 414,
    code: "url_too_long",
    message: () =>
      `A parameter in the URL's path is longer than ${maxParamLength} characters, the most any route takes.`,
  },
};

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
