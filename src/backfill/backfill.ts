import type { Queryable } from "../db/database.ts";

/**
 * A backfill fills or fixes data in batches, walking a table by an increasing key.
 * Each batch runs in one transaction together with the saved cursor, so a backfill can be
 * interrupted at any moment (Ctrl-C, a crash) and run again: it resumes after the last batch
 * that committed, and no row is changed twice.
 */
export interface Backfill {
  name: string;
  description: string;
  /** Rows left to visit after `cursor`: the progress bar's total. */
  countRemaining(db: Queryable, cursor: number): Promise<number>;
  /** Visits up to `limit` rows with key > `cursor`. `lastKey` null means nothing was left. */
  runBatch(
    tx: Queryable,
    cursor: number,
    limit: number,
  ): Promise<{ lastKey: number | null; seen: number; changed: number }>;
}
