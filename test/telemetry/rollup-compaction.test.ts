import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Queryable } from "../../src/db/database.ts";
import { compactRollups } from "../../src/telemetry/rollup-compaction.ts";
import { testDeps } from "../support/steward-deps.ts";
import { backend, createTestDatabase } from "../support/test-database.ts";

// Compaction moves closed buckets' shard rows into shard 0: every sum and histogram a reader
// sees stays what it was, the buckets still being written are left alone, and an attempt that
// lands late in a compacted bucket is counted once, by the next pass.

const dayMs = 86_400_000;

async function tasks(db: Queryable, n: number) {
  const idea = await db.query<{ id: number }>(
    "INSERT INTO ideas (key, title, status) VALUES ('idea-a', 'An idea', 'active') RETURNING id",
  );
  await db.query(
    `INSERT INTO execution_tasks (kind, stage, status, idea_id)
     SELECT 'k' || (i % 3), 'Implement Ideas', 'succeeded', CASE WHEN i % 2 = 0 THEN $2::bigint END
       FROM generate_series(1, $1::int) i`,
    [n, idea.rows[0]!.id],
  );
}

/** Attempts of tasks from..to, from ten workers (several shards), finished at `at(i)`. */
async function record(db: Queryable, from: number, to: number, at: (i: number) => number, attempt = 1) {
  const ids = Array.from({ length: to - from + 1 }, (_, j) => from + j);
  await db.query(
    `INSERT INTO task_attempts (task_id, attempt, worker_id, ai_model, outcome, queued_at, started_at, finished_at,
                                input_tokens, output_tokens, cost_usd)
     SELECT t, $3, 'w' || (t % 10), CASE WHEN t % 4 = 0 THEN NULL ELSE 'm' || (t % 2) END,
            CASE WHEN t % 5 = 0 THEN 'failed' ELSE 'succeeded' END,
            to_timestamp(f / 1000.0 - 1 - t % 7), to_timestamp(f / 1000.0 - 0.5 - (t % 11) / 10.0), to_timestamp(f / 1000.0),
            t % 100, t % 37, (t % 13) / 1000.0
       FROM unnest($1::bigint[], $2::float8[]) AS x(t, f)`,
    [ids, ids.map(at), attempt],
  );
}

/** What readers see: every bucket's sums over its shards, both tables. */
async function sums(db: Queryable) {
  const task = await db.query<{ key: string }>(
    `SELECT grain || ' ' || bucket_start || ' ' || stage || ' ' || kind || ' ' || model || ' ' ||
            concat_ws(',', sum(attempts), sum(succeeded), sum(failed), sum(retries), sum(tasks_failed),
                      sum(duration_ms)::numeric(20,3), sum(queue_wait_ms)::numeric(20,3), sum(input_tokens), sum(output_tokens),
                      sum(cost_usd), steward_sum_counts(duration_hist)::text, steward_sum_counts(queue_wait_hist)::text) AS key
       FROM task_rollups GROUP BY grain, bucket_start, stage, kind, model ORDER BY 1`,
  );
  const idea = await db.query<{ key: string }>(
    `SELECT grain || ' ' || bucket_start || ' ' || idea_id || ' ' || kind || ' ' || model || ' ' ||
            concat_ws(',', sum(attempts), sum(succeeded), sum(failed), sum(duration_ms)::numeric(20,3),
                      sum(input_tokens), sum(cost_usd)) AS key
       FROM idea_rollups GROUP BY grain, bucket_start, idea_id, stage, kind, model ORDER BY 1`,
  );
  return [...task.rows.map((r) => r.key), ...idea.rows.map((r) => `idea ${r.key}`)];
}

async function shardsOf(db: Queryable, where: string) {
  const { rows } = await db.query<{ n: number }>(
    `SELECT (count(*) FILTER (WHERE shard <> 0))::int AS n FROM task_rollups WHERE ${where}`,
  );
  return rows[0]!.n;
}

