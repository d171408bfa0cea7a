import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { renderTaskDetail } from "../../src/cli/render-task.ts";
import { enqueueTasks } from "../../src/tasks/enqueue-tasks.ts";
import { getTask } from "../../src/tasks/query-tasks.ts";
import type { TaskKind } from "../../src/tasks/task-kinds.ts";
import { WorkerPool } from "../../src/workers/worker-pool.ts";
import { testDeps } from "../support/steward-deps.ts";
import { backend, createTestDatabase } from "../support/test-database.ts";
import { waitFor } from "../support/wait-for.ts";

/** A kind whose handler fails the first time and, the second time, waits until the test lets it go. */
function secondAttemptWaits() {
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let runs = 0;
  const kind: TaskKind = {
    name: "second-waits",
    description: "fails once, then waits for the test",
    async run() {
      runs++;
      if (runs === 1) throw new RangeError("first attempt fails");
      await released;
      return { done: true };
    },
  };
  return { kind, release: () => release(), runs: () => runs };
}

describe(`a running task's detail on ${backend}`, () => {
  it("shows the attempt under way, from the lease, after the finished ones; it becomes the recorded attempt when it ends", async (t) => {
    const { db } = await createTestDatabase(t);
    const deps = await testDeps(db, { config: { tasks: { retry: { baseDelayMs: 1, maxDelayMs: 2 } } } });
    const gated = secondAttemptWaits();
    deps.kinds.register(gated.kind);
    const pool = new WorkerPool(deps, { workerId: "worker-a", concurrency: 2, pollMs: 20 });
    await pool.start();
    t.after(() => pool.stop());
    const [task] = await enqueueTasks(deps, [{ kind: "second-waits", maxAttempts: 3 }]);

    const running = await waitFor(
      async () => {
        const detail = await getTask(db, task!.id);
        return detail?.status === "running" && detail.attempts === 2 ? detail : null;
      },
      { what: "the second attempt to run" },
    );
    assert.deepEqual(
      running.attemptHistory.map((a) => [a.attempt, a.outcome, a.workerId, a.finishedAt === null]),
      [
        [1, "failed", "worker-a", false],
        [2, "running", "worker-a", true],
      ],
    );
    const current = running.attemptHistory[1]!;
    assert.equal(current.startedAt, running.startedAt);
    assert.equal(current.errorClass, null);
    assert.match(renderTaskDetail(running, new Date()), /^\s+2\s+running\s+worker-a/m, "task show lists it");

    gated.release();
    const done = await waitFor(
      async () => {
        const detail = await getTask(db, task!.id);
        return detail?.status === "succeeded" ? detail : null;
      },
      { what: "the task to succeed" },
    );
    assert.deepEqual(
      done.attemptHistory.map((a) => [a.attempt, a.outcome]),
      [
        [1, "failed"],
        [2, "succeeded"],
      ],
    );
    assert.equal(gated.runs(), 2);
    await pool.stop();
  });

  it("a task that is not running shows only recorded attempts", async (t) => {
    const { db } = await createTestDatabase(t);
    const deps = await testDeps(db);
    const [task] = await enqueueTasks(deps, [{ kind: "noop" }]);
    assert.deepEqual((await getTask(db, task!.id))!.attemptHistory, []);
  });
});
