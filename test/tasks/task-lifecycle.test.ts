import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { cancelTasks, retryTasks } from "../../src/tasks/cancel-tasks.ts";
import { claimTasks } from "../../src/tasks/claim-tasks.ts";
import { type AttemptReport, completeTasks } from "../../src/tasks/complete-tasks.ts";
import { enqueueTasks } from "../../src/tasks/enqueue-tasks.ts";
import { pauseKinds, resumeKinds } from "../../src/tasks/pause-kinds.ts";
import { getTask } from "../../src/tasks/query-tasks.ts";
import type { ClaimedTask } from "../../src/tasks/task.ts";
import { repairBlockedTasks } from "../../src/tasks/task-dependencies.ts";
import { expireLeases, extendLeases } from "../../src/tasks/task-leases.ts";
import { testDeps } from "../support/steward-deps.ts";
import { backend, createTestDatabase } from "../support/test-database.ts";

type Deps = Awaited<ReturnType<typeof testDeps>>;

const claim = (deps: Deps, workerId = "worker-a", limit = 100, leaseMs = 30_000) =>
  claimTasks(deps.db, { workerId, limit, kinds: deps.kinds.names(), leaseMs });

const report = (
  task: ClaimedTask,
  outcome: AttemptReport["outcome"],
  extra: Partial<AttemptReport> = {},
): AttemptReport => ({
  taskId: task.id,
  attempt: task.attempt,
  outcome,
  queuedAt: task.readyAt,
  startedAt: task.startedAt,
  finishedAt: new Date(),
  ...extra,
});

const statusOf = async (deps: Deps, id: number) => (await getTask(deps.db, id))!.status;

