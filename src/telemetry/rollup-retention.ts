import type { Queryable } from "../db/database.ts";

/**
 * Minute rollups are kept for `minuteDays` days (the windows of a few hours that read them);
 * hour and day rollups are kept for years: they are a few hundred rows a day. A maintenance step
 * of the workers removes the minute rows older than that, a batch at a time.
 */
export async function pruneMinuteRollups(db: Queryable, minuteDays: number): Promise<number> {
  const { rowCount } = await db.query(
    `DELETE FROM task_rollups
      WHERE (grain, bucket_start, stage, kind, model, shard) IN (
        SELECT grain, bucket_start, stage, kind, model, shard FROM task_rollups
         WHERE grain = 'minute' AND bucket_start < now() - $1 * interval '1 day'
         LIMIT 10000)`,
    [minuteDays],
  );
  return rowCount ?? 0;
}

export function rollupRetentionStep(deps: { db: Queryable; minuteDays: number }) {
  return {
    name: "rollup retention",
    everyMs: 3_600_000,
    run: async () => {
      await pruneMinuteRollups(deps.db, deps.minuteDays);
    },
  };
}
