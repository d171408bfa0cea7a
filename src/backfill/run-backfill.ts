import type { Database } from "../db/database.ts";
import type { Backfill } from "./backfill.ts";

export interface BackfillProgress {
  /** Rows visited in this run. */
  done: number;
  /** Rows this run expects to visit (counted when it starts). */
  total: number;
  changed: number;
}

export interface BackfillResult {
  name: string;
  /** done: nothing left; interrupted: stopped by the signal between batches (run it again to resume). */
  status: "done" | "interrupted";
  /** The cursor this run started from (0 for a fresh start). */
  resumedFrom: number;
  batches: number;
  rowsSeen: number;
  rowsChanged: number;
}

export interface RunBackfillOptions {
  batchSize?: number;
  /** Forget saved progress and start from the beginning. */
  restart?: boolean;
  /** Stops the backfill after the batch in flight (the batch itself commits or rolls back whole). */
  signal?: AbortSignal;
  onProgress?: (progress: BackfillProgress) => void;
}

/** Runs (or resumes) a backfill to the end, one committed batch at a time. */
export async function runBackfill(
  db: Database,
  backfill: Backfill,
  options: RunBackfillOptions = {},
): Promise<BackfillResult> {
  const batchSize = options.batchSize ?? 1000;
  if (options.restart) await db.query("DELETE FROM steward_backfills WHERE name = $1", [backfill.name]);
  await db.query(
    `INSERT INTO steward_backfills (name) VALUES ($1)
     ON CONFLICT (name) DO UPDATE SET status = 'running', updated_at = now(), finished_at = NULL
     WHERE steward_backfills.status = 'done'`,
    [backfill.name],
  );
  const saved = await db.query<{ cursor: number }>("SELECT cursor FROM steward_backfills WHERE name = $1", [
    backfill.name,
  ]);
  let cursor = saved.rows[0]?.cursor ?? 0;
  const resumedFrom = cursor;
  const total = await backfill.countRemaining(db, cursor);
  const result: BackfillResult = {
    name: backfill.name,
    status: "done",
    resumedFrom,
    batches: 0,
    rowsSeen: 0,
    rowsChanged: 0,
  };
  options.onProgress?.({ done: 0, total, changed: 0 });

  for (;;) {
    if (options.signal?.aborted) {
      result.status = "interrupted";
      return result;
    }
    const batch = await db.transaction(async (tx) => {
      const outcome = await backfill.runBatch(tx, cursor, batchSize);
      if (outcome.lastKey === null) {
        // The cursor goes back to 0: running a finished backfill again visits rows written since.
        await tx.query(
          "UPDATE steward_backfills SET status = 'done', cursor = 0, updated_at = now(), finished_at = now() WHERE name = $1",
          [backfill.name],
        );
      } else {
        await tx.query(
          `UPDATE steward_backfills
              SET cursor = $2, rows_seen = rows_seen + $3, rows_changed = rows_changed + $4, updated_at = now()
            WHERE name = $1`,
          [backfill.name, outcome.lastKey, outcome.seen, outcome.changed],
        );
      }
      return outcome;
    });
    if (batch.lastKey === null) return result;
    cursor = batch.lastKey;
    result.batches += 1;
    result.rowsSeen += batch.seen;
    result.rowsChanged += batch.changed;
    options.onProgress?.({
      done: result.rowsSeen,
      total: Math.max(total, result.rowsSeen),
      changed: result.rowsChanged,
    });
  }
}
