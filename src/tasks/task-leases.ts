import type { Queryable } from "../db/database.ts";
import { prepared } from "../db/prepared-statements.ts";
import { failDependents } from "./task-dependencies.ts";
import { notifyTasksReady } from "./task-notifications.ts";

/**
 * Extends the leases of the tasks a worker is running. Returns the ids it no longer holds
 * (the lease expired and the task went back to the queue, or it was cancelled): the worker
 * aborts those.
 */
export async function extendLeases(
  db: Queryable,
  workerId: string,
  ids: number[],
  leaseMs: number,
): Promise<number[]> {
  if (ids.length === 0) return [];
  const { rows } = await db.query<{ id: number }>(extendLeasesSql, [ids, workerId, leaseMs]);
  const held = new Set(rows.map((r) => r.id));
  return ids.filter((id) => !held.has(id));
}

const extendLeasesSql = prepared(
  "steward_extend_leases",
  `UPDATE execution_tasks SET locked_until = now() + $3 * interval '1 millisecond'
    WHERE id = ANY($1::bigint[]) AND locked_by = $2 AND status = 'running'
   RETURNING id`,
);

/**
 * Returns tasks whose lease expired (their worker died or stalled) to the queue, or fails them
 * when no attempt is left, recording the lost attempt. Any worker may run this: SKIP LOCKED
 * keeps two from handling the same task. The running tasks are those of recorded claims
 * (migration 0008: execution_tasks has no index on leases); claims whose tasks none of their
 * workers runs any more are removed afterwards (a worker that stopped without removing its own).
 */
export async function expireLeases(
  db: Queryable,
  urgencyStepSeconds: number,
  limit = 1_000,
): Promise<{ requeued: number; failed: number }> {
  const { rows } = await db.query<{ id: number; status: string; has_dependents: boolean }>(
    `WITH expired AS (
       SELECT id, locked_by, attempts, run_at, started_at FROM execution_tasks
        WHERE id = ANY (ARRAY(SELECT unnest(task_ids) FROM task_claims))
          AND status = 'running' AND locked_until < now()
        ORDER BY locked_until
        LIMIT $1
        FOR UPDATE SKIP LOCKED
     ), updated AS (
       UPDATE execution_tasks t
          SET status = CASE WHEN t.attempts >= t.max_attempts THEN 'failed' ELSE 'queued' END,
              error = jsonb_build_object('class', 'LeaseExpired',
                                         'message', 'worker ' || e.locked_by || ' stopped renewing its lease'),
              run_at = now(),
              priority_at = now() - t.urgency * $2 * interval '1 second',
              finished_at = CASE WHEN t.attempts >= t.max_attempts THEN now() END,
              locked_by = NULL,
              locked_until = NULL,
              updated_at = now()
         FROM expired e
        WHERE t.id = e.id
       RETURNING t.id, t.status, t.has_dependents
     ), recorded AS (
       INSERT INTO task_attempts (task_id, attempt, worker_id, ai_model, outcome, queued_at, started_at, finished_at,
                                  error_class, error_message)
       SELECT e.id, e.attempts, e.locked_by, t.ai_model, 'lease_lost', e.run_at, e.started_at, now(),
              'LeaseExpired', 'the worker stopped renewing its lease'
         FROM expired e JOIN execution_tasks t ON t.id = e.id
       ON CONFLICT (task_id, attempt) DO NOTHING
     )
     SELECT id, status, has_dependents FROM updated`,
    [limit, urgencyStepSeconds],
  );
  const failed = rows.filter((r) => r.status === "failed");
  if (rows.length > failed.length) await notifyTasksReady(db);
  const withDependents = failed.filter((r) => r.has_dependents).map((r) => r.id);
  if (withDependents.length > 0) await failDependents(db, withDependents);
  await db.query(forgetSpentClaimsSql);
  return { requeued: rows.length - failed.length, failed: failed.length };
}

// A claim is spent once none of its tasks runs under its worker. Workers remove their own as
// they finish (completeTasks' spentClaims), so this finds those of workers that stopped without
// doing so, and of callers of claimTasks() that keep no account of claims. A live claim stops
// the search at its first running task.
const forgetSpentClaimsSql = `
DELETE FROM task_claims c
 WHERE NOT EXISTS (SELECT 1 FROM execution_tasks t
                    WHERE t.id = ANY (c.task_ids) AND t.status = 'running' AND t.locked_by = c.worker_id)`;
