import type { Queryable } from "../db/database.ts";
import type { TaskStatus } from "./task.ts";
import { notifyTasksReady } from "./task-notifications.ts";

/**
 * What finishing a task does to the tasks that depend on it.
 * - succeeded: each dependent's count of unfinished dependencies goes down; at 0 it is queued.
 *   Counting on the dependent's row (instead of re-reading every dependency) stays right when
 *   two dependencies finish at once: the second update waits for the first and reads its result.
 * - failed or cancelled: every blocked task downstream fails or is cancelled, by its policy.
 */
export async function releaseDependents(
  db: Queryable,
  finished: { id: number; status: TaskStatus }[],
): Promise<void> {
  const succeeded = finished.filter((f) => f.status === "succeeded").map((f) => f.id);
  const failed = finished.filter((f) => f.status === "failed" || f.status === "cancelled");
  if (succeeded.length > 0) {
    const { rows } = await db.query<{ status: TaskStatus }>(
      `WITH done AS (
         SELECT task_id, count(*)::int AS n FROM task_dependencies WHERE depends_on = ANY($1::bigint[]) GROUP BY task_id
       )
       UPDATE execution_tasks t
          SET pending_dependencies = greatest(0, t.pending_dependencies - done.n),
              status = CASE WHEN t.pending_dependencies - done.n <= 0 THEN 'queued' ELSE 'blocked' END,
              run_at = CASE WHEN t.pending_dependencies - done.n <= 0 THEN greatest(t.run_at, now()) ELSE t.run_at END,
              updated_at = now()
         FROM done
        WHERE t.id = done.task_id AND t.status = 'blocked'
       RETURNING t.status`,
      [succeeded],
    );
    if (rows.some((r) => r.status === "queued")) await notifyTasksReady(db);
  }
  if (failed.length > 0)
    await failDependents(
      db,
      failed.map((f) => f.id),
    );
}

/** Fails or cancels (by each one's policy) every blocked task downstream of `ids`. */
export async function failDependents(db: Queryable, ids: number[]): Promise<number[]> {
  const { rows } = await db.query<{ id: number }>(
    `WITH RECURSIVE downstream AS (
       SELECT d.task_id AS id, d.depends_on AS cause FROM task_dependencies d WHERE d.depends_on = ANY($1::bigint[])
       UNION
       SELECT d.task_id, d.depends_on FROM task_dependencies d JOIN downstream x ON d.depends_on = x.id
     ), first_cause AS (
       SELECT id, min(cause) AS cause FROM downstream GROUP BY id
     )
     UPDATE execution_tasks t
        SET status = CASE WHEN t.on_dependency_failure = 'cancel' THEN 'cancelled' ELSE 'failed' END,
            error = jsonb_build_object('class', 'DependencyFailed',
                                       'message', 'dependency ' || f.cause || ' failed or was cancelled'),
            finished_at = now(),
            updated_at = now()
       FROM first_cause f
      WHERE t.id = f.id AND t.status = 'blocked'
     RETURNING t.id`,
    [ids],
  );
  return rows.map((r) => r.id);
}

/**
 * The safety net, run by every worker's maintenance loop: a blocked task whose dependencies
 * have all succeeded is queued, and one with a failed or cancelled dependency follows its
 * policy. This heals a dependent left behind when a process died between a completion and
 * the statement above. Blocked tasks are read through their index's predicate (waiting_status).
 */
export async function repairBlockedTasks(db: Queryable): Promise<{ queued: number; failed: number }> {
  const queued = await db.query<{ id: number }>(
    `UPDATE execution_tasks t
        SET status = 'queued', pending_dependencies = 0, run_at = greatest(t.run_at, now()), updated_at = now()
      WHERE t.waiting_status = 'blocked'
        AND NOT EXISTS (SELECT 1 FROM task_dependencies d JOIN execution_tasks x ON x.id = d.depends_on
                         WHERE d.task_id = t.id AND x.status <> 'succeeded')
     RETURNING t.id`,
  );
  if (queued.rows.length > 0) await notifyTasksReady(db);
  const dead = await db.query<{ id: number }>(
    `SELECT DISTINCT d.depends_on AS id FROM execution_tasks t
       JOIN task_dependencies d ON d.task_id = t.id
       JOIN execution_tasks x ON x.id = d.depends_on
      WHERE t.waiting_status = 'blocked' AND x.status IN ('failed', 'cancelled')`,
  );
  const failed =
    dead.rows.length > 0
      ? await failDependents(
          db,
          dead.rows.map((r) => r.id),
        )
      : [];
  return { queued: queued.rows.length, failed: failed.length };
}
