import type { ApiOperation } from "./api-operation.ts";

/** The operations on the models, live events, status, the overview, this document and the health checks. */
export const systemOperations: ApiOperation[] = [
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
