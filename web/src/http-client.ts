/**
 * How every page talks to Steward's HTTP API, so that a failure reads the same everywhere: the
 * server's own message when it answered with one, its status otherwise, and, when nothing
 * answered at all (the server is stopped, or the network is down), `serverUnreachable` rather
 * than the browser's "Failed to fetch". No DOM types here, so that the server's tsconfig can
 * check the API modules that use it.
 */

import type { ErrorBody } from "../../src/http/error-handler.ts";

export const serverUnreachable =
  "Steward's server cannot be reached: it may have stopped, or the network is down. Trying again…";

export class ApiError extends Error {
  constructor(
    message: string,
    /** The HTTP status; 0 when no answer came. */
    readonly status: number,
    /** The server's error code (src/http/error-handler.ts), when it answered with one. */
    readonly code?: ErrorBody["error"]["code"],
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** `body`, when given, is sent as JSON (a POST that says what to change: `{ reason, kinds }`). */
export async function apiCall<T>(
  method: "GET" | "POST",
  url: string,
  signal?: AbortSignal,
  body?: unknown,
): Promise<T> {
  let response: Response;
  try {
    response = await fetch(
      url,
      body === undefined
        ? { method, signal, headers: { accept: "application/json" } }
        : {
            method,
            signal,
            headers: { accept: "application/json", "content-type": "application/json" },
            body: JSON.stringify(body),
          },
    );
  } catch (error) {
    // An abort is the caller's own doing: let it through as it is.
    if (signal?.aborted) throw error;
    throw new ApiError(serverUnreachable, 0);
  }
  // A refusal is the server's ErrorBody; a proxy in between may answer with anything else.
  const answer = (await response.json().catch(() => null)) as Partial<ErrorBody> | null;
  if (!response.ok) {
    throw new ApiError(
      answer?.error?.message ?? `${method} ${url} answered ${response.status} ${response.statusText}`,
      response.status,
      answer?.error?.code,
    );
  }
  return answer as T;
}

/** What a page says when loading `what` failed: the same words for an unreachable server everywhere. */
export function failureText(what: string, error: unknown): string {
  if (error instanceof ApiError && error.status === 0) return serverUnreachable;
  return `Cannot load ${what}: ${error instanceof Error ? error.message : String(error)}.`;
}