describe(`rollup compaction on ${backend}`, () => {
  it("moves closed buckets into shard 0 without changing a sum or histogram, and leaves open ones", async (t) => {
    const { db } = await createTestDatabase(t);
    await testDeps(db);
    await tasks(db, 400);
    const now = Date.now();
    // 300 attempts over the three days before today (closed at every grain), 100 in this minute.
    const dayStart = Math.floor(now / dayMs) * dayMs;
    await record(db, 1, 300, (i) => dayStart - 3 * dayMs + ((i * 7_919_113) % (3 * dayMs)));
    await record(db, 301, 400, () => now);
    const before = await sums(db);
    const rowsBefore = (await db.query<{ n: number }>("SELECT count(*)::int AS n FROM task_rollups")).rows[0]!
      .n;
    assert.ok(
      (await shardsOf(db, `bucket_start < to_timestamp(${dayStart / 1000})`)) > 0,
      "history has shards",
    );

    // A small batch, to go round the loop.
    const { moved } = await compactRollups(db, { since: new Date(0), batch: 200 });
    assert.ok(moved.task_rollups > 0 && moved.idea_rollups > 0, JSON.stringify(moved));
    assert.deepEqual(await sums(db), before, "what readers see is unchanged");
    const rowsAfter = (await db.query<{ n: number }>("SELECT count(*)::int AS n FROM task_rollups")).rows[0]!
      .n;
    assert.ok(rowsAfter < rowsBefore, `fewer rows: ${rowsAfter} of ${rowsBefore}`);
    assert.equal(await shardsOf(db, `bucket_start < to_timestamp(${dayStart / 1000})`), 0);
    const ideaShards = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM idea_rollups WHERE shard <> 0 AND bucket_start < to_timestamp(${dayStart / 1000})`,
    );
    assert.equal(ideaShards.rows[0]!.n, 0);
    // This minute, hour and day are still being written: their shards stay.
    assert.ok((await shardsOf(db, "grain = 'minute' AND bucket_start > now() - interval '2 minutes'")) > 0);
    assert.ok((await shardsOf(db, "grain = 'day' AND bucket_start > now() - interval '1 day'")) > 0);

    // A pass with nothing to do moves nothing.
    assert.deepEqual((await compactRollups(db, { since: new Date(0) })).moved, {
      task_rollups: 0,
      idea_rollups: 0,
    });
  });

  it("counts an attempt that lands late in a compacted bucket once, with the next pass", async (t) => {
    const { db } = await createTestDatabase(t);
    await testDeps(db);
    await tasks(db, 60);
    const tenMinutesAgo = Date.now() - 10 * 60_000;
    await record(db, 1, 50, () => tenMinutesAgo);
    // The workers' routine pass (the recent range of each grain) reaches ten minutes back.
    await compactRollups(db);
    assert.equal(await shardsOf(db, "grain = 'minute'"), 0);
    await record(db, 51, 60, () => tenMinutesAgo);
    await record(db, 1, 5, () => tenMinutesAgo, 2);
    const late = await sums(db);
    assert.ok((await shardsOf(db, "grain = 'minute'")) > 0, "the late attempts made shard rows");
    await compactRollups(db);
    assert.deepEqual(await sums(db), late);
    const minute = await db.query<{ attempts: number; rows: number }>(
      `SELECT sum(attempts)::int AS attempts, count(*)::int AS rows FROM task_rollups
        WHERE grain = 'minute' AND bucket_start = date_bin('1 minute', to_timestamp($1 / 1000.0), timestamptz '2000-01-01 00:00Z')`,
      [tenMinutesAgo],
    );
    assert.equal(minute.rows[0]!.attempts, 65);
    // One row per stage, kind and model: k0–k2 on m0, m1 and none.
    assert.equal(minute.rows[0]!.rows, 9);
  });

  it("loses nothing while workers record attempts into the buckets it compacts", async (t) => {
    const { db } = await createTestDatabase(t);
    await testDeps(db);
    await tasks(db, 600);
    const past = Date.now() - 30 * 60_000;
    await record(db, 1, 100, (i) => past + (i % 5) * 60_000);
    // Writers and compactions at once (on PostgreSQL in separate sessions; PGlite runs them in turn).
    await Promise.all([
      (async () => {
        for (let from = 101; from <= 600; from += 50)
          await record(db, from, from + 49, (i) => past + (i % 5) * 60_000);
      })(),
      (async () => {
        for (let i = 0; i < 10; i++) await compactRollups(db, { batch: 20 });
      })(),
    ]);
    // Passes beside the writers may give way to them (a lock held past the timeout); with the
    // writers done, a pass moves everything.
    assert.equal((await compactRollups(db)).yielded, 0);
    const { rows } = await db.query<{ grain: string; attempts: number; shards: number }>(
      `SELECT grain, sum(attempts)::int AS attempts, (count(*) FILTER (WHERE shard <> 0))::int AS shards
         FROM task_rollups GROUP BY grain ORDER BY grain`,
    );
    const minute = rows.find((r) => r.grain === "minute")!;
    assert.equal(minute.attempts, 600);
    assert.equal(minute.shards, 0);
    assert.equal(rows.find((r) => r.grain === "hour")!.attempts, 600);
  });
});
