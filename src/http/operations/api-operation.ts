import type { z } from "zod";

/** One operation of the HTTP API, as openapi.ts turns it into OpenAPI 3.1. */
export interface ApiOperation {
  method: "get" | "post";
  /** OpenAPI style: `/api/tasks/{id}`. */
  path: string;
  summary: string;
  tag: "tasks" | "kinds" | "models" | "telemetry" | "money" | "fsar" | "schema" | "system";
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  /** Status → what it means. Error statuses answer with the common error body. */
  responses: Record<number, string>;
  /** Not JSON: server-sent events. */
  eventStream?: boolean;
  /** The body is JSON Lines (`application/x-ndjson`), as the answer of a streaming operation may be. */
  ndjsonBody?: boolean;
  ndjsonAnswer?: boolean;
  /** Answers only to the local token of the process's own CLI (see local-token.ts). */
  localTokenOnly?: boolean;
}

export const invalid =
  "The request was refused; `error.details.problems` names each field and what is allowed.";
export const localOnly =
  "Answers only to the steward CLI on this machine (the token in the embedded folder's lock file)";
