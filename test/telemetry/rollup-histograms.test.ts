import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Queryable } from "../../src/db/database.ts";
import { addCounts, bucketOf } from "../../src/telemetry/histogram.ts";
import { testDeps } from "../support/steward-deps.ts";
import { backend, createTestDatabase } from "../support/test-database.ts";

// Migration 0010: the rollup trigger makes its histograms with an aggregate instead of a subquery
// per bucket (quadratic in the groups of a statement). A statement of many minutes, kinds, models
// and workers must still give every row the histogram its attempts make, and a second statement
// must add to the rows the first wrote.

const kinds = ["k0", "k1", "k2", "k3", "k4"];
const models = ["m0", "m1", "m2", null];
const origin = Date.parse("2026-11-30T10:00:00Z");

interface Planned {
  task: number;
  kind: string;
  model: string | null;
  worker: string;
  queuedAt: number;
  startedAt: number;
  finishedAt: number;
}

/** Attempts i…i+n-1: spread over 90 minutes, five kinds, four models, three workers; durations 1 ms to 10 min. */
function plan(from: number, n: number): Planned[] {
  return Array.from({ length: n }, (_, j) => {
    const i = from + j;
    const startedAt = origin + ((i * 37) % 90) * 60_000 + (i % 50) * 1_000;
    return {
      task: i + 1,
      kind: kinds[i % kinds.length]!,
      model: models[i % models.length]!,
      worker: `w${i % 3}`,
      queuedAt: startedAt - ((i * 13) % 7_000),
      startedAt,
      finishedAt: startedAt + 1 + ((i * 7_919) % 600_000),
    };
  });
}

async function record(db: Queryable, attempts: Planned[]) {
  await db.query(
    `INSERT INTO task_attempts (task_id, attempt, worker_id, ai_model, outcome, queued_at, started_at, finished_at)
     SELECT t, 1, w, m, 'succeeded', to_timestamp(q / 1000.0), to_timestamp(s / 1000.0), to_timestamp(f / 1000.0)
       FROM unnest($1::bigint[], $2::text[], $3::text[], $4::float8[], $5::float8[], $6::float8[]) AS x(t, w, m, q, s, f)`,
    [
      attempts.map((a) => a.task),
      attempts.map((a) => a.worker),
      attempts.map((a) => a.model),
      attempts.map((a) => a.queuedAt),
      attempts.map((a) => a.startedAt),
      attempts.map((a) => a.finishedAt),
    ],
  );
}

/** The histograms of each hour row (all shards together), as the attempts make them. */
function expectedHours(attempts: Planned[]) {
  const hours = new Map<string, { duration: number[]; wait: number[] }>();
  for (const a of attempts) {
    const hour = new Date(Math.floor(a.finishedAt / 3_600_000) * 3_600_000).toISOString();
    const key = `${hour} ${a.kind} ${a.model ?? ""}`;
    const row = hours.get(key) ?? { duration: [], wait: [] };
    const one = (ms: number) => {
      const counts = Array<number>(bucketOf(ms)).fill(0);
      counts[counts.length - 1] = 1;
      return counts;
    };
    row.duration = addCounts(row.duration, one(a.finishedAt - a.startedAt));
    row.wait = addCounts(row.wait, one(a.startedAt - a.queuedAt));
    hours.set(key, row);
  }
  return hours;
}

describe(`rollup histograms on ${backend}`, () => {
  it("a statement of many minutes, kinds and models gives every row the histogram of its attempts", async (t) => {
    const { db } = await createTestDatabase(t);
    await testDeps(db);
    const first = plan(0, 600);
    const second = plan(600, 400);
    await db.query(
      `INSERT INTO execution_tasks (kind, stage, status)
       SELECT ($1::text[])[1 + (i - 1) % 5], 'Implement Ideas', 'succeeded' FROM generate_series(1, 1000) i`,
      [kinds],
    );
    await record(db, first);
    await record(db, second);

    const { rows } = await db.query<{ key: string; attempts: number; duration: number[]; wait: number[] }>(
      `SELECT to_char(bucket_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.000"Z"') || ' ' || kind || ' ' || model AS key,
              sum(attempts)::int AS attempts,
              steward_sum_counts(duration_hist) AS duration, steward_sum_counts(queue_wait_hist) AS wait
         FROM task_rollups WHERE grain = 'hour' GROUP BY 1 ORDER BY 1`,
    );
    const expected = expectedHours([...first, ...second]);
    assert.equal(rows.length, expected.size);
    for (const row of rows) {
      const want = expected.get(row.key);
      assert.ok(want, `an hour row ${row.key} that no attempt makes`);
      assert.deepEqual(row.duration, want.duration, `duration histogram of ${row.key}`);
      assert.deepEqual(row.wait, want.wait, `queue-wait histogram of ${row.key}`);
    }
    const sums = await db.query<{ grain: string; attempts: number; hist: number }>(
      `SELECT grain, sum(attempts)::int AS attempts,
              sum((SELECT sum(c) FROM unnest(duration_hist) c))::int AS hist
         FROM task_rollups GROUP BY grain ORDER BY grain`,
    );
    assert.deepEqual(
      sums.rows.map((r) => [r.grain, r.attempts, r.hist]),
      [
        ["day", 1000, 1000],
        ["hour", 1000, 1000],
        ["minute", 1000, 1000],
      ],
    );
  });

  it("steward_add_counts adds arrays of any lengths, and two empty ones make {0}", async (t) => {
    const { db } = await createTestDatabase(t);
    await testDeps(db);
    const { rows } = await db.query<{ a: number[]; b: number[]; c: number[]; d: number[] }>(
      `SELECT steward_add_counts('{1,2,3}'::int[], '{1}'::int[]) AS a, steward_add_counts('{1}'::int[], '{0,0,4}'::int[]) AS b,
              steward_add_counts(NULL::int[], '{5}'::int[]) AS c, steward_add_counts('{}'::int[], '{}'::int[]) AS d`,
    );
    assert.deepEqual(rows[0], { a: [2, 2, 3], b: [1, 0, 4], c: [5], d: [0] });
  });
});
