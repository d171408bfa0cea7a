import { z } from "zod";
import { storableText } from "../tasks/storable-text.ts";
import type { TaskStatus } from "../tasks/task.ts";

/**
 * What the task API accepts besides the tasks themselves (those are checked by the engine's
 * `taskInputSchema`, src/tasks/task-input.ts). Kept as zod schemas in one place: the OpenAPI
 * description (openapi.ts) is generated from these same schemas.
 */

/** Most tasks in one request: one transaction stays short enough not to hold up the workers. */
export const maxTasksPerRequest = 10_000;

/** Large enough for `maxTasksPerRequest` tasks of ordinary size; payloads themselves are capped by config. */
export const enqueueBodyLimitBytes = 10 * 1024 * 1024;

// A record, so that a status added to TaskStatus does not compile until it is listed here.
const statusNames: Record<TaskStatus, true> = {
  blocked: true,
  queued: true,
  running: true,
  succeeded: true,
  failed: true,
  cancelled: true,
};
export const taskStatuses = Object.keys(statusNames) as [TaskStatus, ...TaskStatus[]];

const positiveId = (what: string) =>
  z
    .string()
    .regex(/^[1-9][0-9]{0,14}$/, `must be a positive whole number (${what})`)
    .transform(Number);

/** `?status=queued,running` and `?status=queued&status=running` mean the same. */
export const commaList = <Item extends z.ZodType>(item: Item) =>
  z.preprocess(
    (value) =>
      value === undefined
        ? undefined
        : (Array.isArray(value) ? value : [value])
            .flatMap((v) => String(v).split(","))
            .map((v) => v.trim())
            .filter((v) => v !== ""),
    z.array(item).optional(),
  );

export const bulkEnqueueBodySchema = z.strictObject({
  tasks: z
    .array(z.unknown())
    .min(1, "give at least one task")
    .max(maxTasksPerRequest, `at most ${maxTasksPerRequest} tasks in one request; split it into several`),
});

export const taskIdParamsSchema = z.strictObject({ id: positiveId("a task id") });

export const listTasksQuerySchema = z.strictObject({
  status: commaList(
    z.enum(taskStatuses, {
      error: (issue) => `"${String(issue.input)}" is no task status; statuses: ${taskStatuses.join(", ")}`,
    }),
  ),
  kind: commaList(storableText(1, 64)),
  stage: storableText(1, 100).optional(),
  search: storableText(0, 200).optional(),
  before: positiveId("a task id: tasks older than it are listed").optional(),
  limit: z
    .string()
    .regex(/^[0-9]+$/, "must be a whole number from 1 to 500")
    .transform(Number)
    .pipe(z.number().min(1, "must be from 1 to 500").max(500, "must be from 1 to 500"))
    .optional(),
});

export const cancelBodySchema = z
  .strictObject({ reason: storableText(1, 500).optional() })
  .optional()
  .default({});

export const retryBodySchema = z
  .strictObject({ attempts: z.number().int().min(1).max(100).optional() })
  .optional()
  .default({});

export const kindParamsSchema = z.strictObject({ kind: storableText(1, 64) });

export const pauseBodySchema = z
  .strictObject({ reason: storableText(1, 500).optional() })
  .optional()
  .default({});
