import type { Queryable } from "../db/database.ts";
import type { ClaimedTask } from "./task.ts";

export interface ClaimOptions {
  workerId: string;
  /** Most tasks to take in this statement. */
  limit: number;
  /** Kinds this worker can run. */
  kinds: string[];
  leaseMs: number;
}

/**
 * Claims up to `limit` ready tasks in one statement: the oldest `priority_at` first (urgency is
 * a head start in time, so nothing starves), skipping rows other workers hold (SKIP LOCKED),
 * kinds that are paused, and tasks whose `run_at` is still ahead. Each claimed task is leased to
 * the worker until `locked_until` and its attempt count goes up by one.
 *
 * On PGlite, SKIP LOCKED has nothing to skip (one connection, serialised): claims simply queue.
 */
export async function claimTasks(db: Queryable, options: ClaimOptions): Promise<ClaimedTask[]> {
  const { rows } = await db.query<ClaimRow>(claimSql, [
    options.workerId,
    options.limit,
    options.kinds,
    options.leaseMs,
  ]);
  return rows.map(toClaimedTask);
}

const claimSql = `
WITH picked AS (
  SELECT id FROM execution_tasks
   WHERE status = 'queued'
     AND run_at <= now()
     AND kind = ANY($3::text[])
     AND NOT (kind = ANY (ARRAY(SELECT kind FROM task_kind_pauses)))
   ORDER BY priority_at, id
   LIMIT $2
   FOR UPDATE SKIP LOCKED
)
UPDATE execution_tasks t
   SET status = 'running',
       attempts = t.attempts + 1,
       locked_by = $1,
       locked_until = now() + $4 * interval '1 millisecond',
       started_at = now(),
       updated_at = now()
  FROM picked
 WHERE t.id = picked.id
RETURNING t.id, t.kind, t.stage, t.idea_id, t.urgency, t.complexity, t.capabilities, t.payload, t.ai_model,
          t.attempts, t.max_attempts, t.timeout_ms, t.deadline, t.run_at, t.started_at`;

interface ClaimRow {
  id: number;
  kind: string;
  stage: string;
  idea_id: number | null;
  urgency: number;
  complexity: number;
  capabilities: string[];
  payload: unknown;
  ai_model: string | null;
  attempts: number;
  max_attempts: number;
  timeout_ms: number | null;
  deadline: Date | null;
  run_at: Date;
  started_at: Date;
}

function toClaimedTask(row: ClaimRow): ClaimedTask {
  return {
    id: row.id,
    kind: row.kind,
    stage: row.stage,
    ideaId: row.idea_id,
    urgency: row.urgency,
    complexity: row.complexity,
    capabilities: row.capabilities,
    payload: row.payload,
    aiModel: row.ai_model,
    attempt: row.attempts,
    maxAttempts: row.max_attempts,
    timeoutMs: row.timeout_ms,
    deadline: row.deadline,
    readyAt: row.run_at,
    startedAt: row.started_at,
  };
}
