import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Deps } from "../../src/app/deps.ts";
import { configSchema } from "../../src/config/config-schema.ts";
import { ensureDemoIdeas } from "../../src/demo/demo-ideas.ts";
import { createDemoKinds, demoKindNames, demoKinds, SimulatedFailure } from "../../src/demo/demo-kinds.ts";
import { demoRequest, startDemoWorkload } from "../../src/demo/demo-workload.ts";
import { builtInKinds } from "../../src/tasks/built-in-kinds.ts";
import { queueDepth } from "../../src/tasks/query-tasks.ts";
import type { ClaimedTask } from "../../src/tasks/task.ts";
import { validateTaskInputs } from "../../src/tasks/task-input.ts";
import { TaskKindRegistry } from "../../src/tasks/task-kinds.ts";
import { WorkerPool } from "../../src/workers/worker-pool.ts";
import { testDeps } from "../support/steward-deps.ts";
import { backend, createTestDatabase } from "../support/test-database.ts";
import { waitFor } from "../support/wait-for.ts";

/** A repeatable source of randomness (mulberry32), so that a failing run can be replayed. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const claimed = (over: Partial<ClaimedTask> = {}): ClaimedTask => ({
  id: 7,
  kind: "implement_idea",
  stage: "Implement Ideas",
  ideaId: 1,
  urgency: 5,
  complexity: 8,
  capabilities: [],
  payload: {},
  aiModel: null,
  attempt: 1,
  maxAttempts: 3,
  timeoutMs: null,
  deadline: null,
  readyAt: new Date(),
  startedAt: new Date(),
  ...over,
});

const context = (signal: AbortSignal) => ({
  signal,
  workerId: "test",
  logger: undefined as never,
  reportUsage: () => {},
});

describe("the demo's simulated kinds", () => {
  it("are the seed report's three kinds, each declared a simulation, in its stage", () => {
    assert.deepEqual(
      demoKinds.map((k) => [k.name, k.defaults?.stage, k.description.startsWith("Simulated:")]),
      [
        ["implement_idea", "Implement Ideas", true],
        ["idea_implementation", "Idea Implementation", true],
        ["self_improvement", "Self-Improvement", true],
      ],
    );
  });

  it("stop at once when the signal fires, and fail with a clear error now and then", async () => {
    const [slow] = createDemoKinds({ durationMs: { min: 60_000, max: 60_000 } });
    const controller = new AbortController();
    const started = Date.now();
    const run = slow!.run(claimed(), context(controller.signal));
    controller.abort(new Error("shutting down"));
    await assert.rejects(run, /shutting down/);
    assert.ok(Date.now() - started < 1_000, "the sleep ends with the signal");

    const [failing] = createDemoKinds({ durationMs: { min: 0, max: 0 }, failureRate: 1 });
    await assert.rejects(
      failing!.run(claimed({ attempt: 2 }), context(new AbortController().signal)),
      (error) => {
        assert.ok(error instanceof SimulatedFailure);
        assert.equal(error.name, "SimulatedFailure");
        assert.match(
          error.message,
          /^simulated failure of implement_idea task 7, attempt 2 of 3 \(the demo fails about 100% of attempts/,
        );
        return true;
      },
    );
  });

  it("make requests the engine accepts: mixed urgency and complexity, chains by ref", () => {
    const random = seeded(1);
    const ideas = [
      { id: 1, key: "demo-a" },
      { id: 2, key: "demo-b" },
    ];
    const requests = Array.from({ length: 50 }, () => demoRequest(ideas, 3, random));
    const registry = new TaskKindRegistry([...builtInKinds, ...demoKinds]);
    const config = configSchema.parse({}).tasks;
    for (const request of requests) {
      assert.equal(request.length, 3);
      validateTaskInputs(request, registry, config, new Date()); // throws on any problem
    }
    const all = requests.flat();
    assert.ok(
      all.some((task) => (task.dependsOn?.length ?? 0) > 0),
      "some tasks wait for others",
    );
    assert.ok(new Set(all.map((task) => task.urgency)).size > 5, "urgency varies");
    assert.ok(new Set(all.map((task) => task.complexity)).size > 5, "complexity varies");
    assert.deepEqual(new Set(all.map((task) => task.kind)), new Set(demoKindNames));
  });
});

describe(`the demo workload on ${backend}`, () => {
  it("creates its ideas once, enqueues until stopped, and a worker drains every task", async (t) => {
    const testDb = await createTestDatabase(t);
    const base = await testDeps(testDb.db);
    const random = seeded(42);
    const deps: Deps = {
      ...base,
      // Quick retries, so that the failures (one attempt in five here) are retried within the test.
      config: configSchema.parse({ tasks: { retry: { baseDelayMs: 10, maxDelayMs: 50 } } }),
      kinds: new TaskKindRegistry([
        ...builtInKinds,
        ...createDemoKinds({ durationMs: { min: 1, max: 20 }, failureRate: 0.2, random }),
      ]),
    };

    const demo = await startDemoWorkload(deps, { tasksPerSecond: 60, intervalMs: 50, random });
    await waitFor(() => demo.enqueued >= 30, { timeoutMs: 10_000, what: "30 demo tasks" });
    await demo.stop();
    const enqueued = demo.enqueued;
    assert.deepEqual(await ensureDemoIdeas(testDb.db), demo.ideas, "ideas are created once");
    assert.equal(demo.ideas.length, 3);

    const pool = new WorkerPool(deps, { concurrency: 8, pollMs: 20, maintenanceMs: 200 });
    t.after(() => pool.stop());
    await pool.start();
    await waitFor(async () => (await queueDepth(testDb.db, { live: true })).length === 0, {
      timeoutMs: 30_000,
      what: "the worker to drain the demo's tasks",
    });
    await pool.stop();

    const { rows } = await testDb.db.query<{ kind: string; stage: string; status: string; n: number }>(
      "SELECT kind, stage, status, count(*)::int AS n FROM execution_tasks GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
    );
    assert.equal(
      rows.reduce((sum, r) => sum + r.n, 0),
      enqueued,
      "no task was enqueued after stop()",
    );
    for (const row of rows) {
      assert.ok(["succeeded", "failed"].includes(row.status), `${row.kind}: ${row.status}`);
      assert.equal(row.stage, deps.kinds.get(row.kind)?.defaults?.stage);
    }
    const facts = await testDb.db.query<{
      retried: number;
      dependent: number;
      orphans: number;
      models: number;
    }>(
      `SELECT (SELECT count(*)::int FROM execution_tasks WHERE attempts > 1) AS retried,
              (SELECT count(DISTINCT task_id)::int FROM task_dependencies) AS dependent,
              (SELECT count(*)::int FROM execution_tasks
                WHERE idea_id IS NULL OR idea_id <> ALL($1::bigint[])) AS orphans,
              (SELECT count(DISTINCT ai_model)::int FROM execution_tasks WHERE ai_model LIKE 'simulated-%') AS models`,
      [demo.ideas.map((idea) => idea.id)],
    );
    const { retried, dependent, orphans, models } = facts.rows[0]!;
    assert.ok(retried > 0, "failed attempts were retried");
    assert.ok(dependent > 0, "some tasks waited for others");
    assert.equal(orphans, 0, "every task belongs to a demo idea");
    assert.ok(models > 1, "the simulated model follows complexity");
  });
});
