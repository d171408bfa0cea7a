import assert from "node:assert/strict";
import { test } from "node:test";
import type { Overview } from "../../src/app/overview.ts";
import { buildServer } from "../../src/http/build-server.ts";
import { enqueueTasks } from "../../src/tasks/enqueue-tasks.ts";
import type { TaskKind } from "../../src/tasks/task-kinds.ts";
import type { WaitingTasks } from "../../src/tasks/waiting-tasks.ts";
import { WorkerPool } from "../../src/workers/worker-pool.ts";
import { testDeps } from "../support/steward-deps.ts";
import { createTestDatabase } from "../support/test-database.ts";
import { waitFor } from "../support/wait-for.ts";

/**
 * GET /api/overview and GET /api/tasks/waiting: one task running (its handler waits for the
 * test), one failed for good, two ready that no worker runs, one delayed and one blocked on it.
 */
test("the overview counts live work, why tasks wait, recent failures and models", async (t) => {
  // Cleanups in reverse order of creation: the worker, the server, then the database.
  const cleanups: (() => Promise<void>)[] = [];
  t.after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });
  const testDb = await createTestDatabase();
  cleanups.push(() => testDb.dispose());
  const { db } = testDb;
  const deps = await testDeps(db, {
    config: {
      providers: [{ id: "sim", type: "sim" }],
      models: [{ id: "writer", provider: "sim", model: "w", price: { inputPerMTok: 0, outputPerMTok: 0 } }],
    },
  });
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const held: TaskKind = { name: "held", description: "waits for the test", run: () => released };
  const broken: TaskKind = {
    name: "broken",
    description: "always fails",
    async run() {
      throw new RangeError("out of range");
    },
  };
  deps.kinds.register(held).register(broken);
  const app = await buildServer(deps);
  cleanups.push(() => app.close());
  const pool = new WorkerPool(deps, { kinds: ["held", "broken"], concurrency: 4, pollMs: 20 });
  await pool.start();
  cleanups.push(async () => {
    release();
    await pool.stop();
  });

  const [delayed] = await enqueueTasks(deps, [{ kind: "noop", delayMs: 3_600_000 }]);
  const [running, failed] = await enqueueTasks(deps, [
    { kind: "held" },
    { kind: "broken", maxAttempts: 1 },
    { kind: "noop" },
    { kind: "noop" },
    { kind: "noop", dependsOn: [delayed!.id] },
  ]);
  const overview = await waitFor(
    async () => {
      const answer = (await app.inject({ method: "GET", url: "/api/overview" })).json<Overview>();
      return answer.tasks?.running === 1 && answer.failures?.count === 1 ? answer : null;
    },
    { what: "one task running and one failed" },
  );
  assert.deepEqual(overview.problems, []);
  assert.deepEqual(
    { running: overview.tasks!.running, queued: overview.tasks!.queued, blocked: overview.tasks!.blocked },
    { running: 1, queued: 3, blocked: 1 },
  );
  assert.equal(overview.waiting!.total, 4);
  assert.deepEqual(overview.waiting!.byReason, {
    ready: 2,
    delayed: 1,
    retrying: 0,
    blocked: 1,
    gated: 0,
    paused: 0,
    no_model: 0,
  });
  assert.equal(overview.failures!.window, 10_000);
  assert.deepEqual(
    overview.failures!.newest.map((f) => [f.id, f.kind, f.error?.class, f.attempts]),
    [[failed!.id, "broken", "RangeError", 1]],
  );
  assert.deepEqual(overview.models, {
    configured: 1,
    available: 1,
    inUse: [],
    held: [],
  });
  assert.ok(running!.id > 0);

  const waiting = await app.inject({ method: "GET", url: "/api/tasks/waiting" });
  assert.equal(waiting.statusCode, 200);
  assert.deepEqual(waiting.json<WaitingTasks>().byReason, overview.waiting!.byReason);
});

test("the overview answers what it can read when a part cannot be, and says why", async (t) => {
  const { db } = await createTestDatabase(t);
  const deps = await testDeps(db);
  const app = await buildServer(deps);
  t.after(() => app.close());
  await enqueueTasks(deps, [{ kind: "noop" }]);
  // Drift made behind Steward's back: the models' state reads this column.
  await db.exec("ALTER TABLE execution_tasks DROP COLUMN ai_model");
  const response = await app.inject({ method: "GET", url: "/api/overview" });
  assert.equal(response.statusCode, 200);
  const overview = response.json<Overview>();
  assert.equal(overview.models, null);
  assert.ok(
    overview.problems.some((p) =>
      /^The models could not be read: the schema differs .*steward doctor/.test(p),
    ),
    overview.problems.join("; "),
  );
  assert.equal(overview.tasks?.queued, 1, "the queue is still counted");
  assert.equal(overview.waiting?.byReason.ready, 1);
});