describe(`task lifecycle on ${backend}`, () => {
  it("claims the oldest priority first: urgency is a head start, so old low-urgency work is not starved", async (t) => {
    const { db } = await createTestDatabase(t);
    const deps = await testDeps(db);
    const step = deps.config.tasks.urgencyStepSeconds;
    const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();
    const tasks = await enqueueTasks(deps, [
      { kind: "noop", ref: "calm-new", urgency: 0 },
      { kind: "noop", ref: "urgent-new", urgency: 10 },
      // Waited longer than ten urgency points are worth: goes first.
      { kind: "noop", ref: "calm-old", urgency: 0, runAt: minutesAgo((10 * step) / 60 + 1) },
      { kind: "noop", ref: "mid-new", urgency: 5 },
    ]);
    const byId = new Map(tasks.map((x) => [x.id, x.ref]));
    const order = [];
    for (let i = 0; i < 4; i++) order.push(byId.get((await claim(deps, "w", 1))[0]!.id));
    assert.deepEqual(order, ["calm-old", "urgent-new", "mid-new", "calm-new"]);
  });

  it("leases claimed tasks, counts the attempt, and never hands one task to two claimers", async (t) => {
    const { db } = await createTestDatabase(t);
    const deps = await testDeps(db);
    await enqueueTasks(
      deps,
      Array.from({ length: 300 }, () => ({ kind: "noop" })),
    );
    const batches = await Promise.all([claim(deps, "a", 120), claim(deps, "b", 120), claim(deps, "c", 120)]);
    const ids = batches.flat().map((x) => x.id);
    assert.equal(ids.length, 300);
    assert.equal(new Set(ids).size, 300, "no task claimed twice");
    assert.ok(batches.flat().every((x) => x.attempt === 1));
    const { rows } = await db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM execution_tasks WHERE status = 'running' AND locked_until > now() AND locked_by IN ('a','b','c')",
    );
    assert.equal(rows[0]!.n, 300);
  });

  it("does not claim delayed tasks or paused kinds; resuming makes them claimable", async (t) => {
    const { db } = await createTestDatabase(t);
    const deps = await testDeps(db);
    await enqueueTasks(deps, [
      { kind: "noop", delayMs: 60_000 },
      { kind: "sleep", payload: { ms: 1 } },
    ]);
    await pauseKinds(db, ["sleep"], "maintenance");
    assert.deepEqual(await claim(deps), []);
    await resumeKinds(db, ["sleep"]);
    assert.deepEqual(
      (await claim(deps)).map((x) => x.kind),
      ["sleep"],
    );
  });

  it("records a success, and retries a failure with backoff until attempts run out", async (t) => {
    const { db } = await createTestDatabase(t);
    const deps = await testDeps(db);
    const [ok, flaky] = await enqueueTasks(deps, [{ kind: "noop" }, { kind: "noop", maxAttempts: 2 }]);
    let claimed = await claim(deps);
    const okTask = claimed.find((x) => x.id === ok!.id)!;
    const flakyTask = claimed.find((x) => x.id === flaky!.id)!;
    const completed = await completeTasks(
      db,
      "worker-a",
      [
        report(okTask, "succeeded", {
          result: { answer: 42 },
          aiModel: "sim-fast",
          inputTokens: 10,
          outputTokens: 5,
          costUsd: 0.0015,
        }),
        report(flakyTask, "failed", { error: { class: "TypeError", message: "boom" }, retryAt: new Date() }),
      ],
      60,
    );
    assert.deepEqual(completed.map((c) => c.status).sort(), ["queued", "succeeded"]);
    const done = (await getTask(db, ok!.id))!;
    assert.deepEqual(
      [done.status, done.result, done.aiModel, done.inputTokens, done.outputTokens, Number(done.costUsd)],
      ["succeeded", { answer: 42 }, "sim-fast", 10, 5, 0.0015],
    );
    assert.deepEqual(
      done.attemptHistory.map((a) => [a.attempt, a.outcome, a.workerId, a.aiModel]),
      [[1, "succeeded", "worker-a", "sim-fast"]],
    );

    claimed = await claim(deps);
    assert.deepEqual(
      claimed.map((x) => [x.id, x.attempt]),
      [[flaky!.id, 2]],
    );
    await completeTasks(
      db,
      "worker-a",
      [
        report(claimed[0]!, "timed_out", {
          error: { class: "TimeoutError", message: "too slow" },
          retryAt: null,
        }),
      ],
      60,
    );
    const dead = (await getTask(db, flaky!.id))!;
    assert.equal(dead.status, "failed");
    assert.deepEqual(dead.error, { class: "TimeoutError", message: "too slow" });
    assert.deepEqual(
      dead.attemptHistory.map((a) => [a.attempt, a.outcome, a.errorClass]),
      [
        [1, "failed", "TypeError"],
        [2, "timed_out", "TimeoutError"],
      ],
    );

    const retried = await retryTasks(db, [flaky!.id, ok!.id], 1);
    assert.deepEqual(
      retried,
      [{ id: flaky!.id, from: "failed", to: "queued" }],
      "only failed or cancelled tasks are retried",
    );
    assert.deepEqual(
      (await claim(deps)).map((x) => x.attempt),
      [3],
      "attempt numbers keep counting",
    );
  });

  it("ignores the report of a worker that no longer holds the lease (never completed twice)", async (t) => {
    const { db } = await createTestDatabase(t);
    const deps = await testDeps(db);
    const [task] = await enqueueTasks(deps, [{ kind: "noop" }]);
    const [first] = await claim(deps, "slow-worker", 1, 1);
    await db.query("UPDATE execution_tasks SET locked_until = now() - interval '1 second' WHERE id = $1", [
      task!.id,
    ]);
    assert.deepEqual(await expireLeases(db, 60), { requeued: 1, failed: 0 });
    const [second] = await claim(deps, "fast-worker");
    assert.equal(second!.attempt, 2);
    assert.deepEqual(
      await extendLeases(db, "slow-worker", [task!.id], 30_000),
      [task!.id],
      "the slow worker learns it lost the task",
    );
    assert.deepEqual(
      await completeTasks(db, "slow-worker", [report(first!, "succeeded")], 60),
      [],
      "its late report does not count",
    );
    assert.deepEqual(await completeTasks(db, "fast-worker", [report(second!, "succeeded")], 60), [
      { id: task!.id, status: "succeeded" },
    ]);
    const detail = (await getTask(db, task!.id))!;
    assert.deepEqual(
      detail.attemptHistory.map((a) => [a.attempt, a.outcome, a.workerId]),
      [
        [1, "lease_lost", "slow-worker"],
        [2, "succeeded", "fast-worker"],
      ],
    );
  });

  it("fails a task whose last attempt lost its lease", async (t) => {
    const { db } = await createTestDatabase(t);
    const deps = await testDeps(db);
    const [task] = await enqueueTasks(deps, [{ kind: "noop", maxAttempts: 1 }]);
    await claim(deps, "doomed", 1, 1);
    await db.query("UPDATE execution_tasks SET locked_until = now() - interval '1 second' WHERE id = $1", [
      task!.id,
    ]);
    assert.deepEqual(await expireLeases(db, 60), { requeued: 0, failed: 1 });
    assert.equal((await getTask(db, task!.id))!.error?.class, "LeaseExpired");
  });

  it("queues a dependent when its last dependency succeeds, and cascades a failure by policy", async (t) => {
    const { db } = await createTestDatabase(t);
    const deps = await testDeps(db);
    const tasks = await enqueueTasks(deps, [
      { kind: "noop", ref: "a" },
      { kind: "noop", ref: "b" },
      { kind: "noop", ref: "joins-a-and-b", dependsOn: ["a", "b"] },
      { kind: "noop", ref: "c", maxAttempts: 1 },
      { kind: "noop", ref: "after-c", dependsOn: ["c"] },
      { kind: "noop", ref: "after-c-cancel", dependsOn: ["c"], onDependencyFailure: "cancel" },
      { kind: "noop", ref: "after-after-c", dependsOn: ["after-c"] },
    ]);
    const id = Object.fromEntries(tasks.map((x) => [x.ref, x.id]));
    const claimed = await claim(deps);
    assert.deepEqual(
      claimed.map((x) => x.id).sort(),
      [id.a, id.b, id.c].sort(),
      "only tasks without pending dependencies are claimable",
    );
    const get = (ref: string) => claimed.find((x) => x.id === id[ref])!;

    await completeTasks(db, "worker-a", [report(get("a"), "succeeded")], 60);
    assert.equal(await statusOf(deps, id["joins-a-and-b"]), "blocked");
    await completeTasks(db, "worker-a", [report(get("b"), "succeeded")], 60);
    assert.equal(await statusOf(deps, id["joins-a-and-b"]), "queued");

    await completeTasks(
      db,
      "worker-a",
      [report(get("c"), "failed", { error: { class: "Error", message: "no" } })],
      60,
    );
    assert.equal(await statusOf(deps, id["after-c"]), "failed");
    assert.equal(await statusOf(deps, id["after-c-cancel"]), "cancelled");
    assert.equal(await statusOf(deps, id["after-after-c"]), "failed", "the failure travels all the way down");
    assert.equal((await getTask(db, id["after-after-c"]))!.error?.class, "DependencyFailed");
  });

  it("heals a dependent left blocked when a process died between its two statements", async (t) => {
    const { db } = await createTestDatabase(t);
    const deps = await testDeps(db);
    const tasks = await enqueueTasks(deps, [
      { kind: "noop", ref: "first" },
      { kind: "noop", ref: "second", dependsOn: ["first"] },
    ]);
    // As if the completion committed but the process died before updating the dependent.
    await db.query("UPDATE execution_tasks SET status = 'succeeded' WHERE id = $1", [tasks[0]!.id]);
    assert.equal(await statusOf(deps, tasks[1]!.id), "blocked");
    assert.deepEqual(await repairBlockedTasks(db), { queued: 1, failed: 0 });
    assert.equal(await statusOf(deps, tasks[1]!.id), "queued");
  });

  it("cancels queued, blocked and running tasks, recording the running attempt; finished ones stay", async (t) => {
    const { db } = await createTestDatabase(t);
    const deps = await testDeps(db);
    const tasks = await enqueueTasks(deps, [
      { kind: "noop", ref: "running" },
      { kind: "noop", ref: "blocked", dependsOn: ["running"] },
    ]);
    const [running] = await claim(deps, "worker-a", 1);
    const [queued] = await enqueueTasks(deps, [{ kind: "noop" }]);
    const changed = await cancelTasks(db, [tasks[0]!.id, tasks[1]!.id, queued!.id], "not needed any more");
    assert.deepEqual(changed.map((c) => c.from).sort(), ["blocked", "queued", "running"]);
    const detail = (await getTask(db, running!.id))!;
    assert.deepEqual([detail.status, detail.error?.message], ["cancelled", "not needed any more"]);
    assert.deepEqual(
      detail.attemptHistory.map((a) => [a.outcome, a.workerId]),
      [["cancelled", "worker-a"]],
    );
    assert.deepEqual(
      await completeTasks(db, "worker-a", [report(running!, "succeeded")], 60),
      [],
      "the worker's late report does not count",
    );
    assert.deepEqual(await cancelTasks(db, [running!.id]), [], "a finished task is not cancelled again");
  });
});
