import type { Database, Queryable } from "../db/database.ts";
import { type ChangedTask, retryTasks } from "./cancel-tasks.ts";

/**
 * Dead tasks are the `failed` ones: every attempt was used, or a dependency failed. They stay
 * on record until a person retries them (`steward task retry --all-dead`). Cancelled tasks are
 * not dead: someone chose to stop them.
 *
 * No index covers failed tasks (the partial indexes serve live work), so these scan the table:
 * fine for a command a person runs, not for a hot path.
 */
export async function countDeadTasks(db: Queryable, options: { kinds?: string[] } = {}): Promise<number> {
  const { rows } = await db.query<{ count: number }>(
    `SELECT count(*)::int AS count FROM execution_tasks WHERE status = 'failed'${options.kinds?.length ? " AND kind = ANY($1::text[])" : ""}`,
    options.kinds?.length ? [options.kinds] : [],
  );
  return rows[0]?.count ?? 0;
}

/** Queues every dead task (of these kinds) again with `extraAttempts` more attempts. */
export async function retryDeadTasks(
  db: Database,
  options: { kinds?: string[]; extraAttempts: number },
): Promise<ChangedTask[]> {
  const { rows } = await db.query<{ id: number }>(
    `SELECT id FROM execution_tasks WHERE status = 'failed'${options.kinds?.length ? " AND kind = ANY($1::text[])" : ""} ORDER BY id`,
    options.kinds?.length ? [options.kinds] : [],
  );
  // retryTasks re-reads each row under lock and skips any that changed since this read.
  return retryTasks(
    db,
    rows.map((r) => r.id),
    options.extraAttempts,
  );
}
