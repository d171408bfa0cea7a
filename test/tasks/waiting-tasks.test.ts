import assert from "node:assert/strict";
import { describe, it, type TestContext } from "node:test";
import { enqueueTasks } from "../../src/tasks/enqueue-tasks.ts";
import { pauseKinds } from "../../src/tasks/pause-kinds.ts";
import { getTask } from "../../src/tasks/query-tasks.ts";
import type { TaskKind } from "../../src/tasks/task-kinds.ts";
import { getWaitingTasks } from "../../src/tasks/waiting-tasks.ts";
import { WorkerPool } from "../../src/workers/worker-pool.ts";
import { testDeps } from "../support/steward-deps.ts";
import { backend, createTestDatabase } from "../support/test-database.ts";
import { waitFor } from "../support/wait-for.ts";

const failingKind: TaskKind = {
  name: "flaky",
  description: "always fails",
  async run() {
    throw new RangeError("the numbers were wrong");
  },
};

/**
 * One task waiting for each reason: two ready noops (no worker runs noop), a delayed noop, a noop
 * blocked on it, a sleep of a paused kind, a failed task waiting out a minute of backoff, and
 * three llm tasks a worker without models claimed and handed back. The tasks were enqueued by a
 * process that has a model (enqueue checks that one could take them); the worker has none.
 */
async function everyReason(t: TestContext) {
  const { db } = await createTestDatabase(t);
  const withModel = await testDeps(db, {
    config: {
      providers: [{ id: "sim", type: "sim" }],
      models: [
        {
          id: "writer",
          provider: "sim",
          model: "w",
          capabilities: { writing: 5 },
          price: { inputPerMTok: 0, outputPerMTok: 0 },
        },
      ],
    },
  });
  const noModels = await testDeps(db, {
    migrate: false,
    config: { tasks: { retry: { baseDelayMs: 60_000, maxDelayMs: 60_000 } } },
  });
  noModels.kinds.register(failingKind);
  withModel.kinds.register(failingKind);
  const [delayed] = await enqueueTasks(withModel, [{ kind: "noop", delayMs: 3_600_000 }]);
  await enqueueTasks(withModel, [
    { kind: "noop" },
    { kind: "noop" },
    { kind: "noop", dependsOn: [delayed!.id] },
    { kind: "sleep", payload: { ms: 1 } },
    { kind: "flaky", maxAttempts: 3 },
    ...[1, 2, 3].map((i) => ({ kind: "llm", capabilities: ["writing"], payload: { prompt: `say ${i}` } })),
  ]);
  await pauseKinds(db, ["sleep"], "maintenance");
  const pool = new WorkerPool(noModels, { kinds: ["llm", "flaky"], concurrency: 8, pollMs: 50 });
  await pool.start();
  t.after(() => pool.stop());
  await waitFor(
    async () => {
      const { rows } = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM execution_tasks
          WHERE status = 'queued' AND ((kind = 'llm' AND assignment IS NOT NULL) OR (kind = 'flaky' AND attempts = 1))`,
      );
      return rows[0]!.n === 4;
    },
    { what: "the llm tasks handed back and the flaky task waiting to retry" },
  );
  await pool.stop();
  return { db };
}

describe(`waiting tasks on ${backend}`, () => {
  it("counts queued and blocked tasks by why they wait, with the scheduler's reason for those no model can take", async (t) => {
    const { db } = await everyReason(t);
    const waiting = await getWaitingTasks(db);
    assert.equal(waiting.total, 9);
    assert.equal(waiting.counted, 9);
    assert.deepEqual(waiting.byReason, {
      ready: 2,
      delayed: 1,
      retrying: 1,
      blocked: 1,
      gated: 0,
      paused: 1,
      no_model: 3,
    });
    assert.deepEqual(
      waiting.groups.map((g) => [g.reason, g.kind, g.count]),
      [
        ["ready", "noop", 2],
        ["delayed", "noop", 1],
        ["retrying", "flaky", 1],
        ["blocked", "noop", 1],
        ["paused", "sleep", 1],
        ["no_model", "llm", 3],
      ],
    );
    const noModel = waiting.groups.find((g) => g.reason === "no_model")!;
    assert.equal(noModel.cause, "unavailable");
    assert.equal(noModel.explanation, "no model is configured");
    const delayed = waiting.groups.find((g) => g.reason === "delayed")!;
    assert.ok(
      Date.parse(delayed.earliestRunAt) > Date.now() + 3_000_000,
      "a delayed task says when it is due",
    );
  });

  it("reads reasons for at most scanLimit tasks of each status, and still counts every one", async (t) => {
    const { db } = await everyReason(t);
    const waiting = await getWaitingTasks(db, { scanLimit: 2 });
    assert.equal(waiting.total, 9);
    assert.equal(waiting.counted, 3, "two queued and the one blocked");
    assert.equal(waiting.byReason.blocked, 1);
  });

  it("a task that ran on a model and failed waits to retry; it is not counted as lacking a model", async (t) => {
    const { db } = await everyReason(t);
    const [llm] = (await getWaitingTasks(db)).groups.filter((g) => g.kind === "llm");
    assert.equal(llm!.reason, "no_model");
    const { rows } = await db.query<{ id: number }>(
      "SELECT id FROM execution_tasks WHERE kind = 'llm' LIMIT 1",
    );
    // As the completion of a failed attempt on a model leaves it: assignment names the model.
    await db.query(
      `UPDATE execution_tasks SET attempts = 1, run_at = now() + interval '1 minute',
              assignment = jsonb_build_object('model', 'writer', 'reason', 'best score') WHERE id = $1`,
      [rows[0]!.id],
    );
    assert.equal((await getTask(db, rows[0]!.id))!.status, "queued");
    const waiting = await getWaitingTasks(db);
    assert.equal(waiting.byReason.no_model, 2);
    assert.equal(waiting.byReason.retrying, 2);
  });
});
