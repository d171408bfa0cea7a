import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { aiModelFromAttempts } from "../../src/backfill/ai-model-from-attempts.ts";
import { findBackfill } from "../../src/backfill/backfills.ts";
import { type BackfillProgress, runBackfill } from "../../src/backfill/run-backfill.ts";
import type { Database } from "../../src/db/database.ts";
import { isStewardError } from "../../src/errors.ts";
import { testDeps } from "../support/steward-deps.ts";
import { backend, createTestDatabase } from "../support/test-database.ts";

/** `count` tasks with ai_model NULL; every third has no attempt naming a model. */
async function tasksMissingModels(db: Database, count: number): Promise<void> {
  await db.exec(`
    INSERT INTO execution_tasks (kind, stage, status, attempts)
      SELECT 'implement_idea', 'Implement Ideas', 'succeeded', 1 FROM generate_series(1, ${count});
    INSERT INTO task_attempts (task_id, attempt, worker_id, ai_model, outcome, queued_at)
      SELECT id, 1, 'w', CASE WHEN id % 3 = 0 THEN NULL ELSE 'sim-' || (id % 2) END, 'succeeded', now()
        FROM execution_tasks;
  `);
}

const modelCounts = async (db: Database) =>
  (
    await db.query<{ ai_model: string | null; n: number }>(
      "SELECT ai_model, count(*)::int AS n FROM execution_tasks GROUP BY ai_model ORDER BY ai_model NULLS FIRST",
    )
  ).rows;

describe(`backfills on ${backend}`, () => {
  it("fills ai_model from attempts in batches, reporting progress, leaving unknowns NULL", async (t) => {
    const { db } = await createTestDatabase(t);
    await testDeps(db);
    await tasksMissingModels(db, 300);
    const progress: BackfillProgress[] = [];
    const result = await runBackfill(db, aiModelFromAttempts, {
      batchSize: 64,
      onProgress: (p) => progress.push(p),
    });
    assert.deepEqual(
      { status: result.status, batches: result.batches, seen: result.rowsSeen, changed: result.rowsChanged },
      { status: "done", batches: 5, seen: 300, changed: 200 },
    );
    assert.deepEqual(progress[0], { done: 0, total: 300, changed: 0 });
    assert.deepEqual(progress.at(-1), { done: 300, total: 300, changed: 200 });
    assert.deepEqual(await modelCounts(db), [
      { ai_model: null, n: 100 },
      { ai_model: "sim-0", n: 100 },
      { ai_model: "sim-1", n: 100 },
    ]);
  });

  it("resumes after an interruption without visiting a committed batch twice", async (t) => {
    const { db } = await createTestDatabase(t);
    await testDeps(db);
    await tasksMissingModels(db, 250);
    const controller = new AbortController();
    const first = await runBackfill(db, aiModelFromAttempts, {
      batchSize: 50,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.done >= 100) controller.abort(); // Ctrl-C after the second batch
      },
    });
    assert.equal(first.status, "interrupted");
    assert.equal(first.rowsSeen, 100);
    const saved = await db.query<{ status: string; cursor: number; rows_seen: number }>(
      "SELECT status, cursor, rows_seen FROM steward_backfills WHERE name = $1",
      [aiModelFromAttempts.name],
    );
    assert.equal(saved.rows[0]!.status, "running");
    assert.equal(saved.rows[0]!.rows_seen, 100);

    const second = await runBackfill(db, aiModelFromAttempts, { batchSize: 50 });
    assert.equal(second.status, "done");
    assert.equal(second.resumedFrom, saved.rows[0]!.cursor);
    assert.equal(second.rowsSeen, 150, "only the rows after the saved cursor");
    const nulls = (await modelCounts(db)).find((r) => r.ai_model === null);
    assert.equal(nulls?.n, 83, "ids divisible by 3 among 1..250 have no known model");
  });

  it("a finished backfill run again visits only what is still NULL, from the start", async (t) => {
    const { db } = await createTestDatabase(t);
    await testDeps(db);
    await tasksMissingModels(db, 30);
    await runBackfill(db, aiModelFromAttempts);
    const again = await runBackfill(db, aiModelFromAttempts);
    assert.equal(again.resumedFrom, 0);
    assert.equal(again.rowsSeen, 10);
    assert.equal(again.rowsChanged, 0);
  });

  it("names the known backfills when asked for an unknown one", () => {
    assert.throws(
      () => findBackfill("ai-models"),
      (error) =>
        isStewardError(error, "not_found") && /known backfills: ai-model-from-attempts/.test(error.message),
    );
  });
});
