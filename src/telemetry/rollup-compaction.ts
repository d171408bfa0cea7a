import type { Session } from "../db/database.ts";
import { sqlState } from "../errors.ts";

/**
 * Shards exist for writers: eight rows per bucket, by worker, so that two workers finishing the
 * same kind in the same minute do not wait for each other's row lock (migration 0010). Once a
 * bucket is closed nobody writes it, and the shards only cost the readers: a day of hour rows by
 * stage read 6,000 rows and merged their histograms in 240 ms at a million tasks, where one row
 * per bucket is a sixth of that (docs/benchmarks.md, "Telemetry at a million tasks").
 *
 * Compaction moves every closed bucket's shards into shard 0. Each statement deletes the rows it
 * moves and adds exactly what it deleted (DELETE … RETURNING hands back the row versions it
 * removed, after any concurrent update of them), so an attempt is never lost nor counted twice,
 * even with several workers compacting at once or a late attempt landing in a bucket already
 * compacted (it makes a new shard row, moved by the next pass). Compaction never makes a writer
 * fail: it skips rows a writer holds, and gives up its own statement after half a second of
 * waiting, before PostgreSQL's deadlock check (after a second) could choose the writer instead.
 */

/** A bucket is closed this long after its end: attempts are stamped when they are recorded. */
const graceSeconds = 120;

/** How far back a routine pass looks, per grain: a bounded range of the primary key. */
const lookback: Record<Grain, string> = { minute: "2 hours", hour: "2 days", day: "40 days" };

type Grain = "minute" | "hour" | "day";

const width: Record<Grain, string> = { minute: "1 minute", hour: "1 hour", day: "1 day" };

const counters = [
  "attempts",
  "succeeded",
  "failed",
  "timed_out",
  "cancelled",
  "lease_lost",
  "released",
  "retries",
  "tasks_failed",
  "deadline_misses",
  "unverified",
  "duration_ms",
  "queue_wait_ms",
  "input_tokens",
  "output_tokens",
  "cost_usd",
];

const tables = {
  task_rollups: { keys: ["stage", "kind", "model"], hists: ["duration_hist", "queue_wait_hist"] },
  idea_rollups: { keys: ["idea_id", "stage", "kind", "model"], hists: [] as string[] },
} as const;

type Table = keyof typeof tables;

function compactSql(table: Table): string {
  const { keys, hists } = tables[table];
  const key = ["grain", "bucket_start", ...keys].join(", ");
  const sums = [...counters.map((c) => `sum(${c})`), ...hists.map((h) => `steward_sum_counts(${h})`)].join(
    ", ",
  );
  const adds = [
    ...counters.map((c) => `${c} = r.${c} + excluded.${c}`),
    ...hists.map((h) => `${h} = steward_add_counts(r.${h}, excluded.${h})`),
  ].join(", ");
  return `
    WITH moved AS (
      DELETE FROM ${table}
       WHERE (${key}, shard) IN (
         SELECT ${key}, shard FROM ${table}
          WHERE grain = $1 AND bucket_start >= COALESCE($2::timestamptz, now() - $3::interval)
            AND bucket_start < now() - $4::interval - interval '${graceSeconds} seconds'
            AND shard <> 0
          LIMIT $5
          FOR UPDATE SKIP LOCKED)
      RETURNING *),
    written AS (
      INSERT INTO ${table} AS r (${key}, shard, ${counters.join(", ")}${hists.map((h) => `, ${h}`).join("")})
      SELECT ${key}, 0, ${sums} FROM moved GROUP BY ${key}
      ON CONFLICT (${key}, shard) DO UPDATE SET ${adds}
      RETURNING 1)
    SELECT (SELECT count(*) FROM moved)::int AS moved, (SELECT count(*) FROM written)::int AS written`;
}

const statements = { task_rollups: compactSql("task_rollups"), idea_rollups: compactSql("idea_rollups") };

export interface CompactionResult {
  /** Shard rows moved into shard 0, by table. */
  moved: Record<Table, number>;
  /** Batches given up to a writer holding their rows (left for the next pass). */
  yielded: number;
}

/**
 * Compacts the closed buckets from `since` (by default each grain's recent range), a batch of
 * `batch` rows at a time until none is left. `onBatch` hears of every batch (a long catch-up
 * shows progress).
 */
export async function compactRollups(
  db: Session,
  options: {
    since?: Date;
    batch?: number;
    onBatch?: (table: Table, grain: Grain, moved: number) => void;
  } = {},
): Promise<CompactionResult> {
  const batch = options.batch ?? 20_000;
  const moved: Record<Table, number> = { task_rollups: 0, idea_rollups: 0 };
  let yielded = 0;
  for (const table of Object.keys(tables) as Table[]) {
    for (const grain of ["minute", "hour", "day"] as Grain[]) {
      if (table === "idea_rollups" && grain === "minute") continue;
      for (;;) {
        let n: number;
        try {
          n = await db.transaction(async (tx) => {
            await tx.query("SET LOCAL lock_timeout = '500ms'");
            const { rows } = await tx.query<{ moved: number }>(statements[table], [
              grain,
              options.since ?? null,
              lookback[grain],
              width[grain],
              batch,
            ]);
            return rows[0]!.moved;
          });
        } catch (error) {
          // A writer held a row past the lock timeout (or a deadlock chose this side): the
          // batch rolled back whole, and the next pass moves those rows. Anything else is an error.
          if (!yieldingStates.has(sqlState(error) ?? "")) throw error;
          yielded += 1;
          break;
        }
        moved[table] += n;
        options.onBatch?.(table, grain, n);
        if (n < batch) break;
      }
    }
  }
  return { moved, yielded };
}

/** lock_not_available (the lock timeout) and deadlock_detected: compaction gives way. */
const yieldingStates = new Set(["55P03", "40P01"]);

/** The workers' maintenance step: each minute, the buckets closed since the last pass. */
export function rollupCompactionStep(deps: { db: Session }) {
  return {
    name: "rollup compaction",
    everyMs: 60_000,
    run: async () => {
      await compactRollups(deps.db);
    },
  };
}
