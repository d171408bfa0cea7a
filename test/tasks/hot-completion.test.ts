import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { claimTasks } from "../../src/tasks/claim-tasks.ts";
import { completeTasks } from "../../src/tasks/complete-tasks.ts";
import { enqueueTasks } from "../../src/tasks/enqueue-tasks.ts";
import { testDeps } from "../support/steward-deps.ts";
import { backend, createTestDatabase } from "../support/test-database.ts";

/**
 * A success changes only columns no index reads (migration 0009), so PostgreSQL can write its new
 * version beside the old one without touching any index (a HOT update). An index that names one of
 * these columns, even in its predicate, makes every completion cost an entry in every index
 * (migration 0018 did, for `status`; 0019 put it right).
 */
const writtenByCompletion = [
  "status",
  "result",
  "error",
  "finished_at",
  "locked_by",
  "locked_until",
  "updated_at",
];

describe(`completions as HOT updates on ${backend}`, () => {
  it("no index of execution_tasks reads a column a completion writes", async (t) => {
    const { db } = await createTestDatabase(t);
    await testDeps(db);
    const { rows } = await db.query<{ name: string; definition: string }>(
      `SELECT indexrelid::regclass::text AS name, pg_get_indexdef(indexrelid) AS definition
         FROM pg_index WHERE indrelid = 'execution_tasks'::regclass AND NOT indisprimary`,
    );
    assert.ok(rows.length >= 4, `the partial indexes of execution_tasks are there (${rows.length})`);
    const word = new RegExp(`\\b(${writtenByCompletion.join("|")})\\b`);
    for (const { name, definition } of rows)
      assert.doesNotMatch(definition, word, `${name} reads a column a completion writes: ${definition}`);
  });

  it("completes claimed tasks without a new index entry", async (t) => {
    const { db } = await createTestDatabase(t);
    const deps = await testDeps(db);
    await enqueueTasks(
      deps,
      Array.from({ length: 5 }, () => ({ kind: "noop" })),
    );
    const hot = await db.withSession(async (session) => {
      await session.query("BEGIN");
      try {
        const claimed = await claimTasks(session, {
          workerId: "w",
          limit: 10,
          kinds: ["noop"],
          leaseMs: 30_000,
        });
        assert.equal(claimed.length, 5);
        const finishedAt = new Date();
        const reports = claimed.map((task) => ({
          taskId: task.id,
          attempt: task.attempt,
          outcome: "succeeded" as const,
          queuedAt: task.readyAt,
          startedAt: task.startedAt,
          finishedAt,
        }));
        assert.equal((await completeTasks(session, "w", reports, 60)).length, 5);
        const { rows } = await session.query<{ hot: string }>(
          "SELECT pg_stat_get_xact_tuples_hot_updated('execution_tasks'::regclass)::text AS hot",
        );
        return Number(rows[0]!.hot);
      } finally {
        await session.query("ROLLBACK");
      }
    });
    // The claim cannot be HOT (the task leaves the ready index); each completion can.
    assert.equal(hot, 5, "each of the 5 completions was a HOT update");
  });
});
