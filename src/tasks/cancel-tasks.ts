import type { Database } from "../db/database.ts";
import { StewardError } from "../errors.ts";
import { requireStorableText } from "./storable-text.ts";
import type { TaskStatus } from "./task.ts";
import { failDependents } from "./task-dependencies.ts";
import { notifyTasksCancelled, notifyTasksReady } from "./task-notifications.ts";

export interface ChangedTask {
  id: number;
  from: TaskStatus;
  to: TaskStatus;
}

/** The states from which a task may be cancelled, and retried: the one home of these rules. */
export const cancellableStatuses: TaskStatus[] = ["queued", "blocked", "running"];
export const retryableStatuses: TaskStatus[] = ["failed", "cancelled"];

/**
 * Cancels queued, blocked and running tasks. A running task's attempt is recorded as
 * cancelled and its worker is told at once (NOTIFY) to abort the handler; the worker's own
 * report is then ignored (it no longer holds the lease). Finished tasks are left as they are.
 */
export async function cancelTasks(
  db: Database,
  ids: number[],
  reason = "cancelled by request",
): Promise<ChangedTask[]> {
  requireStorableText("The cancellation", { reason });
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{ id: number; from_status: TaskStatus; has_dependents: boolean }>(
      `WITH target AS (
         SELECT id, status, locked_by, attempts, run_at, started_at, ai_model FROM execution_tasks
          WHERE id = ANY($1::bigint[]) AND status = ANY($3::text[])
          FOR UPDATE
       ), updated AS (
         UPDATE execution_tasks t
            SET status = 'cancelled', error = jsonb_build_object('class', 'Cancelled', 'message', $2::text),
                finished_at = now(), locked_by = NULL, locked_until = NULL, updated_at = now()
           FROM target
          WHERE t.id = target.id
         RETURNING t.id, t.has_dependents
       ), recorded AS (
         INSERT INTO task_attempts (task_id, attempt, worker_id, ai_model, outcome, queued_at, started_at, finished_at,
                                    error_class, error_message)
         SELECT id, attempts, locked_by, ai_model, 'cancelled', run_at, started_at, now(), 'Cancelled', $2::text
           FROM target WHERE status = 'running'
         ON CONFLICT (task_id, attempt) DO NOTHING
       )
       SELECT target.id, target.status AS from_status, updated.has_dependents
         FROM target JOIN updated ON updated.id = target.id`,
      [ids, reason, cancellableStatuses],
    );
    await notifyTasksCancelled(
      tx,
      rows.filter((r) => r.from_status === "running").map((r) => r.id),
    );
    const withDependents = rows.filter((r) => r.has_dependents).map((r) => r.id);
    if (withDependents.length > 0) await failDependents(tx, withDependents);
    return rows.map((r) => ({ id: r.id, from: r.from_status, to: "cancelled" as const }));
  });
}

/**
 * Queues failed or cancelled tasks again, with `extraAttempts` more attempts (attempt numbers
 * keep counting up, so every attempt stays on record). A task whose dependencies are not all
 * succeeded goes back to blocked.
 */
export async function retryTasks(db: Database, ids: number[], extraAttempts: number): Promise<ChangedTask[]> {
  if (!Number.isInteger(extraAttempts) || extraAttempts < 1 || extraAttempts > 100) {
    throw new StewardError(
      "validation_failed",
      `attempts: ${extraAttempts} is not allowed; give a whole number from 1 to 100.`,
    );
  }
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{ id: number; from_status: TaskStatus; status: TaskStatus }>(
      `WITH target AS (
         SELECT t.id, t.status,
                (SELECT count(*)::int FROM task_dependencies d JOIN execution_tasks x ON x.id = d.depends_on
                  WHERE d.task_id = t.id AND x.status <> 'succeeded') AS pending
           FROM execution_tasks t
          WHERE t.id = ANY($1::bigint[]) AND t.status = ANY($3::text[])
          FOR UPDATE
       )
       UPDATE execution_tasks t
          SET status = CASE WHEN target.pending > 0 THEN 'blocked' ELSE 'queued' END,
              pending_dependencies = target.pending,
              max_attempts = t.attempts + $2,
              error = NULL, finished_at = NULL, run_at = now(), priority_at = now(), updated_at = now()
         FROM target
        WHERE t.id = target.id
       RETURNING t.id, target.status AS from_status, t.status`,
      [ids, extraAttempts, retryableStatuses],
    );
    if (rows.some((r) => r.status === "queued")) await notifyTasksReady(tx);
    return rows.map((r) => ({ id: r.id, from: r.from_status, to: r.status }));
  });
}
