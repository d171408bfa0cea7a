import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { loadMigrations } from "../../src/migrate/migration-files.ts";
import { migrateUp } from "../../src/migrate/migrator.ts";
import { claimTaskBatch, claimTasks } from "../../src/tasks/claim-tasks.ts";
import { completeTasks } from "../../src/tasks/complete-tasks.ts";
import { enqueueTasks } from "../../src/tasks/enqueue-tasks.ts";
import { queueDepth } from "../../src/tasks/query-tasks.ts";
import { expireLeases } from "../../src/tasks/task-leases.ts";
import { WorkerPool } from "../../src/workers/worker-pool.ts";
import { testDeps } from "../support/steward-deps.ts";
import { backend, createTestDatabase } from "../support/test-database.ts";
import { waitFor } from "../support/wait-for.ts";

type Deps = Awaited<ReturnType<typeof testDeps>>;

const claims = async (deps: Deps) =>
  (
    await deps.db.query<{ worker_id: string; task_ids: number[] }>(
      "SELECT worker_id, task_ids::integer[] AS task_ids FROM task_claims ORDER BY id",
    )
  ).rows;

const claimOptions = (deps: Deps, workerId: string, limit = 100) => ({
  workerId,
  limit,
  kinds: deps.kinds.names(),
  leaseMs: 30_000,
});

describe(`task claims on ${backend}`, () => {
  it("records the tasks of each claim, and removes it with the report of its last task", async (t) => {
    const { db } = await createTestDatabase(t);
    const deps = await testDeps(db);
    const tasks = await enqueueTasks(deps, [{ kind: "noop" }, { kind: "noop" }, { kind: "noop" }]);
    const { claimId, tasks: claimed } = await claimTaskBatch(db, claimOptions(deps, "w"));
    assert.deepEqual(
      await claims(deps),
      [{ worker_id: "w", task_ids: tasks.map((x) => x.id) }],
      "one claim lists every task it leased",
    );
    const report = (i: number) => ({
      taskId: claimed[i]!.id,
      attempt: 1,
      outcome: "succeeded" as const,
      queuedAt: claimed[i]!.readyAt,
      startedAt: claimed[i]!.startedAt,
      finishedAt: new Date(),
    });
    await completeTasks(db, "w", [report(0), report(1)], 60);
    assert.equal((await claims(deps)).length, 1, "a claim stays while one of its tasks runs");
    assert.deepEqual(await completeTasks(db, "other-worker", [], 60, [claimId!]), []);
    assert.equal((await claims(deps)).length, 1, "only its own worker removes a claim");
    await completeTasks(db, "w", [report(2)], 60, [claimId!]);
    assert.deepEqual(await claims(deps), []);
    assert.equal(
      (await claimTaskBatch(db, claimOptions(deps, "w"))).claimId,
      null,
      "an empty claim records nothing",
    );
    assert.deepEqual(await claims(deps), []);
  });

  it("a worker pool leaves no claim behind once its tasks are recorded", async (t) => {
    const { db } = await createTestDatabase(t);
    const deps = await testDeps(db);
    await enqueueTasks(
      deps,
      Array.from({ length: 25 }, () => ({ kind: "noop" })),
    );
    const pool = new WorkerPool(deps, { workerId: "pool", concurrency: 4, claimBatch: 3, pollMs: 50 });
    let recorded = 0;
    pool.on("recorded", (completed) => {
      recorded += completed.length;
    });
    t.after(() => pool.stop());
    await pool.start();
    await waitFor(() => recorded === 25, { what: "25 recorded attempts" });
    await waitFor(async () => (await claims(deps)).length === 0, { what: "every claim removed" });
    const { rows } = await db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM task_attempts WHERE outcome = 'succeeded'",
    );
    assert.equal(rows[0]!.n, 25);
  });

  it("finds expired leases through claims; maintenance removes claims whose tasks no longer run", async (t) => {
    const { db } = await createTestDatabase(t);
    const deps = await testDeps(db);
    const [lost, alive] = await enqueueTasks(deps, [{ kind: "noop" }, { kind: "noop" }]);
    await claimTasks(db, claimOptions(deps, "gone", 1));
    await claimTasks(db, claimOptions(deps, "busy", 1));
    assert.deepEqual(
      await expireLeases(db, 60),
      { requeued: 0, failed: 0 },
      "leases that have not run out are left alone",
    );
    assert.equal((await claims(deps)).length, 2, "and so are their claims");
    await db.query("UPDATE execution_tasks SET locked_until = now() - interval '1 second' WHERE id = $1", [
      lost!.id,
    ]);
    assert.deepEqual(await expireLeases(db, 60), { requeued: 1, failed: 0 });
    assert.deepEqual(
      await claims(deps),
      [{ worker_id: "busy", task_ids: [alive!.id] }],
      "the claim of the expired task is gone, the live one stays",
    );
    const depth = await queueDepth(db, { live: true });
    assert.deepEqual(
      depth.map((d) => [d.status, d.count]),
      [
        ["queued", 1],
        ["running", 1],
      ],
      "running tasks are counted from their claims",
    );
  });

  it("tasks running when the claims migration is applied are covered by a claim", async (t) => {
    const { db } = await createTestDatabase(t);
    const migrations = loadMigrations();
    const run = await migrateUp(db, migrations, { to: 7 });
    if (run.error) throw run.error;
    await db.query(
      `INSERT INTO execution_tasks (kind, stage, status, attempts, locked_by, locked_until, started_at)
       VALUES ('noop', 'default', 'running', 1, 'old-worker', now() - interval '1 second', now()),
              ('noop', 'default', 'queued', 0, NULL, NULL, NULL)`,
    );
    const deps = await testDeps(db);
    const covered = await claims(deps);
    assert.equal(covered.length, 1);
    assert.equal(covered[0]!.worker_id, "old-worker");
    assert.equal(covered[0]!.task_ids.length, 1);
    assert.deepEqual(await expireLeases(db, 60), { requeued: 1, failed: 0 });
    assert.deepEqual(await claims(deps), []);
  });
});
