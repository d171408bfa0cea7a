import type { FastifyPluginAsync } from "fastify";
import type { Deps } from "../../app/deps.ts";
import { StewardError } from "../../errors.ts";
import { type ChangedTask, cancelTasks, retryTasks } from "../../tasks/cancel-tasks.ts";
import { enqueueTasks } from "../../tasks/enqueue-tasks.ts";
import { getTask, listTasks } from "../../tasks/query-tasks.ts";
import { noSuchTask } from "../../tasks/require-task.ts";
import type { TaskStatus } from "../../tasks/task.ts";
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
  // One task, or `{ "tasks": [...] }` for many: added all or nothing (see enqueueTasks).
  app.post("/api/tasks", { bodyLimit: enqueueBodyLimitBytes }, async (request, reply) => {
    const tasks = await enqueueTasks(deps, enqueueInputs(request.body));
    // Every task already existed under its idempotency key: nothing was created.
    return reply.code(tasks.some((t) => t.created) ? 201 : 200).send({ tasks });
  });

  app.get("/api/tasks", async (request) => {
    const query = parseRequest(listTasksQuerySchema, request.query, "query string");
    const tasks = await listTasks(deps.db, {
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
    const task = await getTask(deps.db, id);
    if (task === null) throw noSuchTask(id);
    return { task };
  });

  app.post("/api/tasks/:id/cancel", async (request) => {
    const { id } = parseRequest(taskIdParamsSchema, request.params, "path");
    const { reason } = parseRequest(cancelBodySchema, request.body ?? undefined, "body");
    const [changed] = await cancelTasks(deps.db, [id], reason);
    return { task: changed ?? (await refuseChange(deps, id, "cancelled", ["queued", "blocked", "running"])) };
  });

  app.post("/api/tasks/:id/retry", async (request) => {
    const { id } = parseRequest(taskIdParamsSchema, request.params, "path");
    const { attempts } = parseRequest(retryBodySchema, request.body ?? undefined, "body");
    const [changed] = await retryTasks(deps.db, [id], attempts ?? deps.config.tasks.defaultMaxAttempts);
    return { task: changed ?? (await refuseChange(deps, id, "retried", ["failed", "cancelled"])) };
  });
};

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

/** Nothing changed: says why, 404 if the task does not exist, 409 if it is in the wrong state. */
async function refuseChange(
  deps: Deps,
  id: number,
  verb: "cancelled" | "retried",
  allowed: TaskStatus[],
): Promise<ChangedTask> {
  const task = await getTask(deps.db, id);
  if (task === null) throw noSuchTask(id);
  throw new StewardError(
    "conflict",
    `Task ${id} is ${task.status}; only ${allowed.slice(0, -1).join(", ")} or ${allowed.at(-1)} tasks can be ${verb}.`,
    { details: { taskId: id, status: task.status, allowed } },
  );
}
