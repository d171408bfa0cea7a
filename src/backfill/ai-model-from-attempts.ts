import type { Backfill } from "./backfill.ts";

/**
 * The seed report's backfill: tasks whose `ai_model` is NULL (say, written while the column
 * was missing) take the model of their latest attempt that names one. Tasks with no such
 * attempt stay NULL: an unknown model is recorded as unknown, never guessed.
 */
export const aiModelFromAttempts: Backfill = {
  name: "ai-model-from-attempts",
  description:
    "Fill execution_tasks.ai_model from the task's latest attempt that names a model; leave NULL where none is known.",

  async countRemaining(db, cursor) {
    const { rows } = await db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM execution_tasks WHERE id > $1 AND ai_model IS NULL",
      [cursor],
    );
    return rows[0]?.n ?? 0;
  },

  async runBatch(tx, cursor, limit) {
    const { rows } = await tx.query<{ last_key: number | null; seen: number; changed: number }>(
      `WITH batch AS (
         SELECT id FROM execution_tasks
          WHERE id > $1 AND ai_model IS NULL
          ORDER BY id
          LIMIT $2
          FOR UPDATE
       ), derived AS (
         SELECT b.id,
                (SELECT a.ai_model FROM task_attempts a
                  WHERE a.task_id = b.id AND a.ai_model IS NOT NULL
                  ORDER BY a.attempt DESC LIMIT 1) AS ai_model
           FROM batch b
       ), updated AS (
         UPDATE execution_tasks t SET ai_model = d.ai_model
           FROM derived d
          WHERE t.id = d.id AND d.ai_model IS NOT NULL
         RETURNING t.id
       )
       SELECT (SELECT max(id) FROM batch) AS last_key,
              (SELECT count(*)::int FROM batch) AS seen,
              (SELECT count(*)::int FROM updated) AS changed`,
      [cursor, limit],
    );
    const row = rows[0]!;
    return { lastKey: row.last_key, seen: row.seen, changed: row.changed };
  },
};
