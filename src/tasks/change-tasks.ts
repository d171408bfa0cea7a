import type { Database, Queryable } from "../db/database.ts";
import { StewardError } from "../errors.ts";
import {
  type ChangedTask,
  cancellableStatuses,
  cancelTasks,
  retryableStatuses,
  retryTasks,
} from "./cancel-tasks.ts";
import { countDeadTasks, retryDeadTasks } from "./dead-tasks.ts";
import { listTasks } from "./query-tasks.ts";
import { requireKnownKinds } from "./require-kinds.ts";
import { noSuchTask } from "./require-task.ts";
import type { TaskStatus, TaskView } from "./task.ts";
import type { TaskConfig } from "./task-config.ts";
import type { TaskKindRegistry } from "./task-kinds.ts";

/**
 * Cancelling and retrying named tasks, as every shell offers them: what changed, what did not
 * and why, and which ids name no task, as one value. The CLI prints it, the API returns it; the
 * rule of which states allow the change lives in cancel-tasks.ts alone.
 */
export interface ChangeReport {
  changed: ChangedTask[];
  /** Named tasks that exist but were not in a state that allows the change. */
  unchanged: { id: number; status: TaskStatus; allowed: TaskStatus[] }[];
  /** Ids that name no task. */
  missing: number[];
}

export async function cancelNamedTasks(db: Database, ids: number[], reason?: string): Promise<ChangeReport> {
  const changed = await cancelTasks(db, ids, reason);
  return reportOn(db, ids, changed, cancellableStatuses);
}

export interface RetryReport extends ChangeReport {
  /** Attempts each retried task was given. */
  attempts: number;
}

export async function retryNamedTasks(
  deps: { db: Database; config: { tasks: TaskConfig } },
  ids: number[],
  attempts?: number,
): Promise<RetryReport> {
  const extra = attempts ?? deps.config.tasks.defaultMaxAttempts;
  const changed = await retryTasks(deps.db, ids, extra);
  return { ...(await reportOn(deps.db, ids, changed, retryableStatuses)), attempts: extra };
}

/** Dead tasks (failed for good), newest first, with how many there are in all. */
export async function listDeadTasks(
  deps: { db: Queryable; kinds: TaskKindRegistry },
  options: { kinds?: string[]; limit?: number } = {},
): Promise<{ total: number; tasks: TaskView[] }> {
  if (options.kinds?.length) requireKnownKinds(deps.kinds, options.kinds);
  const [tasks, total] = await Promise.all([
    listTasks(deps.db, { status: ["failed"], kind: options.kinds, limit: options.limit }),
    countDeadTasks(deps.db, { kinds: options.kinds }),
  ]);
  return { total, tasks };
}

export async function retryAllDeadTasks(
  deps: { db: Database; kinds: TaskKindRegistry; config: { tasks: TaskConfig } },
  options: { kinds?: string[]; attempts?: number } = {},
): Promise<{ changed: ChangedTask[]; attempts: number }> {
  if (options.kinds?.length) requireKnownKinds(deps.kinds, options.kinds);
  const attempts = options.attempts ?? deps.config.tasks.defaultMaxAttempts;
  const changed = await retryDeadTasks(deps.db, { kinds: options.kinds, extraAttempts: attempts });
  return { changed, attempts };
}

/** "queued, blocked or running": the states a change allows, as every shell says them. */
export function allowedStates(allowed: TaskStatus[]): string {
  return allowed.length === 1 ? allowed[0]! : `${allowed.slice(0, -1).join(", ")} or ${allowed.at(-1)}`;
}

/**
 * One named task that did not change, as an error for a shell that changes one task at a time
 * (`POST /api/tasks/:id/cancel`): `not_found`, or `conflict` with its status and what is allowed.
 */
export function refusalOf(report: ChangeReport, id: number, verb: "cancelled" | "retried"): StewardError {
  const unchanged = report.unchanged.find((u) => u.id === id);
  if (unchanged === undefined) return noSuchTask(id);
  return new StewardError(
    "conflict",
    `Task ${id} is ${unchanged.status}; only ${allowedStates(unchanged.allowed)} tasks can be ${verb}.`,
    { details: { taskId: id, status: unchanged.status, allowed: unchanged.allowed } },
  );
}

async function reportOn(
  db: Queryable,
  ids: number[],
  changed: ChangedTask[],
  allowed: TaskStatus[],
): Promise<ChangeReport> {
  const done = new Set(changed.map((c) => c.id));
  const rest = [...new Set(ids)].filter((id) => !done.has(id));
  if (rest.length === 0) return { changed, unchanged: [], missing: [] };
  const { rows } = await db.query<{ id: number; status: TaskStatus }>(
    "SELECT id, status FROM execution_tasks WHERE id = ANY($1::bigint[]) ORDER BY id",
    [rest],
  );
  const found = new Set(rows.map((r) => r.id));
  return {
    changed,
    unchanged: rows.map((r) => ({ id: r.id, status: r.status, allowed })),
    missing: rest.filter((id) => !found.has(id)),
  };
}
