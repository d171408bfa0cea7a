import type { FastifyPluginAsync } from "fastify";
import type { Deps } from "../../app/deps.ts";
import { stewardOperations } from "../../app/operations.ts";
import { StewardError } from "../../errors.ts";
import { type ChangeReport, refusalOf } from "../../tasks/change-tasks.ts";
import { getTaskStats } from "../../tasks/task-stats.ts";
import { getWaitingTasks } from "../../tasks/waiting-tasks.ts";
import { parseRequest } from "../parse-request.ts";
import {
  bulkEnqueueBodySchema,
  cancelBodySchema,
  enqueueBodyLimitBytes,
  listTasksQuerySchema,
  retryBodySchema,
  taskIdParamsSchema,
} from "../task-api-schemas.ts";

/**
 * The task API: enqueue, list, inspect, cancel, retry. Each route parses its input, calls one
 * engine function and returns its result; refusals are thrown and mapped in error-handler.ts.
 */
export const taskRoutes: FastifyPluginAsync<{ deps: Deps }> = async (app, { deps }) => {
  const operations = stewardOperations(deps);

  // One task, or `{ "tasks": [...] }` for many: added all or nothing (see enqueueTasks).
  app.post("/api/tasks", { bodyLimit: enqueueBodyLimitBytes }, async (request, reply) => {
    const tasks = await operations.addTasks(enqueueInputs(request.body));
    // Every task already existed under its idempotency key: nothing was created.
    return reply.code(tasks.some((t) => t.created) ? 201 : 200).send({ tasks });
  });

  app.get("/api/tasks", async (request) => {
    const query = parseRequest(listTasksQuerySchema, request.query, "query string");
    const tasks = await operations.listTasks({
      status: query.status,
      kind: query.kind,
      stage: query.stage,
      search: query.search,
      beforeId: query.before,
      limit: query.limit,
    });
    return { tasks };
  });

  // A static path: Fastify matches it before /api/tasks/:id, whatever the order here.
  app.get("/api/tasks/stats", async () => getTaskStats(deps));
  app.get("/api/tasks/waiting", async () => getWaitingTasks(deps.db));

  app.get("/api/tasks/:id", async (request) => {
    const { id } = parseRequest(taskIdParamsSchema, request.params, "path");
    return { task: await operations.getTask(id) };
  });

  // One task by its path: the same operations as for many, the one task's refusal as an error.
  app.post("/api/tasks/:id/cancel", async (request) => {
    const { id } = parseRequest(taskIdParamsSchema, request.params, "path");
    const { reason } = parseRequest(cancelBodySchema, request.body ?? undefined, "body");
    const report = await operations.cancelTasks([id], reason);
    return { task: report.changed[0] ?? throwRefusal(report, id, "cancelled") };
  });

  app.post("/api/tasks/:id/retry", async (request) => {
    const { id } = parseRequest(taskIdParamsSchema, request.params, "path");
    const { attempts } = parseRequest(retryBodySchema, request.body ?? undefined, "body");
    const report = await operations.retryTasks([id], attempts);
    return { task: report.changed[0] ?? throwRefusal(report, id, "retried") };
  });
};

function throwRefusal(report: ChangeReport, id: number, verb: "cancelled" | "retried"): never {
  throw refusalOf(report, id, verb);
}

/** The body's tasks: `{ "tasks": [...] }` for many, or one task object by itself. */
function enqueueInputs(body: unknown): unknown[] {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new StewardError(
      "validation_failed",
      'The request\'s body was refused: send one task as a JSON object, or { "tasks": [ ... ] } for several.',
      {
        details: { problems: [{ path: "body", message: 'expected a task object or { "tasks": [ ... ] }' }] },
      },
    );
  }
  // A task has no field `tasks` (its schema is strict), so the two shapes cannot be confused.
  return "tasks" in body ? parseRequest(bulkEnqueueBodySchema, body, "body").tasks : [body];
}
