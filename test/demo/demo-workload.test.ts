import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { builtInKinds } from "../../src/app/built-in-kinds.ts";
import type { Deps } from "../../src/app/deps.ts";
import { configSchema } from "../../src/config/config-schema.ts";
import { ensureDemoIdeas } from "../../src/demo/demo-ideas.ts";
import { demoKindNames, demoKinds } from "../../src/demo/demo-kinds.ts";
import { demoModelSettings } from "../../src/demo/demo-models.ts";
import { demoRequest, startDemoWorkload } from "../../src/demo/demo-workload.ts";
import { ModelRegistry, type ModelSettings } from "../../src/models/model-registry.ts";
import { mulberry32 } from "../../src/models/providers/sim-client.ts";
import { queueDepth } from "../../src/tasks/query-tasks.ts";
import type { ClaimedTask } from "../../src/tasks/task.ts";
import { validateTaskInputs } from "../../src/tasks/task-input.ts";
import { type AssignedModel, TaskKindRegistry } from "../../src/tasks/task-kinds.ts";
import { WorkerPool } from "../../src/workers/worker-pool.ts";
import { testDeps } from "../support/steward-deps.ts";
import { backend, createTestDatabase } from "../support/test-database.ts";
import { waitFor } from "../support/wait-for.ts";

/** A repeatable source of randomness, so that a failing run can be replayed. */
const seeded = mulberry32;

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

const context = (signal: AbortSignal, model?: AssignedModel) => ({
  signal,
  workerId: "test",
  logger: undefined as never,
  reportUsage: () => {},
  model,
});

/** The demo pool with quick simulators and more failures, so that a test drains it in seconds and sees retries. */
const quickDemoModels: ModelSettings = {
  ...demoModelSettings,
  models: demoModelSettings.models.map((m) => ({
    ...m,
    sim: { ...m.sim!, baseLatencyMs: 2, perOutputTokenMs: 0.01, failureRate: 0.2, rateLimitBurstRate: 0 },
  })),
};

describe("the demo's simulated kinds", () => {
  it("are the seed report's three kinds, each declared a simulation, in its stage, running on a model", () => {
    assert.deepEqual(
      demoKinds.map((k) => [
        k.name,
        k.defaults?.stage,
        k.description.startsWith("Simulated:"),
        k.model !== undefined,
      ]),
      [
        ["implement_idea", "Implement Ideas", true, true],
        ["idea_implementation", "Idea Implementation", true, true],
        ["self_improvement", "Self-Improvement", true, true],
      ],
    );
  });

  it("send one request to the assigned model and report its answer; refuse to run without one", async () => {
    const requests: unknown[] = [];
    const model: AssignedModel = {
      id: "sim-medium",
      provider: "sim",
      async call(request) {
        requests.push(request);
        return {
          text: "[simulated] ok",
          inputTokens: 120,
          outputTokens: 630,
          finishReason: "stop",
          latencyMs: 42,
          providerModel: "sim:medium",
        };
      },
    };
    const [kind] = demoKinds;
    const result = (await kind!.run(claimed(), context(new AbortController().signal, model))) as Record<
      string,
      unknown
    >;
    assert.equal(requests.length, 1);
    assert.match(JSON.stringify(requests[0]), /Implement Ideas: task 7 \(complexity 8\)/);
    assert.deepEqual(
      { summary: result.summary, outputTokens: result.outputTokens },
      { summary: "Implement Ideas: simulated work done on sim-medium", outputTokens: 630 },
    );
    assert.deepEqual(kind!.model!.estimate(claimed()), { inputTokens: 1_400, outputTokens: 630 });
    await assert.rejects(
      kind!.run(claimed(), context(new AbortController().signal)),
      /without a model assigned/,
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
      validateTaskInputs(request, registry, config, new Date(), new ModelRegistry(demoModelSettings)); // throws on any problem
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
      kinds: new TaskKindRegistry([...builtInKinds, ...demoKinds]),
      models: new ModelRegistry(quickDemoModels),
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
              (SELECT count(DISTINCT ai_model)::int FROM task_attempts WHERE ai_model LIKE 'sim-%') AS models`,
      [demo.ideas.map((idea) => idea.id)],
    );
    const { retried, dependent, orphans, models } = facts.rows[0]!;
    assert.ok(retried > 0, "failed attempts were retried");
    assert.ok(dependent > 0, "some tasks waited for others");
    assert.equal(orphans, 0, "every task belongs to a demo idea");
    assert.ok(models > 1, "the scheduler used several of the simulated models");
    const unmodelled = await testDb.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM task_attempts WHERE ai_model IS NULL OR assignment IS NULL",
    );
    assert.equal(unmodelled.rows[0]!.n, 0, "every attempt names its model and why it was chosen");
    const costs = await testDb.db.query<{ calls: number; priced: number }>(
      "SELECT count(*)::int AS calls, count(*) FILTER (WHERE cost_usd > 0)::int AS priced FROM model_calls WHERE outcome = 'succeeded'",
    );
    assert.ok(
      costs.rows[0]!.calls > 0 && costs.rows[0]!.calls === costs.rows[0]!.priced,
      "every answered call was priced",
    );
  });
});
