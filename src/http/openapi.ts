import { z } from "zod";
import type { ApiOperation } from "./operations/api-operation.ts";
import { fsarOperations } from "./operations/fsar-operations.ts";
import { moneyOperations } from "./operations/money-operations.ts";
import { schemaOperations } from "./operations/schema-operations.ts";
import { systemOperations } from "./operations/system-operations.ts";
import { taskOperations } from "./operations/task-operations.ts";
import { telemetryOperations } from "./operations/telemetry-operations.ts";

export type { ApiOperation } from "./operations/api-operation.ts";

/**
 * The HTTP API described as OpenAPI 3.1 (served at GET /api/openapi.json), each domain's
 * operations in a file of operations/. Inputs come from the same zod schemas the routes parse
 * with, so the description cannot drift from what is accepted; a test checks that every
 * documented operation is a route and every /api route is documented.
 */
export const apiOperations: ApiOperation[] = [
  ...taskOperations,
  ...schemaOperations,
  ...telemetryOperations,
  ...moneyOperations,
  ...fsarOperations,
  ...systemOperations,
];

/** Input as a client writes it (before defaults and transforms), as JSON Schema. */
function inputSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _, ...json } = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as Record<
    string,
    unknown
  >;
  return json;
}

/** Path or query parameters from an object schema: one entry per property. */
function parameters(schema: z.ZodType, where: "path" | "query"): Record<string, unknown>[] {
  const json = inputSchema(schema) as { properties?: Record<string, unknown>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name,
    in: where,
    required: where === "path" || (json.required ?? []).includes(name),
    schema: property,
  }));
}

const errorBody = {
  type: "object",
  required: ["error"],
  properties: {
    error: {
      type: "object",
      required: ["code", "message"],
      properties: {
        code: {
          type: "string",
          description:
            "validation_failed, not_found, conflict, idempotency_conflict, method_not_allowed, unsupported_media_type, malformed_json, body_too_large, url_invalid, url_too_long, header_fields_too_large, migrations_pending, internal_error, … (README, HTTP)",
        },
        message: { type: "string", description: "What was wrong and what is allowed" },
        details: { type: "object" },
      },
    },
  },
};

export function buildOpenApiDocument(version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of apiOperations) {
    const operation: Record<string, unknown> = {
      summary: op.summary,
      tags: [op.tag],
      operationId: `${op.method}${op.path.replace(/[^a-zA-Z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? "").toUpperCase())}`,
      parameters: [
        ...(op.params ? parameters(op.params, "path") : []),
        ...(op.query ? parameters(op.query, "query") : []),
      ],
      responses: Object.fromEntries(
        Object.entries(op.responses).map(([status, description]) => [
          status,
          Number(status) >= 400
            ? {
                description,
                content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
              }
            : {
                description,
                content: op.eventStream
                  ? { "text/event-stream": { schema: { type: "string" } } }
                  : op.ndjsonAnswer
                    ? { "application/x-ndjson": { schema: { type: "string" } } }
                    : { "application/json": { schema: { type: "object" } } },
              },
        ]),
      ),
    };
    if (op.localTokenOnly) operation.security = [{ localToken: [] }];
    if (op.ndjsonBody) {
      operation.requestBody = {
        required: true,
        content: {
          "application/x-ndjson": { schema: { type: "string", description: "One JSON task a line" } },
        },
      };
    }
    if (op.body) {
      operation.requestBody = {
        required: op.path === "/api/tasks",
        content: { "application/json": { schema: inputSchema(op.body) } },
      };
    }
    paths[op.path] ??= {};
    paths[op.path]![op.method] = operation;
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Steward",
      version,
      description:
        "Steward's HTTP API: tasks (enqueue, list, inspect, cancel, retry), kinds (pause, resume), models, telemetry, Stripe's webhook and the money, FSAR reports and the execution gate, schema, status and health. Errors always have the body `{ error: { code, message, details? } }`.",
    },
    tags: [
      { name: "tasks", description: "Durable tasks run by workers" },
      { name: "kinds", description: "Pausing and resuming kinds of task" },
      { name: "models", description: "Models tasks run on, and their limits" },
      { name: "telemetry", description: "Measures of finished work over time windows" },
      { name: "money", description: "Stripe's events, delivered signed to the webhook" },
      { name: "fsar", description: "Self-assessment reports, their findings, and the execution gate" },
      { name: "system", description: "Health, readiness and status" },
    ],
    paths,
    components: {
      schemas: { Error: errorBody },
      securitySchemes: {
        localToken: {
          type: "http",
          scheme: "bearer",
          description:
            "The token a running `steward start` writes into its embedded data folder's lock file, for the CLI of the same user on the same machine",
        },
      },
    },
  };
}
