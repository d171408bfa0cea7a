import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { cancelTasks } from "../../src/tasks/cancel-tasks.ts";
import { enqueueTasks } from "../../src/tasks/enqueue-tasks.ts";
import { getTask } from "../../src/tasks/query-tasks.ts";
import type { TaskHandlerContext, TaskKind } from "../../src/tasks/task-kinds.ts";
import { WorkerPool, type WorkerPoolOptions } from "../../src/workers/worker-pool.ts";
import { capturedLogger } from "../support/captured-logger.ts";
import { testDeps } from "../support/steward-deps.ts";
import { TestClock } from "../support/test-clock.ts";
import { backend, createTestDatabase } from "../support/test-database.ts";
import { waitFor } from "../support/wait-for.ts";

type Deps = Awaited<ReturnType<typeof testDeps>>;

/** A kind whose handler waits until the test releases it, or until its signal fires. */
function gatedKind() {
  const started = new Map<number, TaskHandlerContext>();
  const aborted = new Map<number, string>();
  let open: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  const kind: TaskKind = {
    name: "gated",
    description: "waits for the test",
    run(task, context) {
      started.set(task.id, context);
      context.reportUsage({ aiModel: "sim-gate", inputTokens: 3 });
      return new Promise((resolve, reject) => {
        context.signal.addEventListener("abort", () => {
          aborted.set(task.id, (context.signal.reason as Error).message);
          reject(context.signal.reason);
        });
        gate.then(() => resolve({ released: true }));
      });
    },
  };
  return { kind, started, aborted, open: () => open() };
}

const failingKind: TaskKind = {
  name: "flaky",
  description: "always fails",
  async run() {
    throw new RangeError("the numbers were wrong");
  },
};

async function startPool(
  t: { after: (fn: () => Promise<void>) => void },
  deps: Deps,
  options: WorkerPoolOptions = {},
) {
  const pool = new WorkerPool(deps, {
    concurrency: 8,
    pollMs: 50,
    heartbeatMs: 100,
    maintenanceMs: 100,
    ...options,
  });
  await pool.start();
  t.after(() => pool.stop());
  return pool;
}

const statusOf = async (deps: Deps, id: number) => (await getTask(deps.db, id))!.status;

