import { z } from "zod";
import { taskInputSchema } from "../tasks/task-input.ts";
import {
  alertsQuerySchema,
  backfillBodySchema,
  backfillParamsSchema,
  breachesQuerySchema,
  cancelManyBodySchema,
  deadTasksQuerySchema,
  importQuerySchema,
  indicatorsQuerySchema,
  kindsBodySchema,
  migrateBodySchema,
  planQuerySchema,
  repairBodySchema,
  resumeKindsBodySchema,
  retryDeadBodySchema,
  retryManyBodySchema,
  statsQuerySchema,
} from "./operation-schemas.ts";
import {
  bulkEnqueueBodySchema,
  cancelBodySchema,
  kindParamsSchema,
  listTasksQuerySchema,
  pauseBodySchema,
  retryBodySchema,
  taskIdParamsSchema,
} from "./task-api-schemas.ts";

/**
 * The HTTP API described as OpenAPI 3.1 (served at GET /api/openapi.json). Inputs come from the
 * same zod schemas the routes parse with, so the description cannot drift from what is
 * accepted; a test checks that every documented operation is a route and every /api route is
 * documented.
 */
export interface ApiOperation {
  method: "get" | "post";
  /** OpenAPI style: `/api/tasks/{id}`. */
  path: string;
  summary: string;
  tag: "tasks" | "kinds" | "models" | "telemetry" | "schema" | "system";
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

const invalid = "The request was refused; `error.details.problems` names each field and what is allowed.";
const localOnly =
  "Answers only to the steward CLI on this machine (the token in the embedded folder's lock file)";

export const apiOperations: ApiOperation[] = [
  {
    method: "post",
    path: "/api/tasks",
    summary: 'Enqueue one task (a task object) or many (`{ "tasks": [...] }`), all or nothing',
    tag: "tasks",
    body: z.union([taskInputSchema, bulkEnqueueBodySchema.extend({ tasks: z.array(taskInputSchema) })]),
    responses: {
      201: "At least one task was created: `{ tasks: [{ index, id, ref?, status, created }] }`",
      200: "Every task already existed under its idempotency key, added by the same request; those tasks are returned",
      400: invalid,
      409: "An idempotency key belongs to a task added by a different request (`idempotency_conflict`); `error.details.conflicts` names each task and the fields that differ",
    },
  },
  {
    method: "get",
    path: "/api/tasks",
    summary: "List tasks, newest first, filtered by status, kind, stage or text",
    tag: "tasks",
    query: listTasksQuerySchema,
    responses: { 200: "`{ tasks: [...] }`", 400: invalid },
  },
  {
    method: "get",
    path: "/api/tasks/stats",
    summary: "Queue depth by kind and status, running tasks, paused kinds",
    tag: "tasks",
    responses: { 200: "The counts" },
  },
  {
    method: "get",
    path: "/api/tasks/waiting",
    summary:
      "Queued and blocked tasks by why they wait: ready, delayed, retrying, blocked, paused kind, no model (with the scheduler's reason)",
    tag: "tasks",
    responses: {
      200: "`{ total, counted, byReason, groups: [{ reason, kind, count, earliestRunAt, cause, explanation }] }`",
    },
  },
  {
    method: "get",
    path: "/api/tasks/{id}",
    summary: "One task with its attempts",
    tag: "tasks",
    params: taskIdParamsSchema,
    responses: { 200: "`{ task }`", 400: invalid, 404: "No such task" },
  },
  {
    method: "post",
    path: "/api/tasks/{id}/cancel",
    summary: "Cancel a queued, blocked or running task (a running handler is aborted)",
    tag: "tasks",
    params: taskIdParamsSchema,
    body: cancelBodySchema,
    responses: { 200: "`{ task }`", 400: invalid, 404: "No such task", 409: "The task is already finished" },
  },
  {
    method: "post",
    path: "/api/tasks/{id}/retry",
    summary: "Queue a failed or cancelled task again",
    tag: "tasks",
    params: taskIdParamsSchema,
    body: retryBodySchema,
    responses: {
      200: "`{ task }`",
      400: invalid,
      404: "No such task",
      409: "The task is not failed or cancelled",
    },
  },
  {
    method: "post",
    path: "/api/kinds/{kind}/pause",
    summary: "Stop every worker from claiming tasks of this kind; running ones finish",
    tag: "kinds",
    params: kindParamsSchema,
    body: pauseBodySchema,
    responses: { 200: "`{ paused: [...] }`", 400: invalid },
  },
  {
    method: "post",
    path: "/api/kinds/{kind}/resume",
    summary: "Let workers claim tasks of this kind again",
    tag: "kinds",
    params: kindParamsSchema,
    responses: { 200: "`{ paused: [...] }`", 400: invalid },
  },
  {
    method: "post",
    path: "/api/tasks/cancel",
    summary:
      "Cancel named tasks (`steward task cancel`): what changed, what did not and why, ids that name no task",
    tag: "tasks",
    body: cancelManyBodySchema,
    responses: { 200: "`{ changed, unchanged: [{ id, status, allowed }], missing }`", 400: invalid },
  },
  {
    method: "post",
    path: "/api/tasks/retry",
    summary: "Queue named failed or cancelled tasks again with more attempts (`steward task retry`)",
    tag: "tasks",
    body: retryManyBodySchema,
    responses: { 200: "`{ changed, unchanged, missing, attempts }`", 400: invalid },
  },
  {
    method: "get",
    path: "/api/tasks/dead",
    summary: "Dead tasks (failed for good), newest first, with their total (`steward task dead`)",
    tag: "tasks",
    query: deadTasksQuerySchema,
    responses: { 200: "`{ total, tasks }`", 400: invalid },
  },
  {
    method: "post",
    path: "/api/tasks/retry-dead",
    summary: "Queue every dead task (of some kinds) again (`steward task retry --all-dead`)",
    tag: "tasks",
    body: retryDeadBodySchema,
    responses: { 200: "`{ changed, attempts }`", 400: invalid },
  },
  {
    method: "post",
    path: "/api/tasks/import",
    summary:
      "Add every task of a JSON Lines body in one transaction, problems named by line (`task add --file`)",
    tag: "tasks",
    query: importQuerySchema,
    ndjsonBody: true,
    responses: {
      201: "`{ added, existing, tasks: [{ line, id, status, created }] }`",
      200: "Nothing new: every task already existed under its idempotency key, or the body held none",
      400: invalid,
    },
  },
  {
    method: "get",
    path: "/api/kinds",
    summary: "Task kinds with their default stage and pause (`steward task kinds`)",
    tag: "kinds",
    responses: { 200: "`{ kinds: [{ name, description, stage, known, paused, pausedAt, pauseReason }] }`" },
  },
  {
    method: "post",
    path: "/api/kinds/pause",
    summary: "Pause several kinds at once (`steward task pause`); an unknown kind refuses them all",
    tag: "kinds",
    body: kindsBodySchema,
    responses: { 200: "`{ paused }`", 400: invalid },
  },
  {
    method: "post",
    path: "/api/kinds/resume",
    summary: "Resume several kinds at once (`steward task resume`)",
    tag: "kinds",
    body: resumeKindsBodySchema,
    responses: { 200: "`{ resumed, notPaused }`", 400: invalid },
  },
  {
    method: "get",
    path: "/api/migrations",
    summary: "Every migration: applied, pending, changed since applied (`steward migrate status`)",
    tag: "schema",
    responses: { 200: "`{ states, applied, pending, changed, unknown, current }`" },
  },
  {
    method: "get",
    path: "/api/migrations/plan",
    summary: "The SQL that up (or down) would run; changes nothing (`steward migrate plan`)",
    tag: "schema",
    query: planQuerySchema,
    responses: { 200: "`{ steps: [{ version, name, direction, sql }], error? }`", 400: invalid },
  },
  {
    method: "post",
    path: "/api/migrations/up",
    summary: "Apply pending migrations (`steward migrate up`)",
    tag: "schema",
    body: migrateBodySchema,
    localTokenOnly: true,
    responses: { 200: "`{ steps, error? }`: a failed run is a value", 400: invalid, 403: localOnly },
  },
  {
    method: "post",
    path: "/api/migrations/down",
    summary: "Revert migrations (`steward migrate down --yes`)",
    tag: "schema",
    body: migrateBodySchema,
    localTokenOnly: true,
    responses: { 200: "`{ steps, error? }`", 400: invalid, 403: localOnly },
  },
  {
    method: "post",
    path: "/api/migrations/repair",
    summary: "Accept the current files of migrations changed since applied (`steward migrate repair`)",
    tag: "schema",
    body: repairBodySchema,
    localTokenOnly: true,
    responses: { 200: "`{ accepted }`", 400: invalid, 403: localOnly },
  },
  {
    method: "get",
    path: "/api/doctor",
    summary: "The schema doctor's report: drift, repairs, pending migrations (`steward doctor`)",
    tag: "schema",
    responses: { 200: "`{ database, migrations, differences, repairable, manual, status }`" },
  },
  {
    method: "post",
    path: "/api/doctor/fix",
    summary: "Apply the automatic repairs in one transaction, then report again (`steward doctor --fix`)",
    tag: "schema",
    localTokenOnly: true,
    responses: { 200: "The report after, with `applied` and `error?`", 403: localOnly },
  },
  {
    method: "get",
    path: "/api/backfills",
    summary: "The backfills Steward knows (`steward backfill list`)",
    tag: "schema",
    responses: { 200: "`{ backfills: [{ name, description }] }`" },
  },
  {
    method: "post",
    path: "/api/backfills/{name}/run",
    summary:
      "Run or resume a backfill, answering JSON Lines of progress, then the result (`steward backfill <name>`)",
    tag: "schema",
    params: backfillParamsSchema,
    body: backfillBodySchema,
    localTokenOnly: true,
    ndjsonAnswer: true,
    responses: {
      200: 'JSON Lines: `{"progress"}` after each batch, then `{"result"}` or `{"error"}`',
      400: invalid,
      403: localOnly,
      404: "No such backfill",
    },
  },
  {
    method: "get",
    path: "/api/models",
    summary:
      "Models with their live state: load against limits, cooldowns, spend against budgets, what was learned",
    tag: "models",
    responses: { 200: "`{ at, models: [...], exhaustedIdeas }`" },
  },
  {
    method: "get",
    path: "/api/stats",
    summary:
      "Measures of finished attempts over a window (since: 5m, 1h, 1d, 30d or an ISO time), by stage, kind, model or idea: throughput, success, failure and retry rates, duration and queue wait percentiles, tokens, cost",
    tag: "telemetry",
    query: statsQuerySchema,
    responses: {
      200: "`{ window: { from, to, grain }, by, rows: [...], targets: [...] }`: each target of the stages and kinds asked about (telemetry.targets), measure by measure over the same window, `met`, `breached` or `no_data`",
      400: "An unknown stage, kind or model, or a bad window",
    },
  },
  {
    method: "get",
    path: "/api/targets/breaches",
    summary:
      "Breaches of the targets recorded by the workers, newest first (open=true: still open; since: 1d or an ISO time, breaches that lasted into it): the measure, observed and target values, the window, attempts, a sentence, opened, last seen and resolved times (`steward targets`)",
    tag: "telemetry",
    query: breachesQuerySchema,
    responses: {
      200: "`{ breaches: [...] }`",
      400: "A bad open, since or limit",
    },
  },
  {
    method: "get",
    path: "/api/indicators",
    summary:
      "The leading indicators (duration, error rate, retry ratio, queue wait, cost per success, output length, trust inflation) as series over a window, per scope",
    tag: "telemetry",
    query: indicatorsQuerySchema,
    responses: {
      200: "`{ window, series: [{ indicator, scope, points: [{ at, value }] }] }`",
      400: "A bad window or indicator",
    },
  },
  {
    method: "get",
    path: "/api/alerts",
    summary: "Alerts on trend change, newest first (open=true: only open ones), with their delivery state",
    tag: "telemetry",
    query: alertsQuerySchema,
    responses: { 200: "`{ alerts: [...] }`" },
  },
  {
    method: "get",
    path: "/api/events",
    summary: "Live task counts and newest tasks, as server-sent events",
    tag: "tasks",
    eventStream: true,
    responses: { 200: "An endless text/event-stream" },
  },
  {
    method: "get",
    path: "/api/status",
    summary: "Database, migrations, schema drift and workers",
    tag: "system",
    responses: { 200: "The status (also when not ready)" },
  },
  {
    method: "get",
    path: "/api/overview",
    summary: "Live work at a glance: running and waiting tasks and why, recent failures, models in use",
    tag: "system",
    responses: { 200: "`{ at, tasks, waiting, paused, failures, models }`" },
  },
  {
    method: "get",
    path: "/api/openapi.json",
    summary: "This description",
    tag: "system",
    responses: { 200: "OpenAPI 3.1" },
  },
  {
    method: "get",
    path: "/healthz",
    summary: "Liveness: the process answers",
    tag: "system",
    responses: { 200: '`{ "status": "ok" }`' },
  },
  {
    method: "get",
    path: "/readyz",
    summary: "Readiness: database reachable, migrations applied, no schema drift",
    tag: "system",
    responses: { 200: "Ready", 503: "Not ready; the body says why" },
  },
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
        "Steward's HTTP API: tasks (enqueue, list, inspect, cancel, retry), kinds (pause, resume), status and health. Errors always have the body `{ error: { code, message, details? } }`.",
    },
    tags: [
      { name: "tasks", description: "Durable tasks run by workers" },
      { name: "kinds", description: "Pausing and resuming kinds of task" },
      { name: "models", description: "Models tasks run on, and their limits" },
      { name: "telemetry", description: "Measures of finished work over time windows" },
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
