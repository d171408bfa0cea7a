import type { Database, Queryable } from "../db/database.ts";

/**
 * Writes the database errors this process counted (db/database-errors.ts) into database_errors,
 * adding to what other processes wrote for the same minute. A write that fails puts them back.
 */
export async function flushDatabaseErrors(db: Database): Promise<number> {
  const counts = db.errors.take();
  if (counts.length === 0) return 0;
  try {
    await db.query(
      `INSERT INTO database_errors (bucket, sql_state, message, count, last_at)
       SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::bigint[], $5::timestamptz[])
       ON CONFLICT (bucket, sql_state, message) DO UPDATE
         SET count = database_errors.count + EXCLUDED.count,
             last_at = greatest(database_errors.last_at, EXCLUDED.last_at)`,
      [
        counts.map((c) => c.bucket),
        counts.map((c) => c.sqlState),
        counts.map((c) => c.message),
        counts.map((c) => c.count),
        counts.map((c) => c.lastAt),
      ],
    );
  } catch (error) {
    db.errors.putBack(counts);
    throw error;
  }
  return counts.reduce((sum, c) => sum + c.count, 0);
}

export interface DatabaseErrorGroup {
  sqlState: string;
  message: string;
  count: number;
  firstAt: Date;
  lastAt: Date;
}

/** The errors of a window by SQLSTATE and message, most first. */
export async function readDatabaseErrors(
  db: Queryable,
  window: { from: Date; to: Date },
): Promise<DatabaseErrorGroup[]> {
  const { rows } = await db.query<{
    sql_state: string;
    message: string;
    count: number;
    first_at: Date;
    last_at: Date;
  }>(
    `SELECT sql_state, message, sum(count)::float8 AS count, min(bucket) AS first_at, max(last_at) AS last_at
       FROM database_errors WHERE bucket >= $1 AND bucket < $2
      GROUP BY sql_state, message ORDER BY count DESC, sql_state LIMIT 50`,
    [window.from, window.to],
  );
  return rows.map((r) => ({
    sqlState: r.sql_state,
    message: r.message,
    count: r.count,
    firstAt: r.first_at,
    lastAt: r.last_at,
  }));
}

/** Errors of each SQLSTATE since a time, most first (triggers: a burst makes a report). */
export async function recentErrorBursts(
  db: Queryable,
  since: Date,
): Promise<{ sqlState: string; count: number }[]> {
  const { rows } = await db.query<{ sql_state: string; count: number }>(
    `SELECT sql_state, sum(count)::float8 AS count FROM database_errors
      WHERE bucket >= date_trunc('minute', $1::timestamptz) GROUP BY sql_state ORDER BY count DESC`,
    [since],
  );
  return rows.map((r) => ({ sqlState: r.sql_state, count: r.count }));
}