describe(`worker pool on ${backend}`, () => {
  it("runs tasks, records each attempt with the handler's usage, and wakes at once on new work", async (t) => {
    const { db } = await createTestDatabase(t);
    const deps = await testDeps(db);
    const gated = gatedKind();
    deps.kinds.register(gated.kind);
    // Polling every 10 minutes: only the notification can wake the worker in time.
    await startPool(t, deps, { pollMs: 600_000 });
    const enqueuedAt = Date.now();
    const [task] = await enqueueTasks(deps, [{ kind: "gated" }]);
    await waitFor(() => gated.started.has(task!.id), { timeoutMs: 5_000, what: "the handler to start" });
    assert.ok(Date.now() - enqueuedAt < 5_000);
    gated.open();
    await waitFor(async () => (await statusOf(deps, task!.id)) === "succeeded", { what: "success" });
    const detail = (await getTask(db, task!.id))!;
    assert.deepEqual(detail.result, { released: true });
    assert.equal(detail.aiModel, "sim-gate");
    assert.equal(detail.inputTokens, 3);
    assert.equal(detail.attemptHistory.length, 1);
    assert.equal(detail.attemptHistory[0]!.outcome, "succeeded");
  });

  it("aborts a handler that runs past its timeout, then retries it", async (t) => {
    const { db } = await createTestDatabase(t);
    const deps = await testDeps(db);
    await startPool(t, deps);
    const [task] = await enqueueTasks(deps, [
      { kind: "sleep", payload: { ms: 60_000 }, timeoutMs: 100, maxAttempts: 2 },
    ]);
    await waitFor(async () => (await statusOf(deps, task!.id)) === "failed", {
      timeoutMs: 15_000,
      what: "two timed-out attempts",
    });
    const detail = (await getTask(db, task!.id))!;
    assert.deepEqual(
      detail.attemptHistory.map((a) => [a.attempt, a.outcome, a.errorClass]),
      [
        [1, "timed_out", "TimeoutError"],
        [2, "timed_out", "TimeoutError"],
      ],
    );
  });

  it("fails a throwing handler for good after its last attempt, keeping the error", async (t) => {
    const { db } = await createTestDatabase(t);
    // The worker's clock stands still: each retry is due exactly its backoff after the failure.
    const clock = new TestClock();
    const deps = { ...(await testDeps(db)), clock };
    deps.kinds.register(failingKind);
    await startPool(t, deps);
    const [task] = await enqueueTasks(deps, [{ kind: "flaky", maxAttempts: 3 }]);
    await waitFor(async () => (await statusOf(deps, task!.id)) === "failed", {
      timeoutMs: 20_000,
      what: "three failures",
    });
    const detail = (await getTask(db, task!.id))!;
    assert.deepEqual(detail.error, { class: "RangeError", message: "the numbers were wrong" });
    assert.equal(detail.attemptHistory.length, 3);
    assert.ok(
      detail.attemptHistory.every((a) => a.finishedAt === clock.now().toISOString()),
      "each attempt ended at the worker's time",
    );
    // Backoff: base 1 s, doubling, equal jitter: each retry is due between half its step and its step.
    const gaps = detail.attemptHistory
      .slice(1)
      .map((a, i) => Date.parse(a.queuedAt) - Date.parse(detail.attemptHistory[i]!.finishedAt!));
    assert.ok(
      gaps[0]! >= 500 && gaps[0]! <= 1_000 && gaps[1]! >= 1_000 && gaps[1]! <= 2_000,
      `retry gaps ${gaps.join(", ")} ms`,
    );
  });

  it("aborts a running handler as soon as its task is cancelled", async (t) => {
    const { db } = await createTestDatabase(t);
    const deps = await testDeps(db);
    const gated = gatedKind();
    deps.kinds.register(gated.kind);
    await startPool(t, deps, { heartbeatMs: 600_000 });
    const [task] = await enqueueTasks(deps, [{ kind: "gated" }]);
    await waitFor(() => gated.started.has(task!.id), { what: "the handler to start" });
    await cancelTasks(db, [task!.id]);
    const reason = await waitFor(() => gated.aborted.get(task!.id), { timeoutMs: 5_000, what: "the abort" });
    assert.equal(reason, "the task was cancelled");
    const detail = (await getTask(db, task!.id))!;
    assert.equal(detail.status, "cancelled");
    assert.deepEqual(
      detail.attemptHistory.map((a) => a.outcome),
      ["cancelled"],
    );
  });

  it("aborts a handler whose lease was lost, and the task runs again elsewhere", async (t) => {
    const { db } = await createTestDatabase(t);
    const deps = await testDeps(db);
    const gated = gatedKind();
    deps.kinds.register(gated.kind);
    const pool = await startPool(t, deps);
    const [task] = await enqueueTasks(deps, [{ kind: "gated" }]);
    await waitFor(() => gated.started.has(task!.id), { what: "the handler to start" });
    // Another worker's maintenance decided this worker was gone and took the task back.
    await db.query("UPDATE execution_tasks SET locked_by = 'someone-else' WHERE id = $1", [task!.id]);
    const reason = await waitFor(() => gated.aborted.get(task!.id), { timeoutMs: 5_000, what: "the abort" });
    assert.equal(reason, "the worker lost the task's lease");
    assert.equal(pool.runningCount, 0);
  });

  it("on stop, lets short tasks finish and hands long ones back to the queue", async (t) => {
    const { db } = await createTestDatabase(t);
    const deps = await testDeps(db);
    const pool = new WorkerPool(deps, { concurrency: 4, pollMs: 50, shutdownGraceMs: 300 });
    await pool.start();
    const tasks = await enqueueTasks(deps, [
      { kind: "sleep", payload: { ms: 50 } },
      { kind: "sleep", payload: { ms: 60_000 } },
    ]);
    await waitFor(() => pool.runningCount === 2 || undefined, { what: "both tasks running" });
    await pool.stop();
    const [short, long] = await Promise.all(tasks.map((x) => getTask(db, x.id)));
    assert.equal(short!.status, "succeeded");
    assert.equal(long!.status, "queued", "handed back, to be run by another worker");
    assert.deepEqual(
      long!.attemptHistory.map((a) => a.outcome),
      ["released"],
    );
    assert.equal(long!.maxAttempts, 4, "a release does not use up an attempt");
    assert.equal(pool.runningCount, 0);
  });

  it("on stop, runs or hands back what a claim under way brings in, rather than leave it running", async (t) => {
    const { db } = await createTestDatabase(t);
    const deps = await testDeps(db);
    // The claim statement waits at a gate until the test opens it, after stop() has begun.
    let claimReached: () => void = () => {};
    const reached = new Promise<void>((resolve) => {
      claimReached = resolve;
    });
    let openClaim: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      openClaim = resolve;
    });
    const slowDb = new Proxy(db, {
      get(target, key, receiver) {
        if (key !== "query") {
          // Bound to the database itself: its private fields are not the proxy's.
          const value = Reflect.get(target, key, receiver);
          return typeof value === "function" ? value.bind(target) : value;
        }
        return async (sql: string, params?: unknown[]) => {
          if (sql.includes("steward_claim_tasks")) {
            claimReached();
            await gate;
          }
          return target.query(sql, params);
        };
      },
    });
    const [task] = await enqueueTasks(deps, [{ kind: "sleep", payload: { ms: 20 } }]);
    const pool = new WorkerPool(
      { ...deps, db: slowDb },
      { concurrency: 4, pollMs: 50, shutdownGraceMs: 2_000 },
    );
    await pool.start();
    await reached;
    const stopped = pool.stop();
    openClaim();
    await stopped;
    assert.equal(await statusOf(deps, task!.id), "succeeded", "claimed as stopping began, and still run");
    assert.equal(pool.runningCount, 0);
  });

  it("on stop, gives up reports the database keeps refusing once a lease has passed, and says so", async (t) => {
    const { db } = await createTestDatabase(t);
    const deps = await testDeps(db);
    const { logger, entries } = capturedLogger();
    // The statement that records plain successes is gone: every write of the report fails.
    await db.query(
      "ALTER FUNCTION steward_complete_plain(text, bigint[], integer[], float8[], bigint[], json) RENAME TO steward_complete_plain_gone",
    );
    const pool = new WorkerPool({ ...deps, logger }, { concurrency: 2, pollMs: 50, leaseMs: 1_000 });
    await pool.start();
    const [task] = await enqueueTasks(deps, [{ kind: "noop" }]);
    const retrying = () =>
      entries.filter((e) => e.msg === "could not record finished tasks; retrying").length;
    await waitFor(() => retrying() >= 1 || undefined, { what: "a failed write of the report" });
    await pool.stop();
    const [given] = entries.filter((e) =>
      /^worker stopped with finished attempts it could not record/.test(e.msg),
    );
    assert.equal(given?.reports, 1, JSON.stringify(entries.map((e) => e.msg)));
    const after = retrying();
    // Written now, the report would be refused by its fence only once the lease is taken back;
    // the pool stopped trying, so the task stays as the claim left it until maintenance sees it.
    await db.query(
      "ALTER FUNCTION steward_complete_plain_gone(text, bigint[], integer[], float8[], bigint[], json) RENAME TO steward_complete_plain",
    );
    const stuck = await getTask(db, task!.id);
    assert.equal(stuck!.status, "running");
    assert.deepEqual(
      stuck!.attemptHistory.map((a) => a.outcome),
      ["running"],
      "no attempt recorded",
    );
    assert.equal(retrying(), after, "no write after stop");
  });

  it("spreads work over two pools without running any task twice", async (t) => {
    const { db } = await createTestDatabase(t);
    const deps = await testDeps(db);
    const ran = new Map<number, number>();
    deps.kinds.register({
      name: "counted",
      description: "counts its runs",
      async run(task) {
        ran.set(task.id, (ran.get(task.id) ?? 0) + 1);
        await new Promise((resolve) => setTimeout(resolve, 2));
      },
    });
    const pools = [
      new WorkerPool(deps, { concurrency: 16, pollMs: 50 }),
      new WorkerPool(deps, { concurrency: 16, pollMs: 50 }),
    ];
    const claimedBy = new Map<string, number>();
    for (const pool of pools) {
      pool.on("claimed", (tasks) =>
        claimedBy.set(pool.workerId, (claimedBy.get(pool.workerId) ?? 0) + tasks.length),
      );
      await pool.start();
      t.after(() => pool.stop());
    }
    await enqueueTasks(
      deps,
      Array.from({ length: 400 }, () => ({ kind: "counted" })),
    );
    await waitFor(
      async () => {
        const { rows } = await db.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM execution_tasks WHERE status = 'succeeded'",
        );
        return rows[0]!.n === 400;
      },
      { timeoutMs: 30_000, what: "all 400 tasks" },
    );
    assert.equal(ran.size, 400);
    assert.ok(
      [...ran.values()].every((n) => n === 1),
      "every task ran once",
    );
    const attempts = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM task_attempts");
    assert.equal(attempts.rows[0]!.n, 400);
    assert.equal(claimedBy.size, 2, "both pools took part");
  });
});
