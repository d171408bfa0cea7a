import type { Queryable } from "../db/database.ts";
import type { AssignmentView } from "./task.ts";

export interface HandedBack {
  id: number;
  /** The attempt the claim gave it: a task claimed again since is left alone. */
  attempt: number;
  /** When it may be claimed again. */
  runAt: Date;
  /** Why no model took it, shown by `steward task explain`. */
  assignment: AssignmentView;
}

/**
 * Gives claimed tasks that no model could take back to the queue as if never claimed: the
 * attempt is not used up, the place in the queue is kept (priority_at unchanged) and run_at
 * says when to look again; a task left to wait for one model says which (execution_tasks.waiting_for,
 * migration 0018: the next assignment counts it ahead in that model's queue). Fenced like a
 * completion: only while this worker holds that attempt.
 */
export async function handBackUnassigned(
  tx: Queryable,
  workerId: string,
  tasks: HandedBack[],
): Promise<void> {
  if (tasks.length === 0) return;
  await tx.query(handBackSql, [
    JSON.stringify(
      tasks.map((t) => ({
        id: t.id,
        attempt: t.attempt,
        run_at: t.runAt.toISOString(),
        assignment: t.assignment,
      })),
    ),
    workerId,
  ]);
}

const handBackSql = `
UPDATE execution_tasks t
   SET status = 'queued', attempts = t.attempts - 1, locked_by = NULL, locked_until = NULL,
       started_at = CASE WHEN t.attempts = 1 THEN NULL ELSE t.started_at END,
       run_at = w.run_at, assignment = w.assignment, waiting_for = w.assignment -> 'waitingFor' ->> 'model',
       updated_at = now()
  FROM jsonb_to_recordset($1::jsonb) AS w(id bigint, attempt integer, run_at timestamptz, assignment jsonb)
 WHERE t.id = w.id AND t.attempts = w.attempt AND t.locked_by = $2 AND t.status = 'running'`;
