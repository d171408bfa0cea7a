import assert from "node:assert/strict";
import { describe, it, type TestContext } from "node:test";
import type { Deps } from "../../src/app/deps.ts";
import { isStewardError } from "../../src/errors.ts";
import type { ModelConfig, ProviderConfig } from "../../src/models/model-config.ts";
import { ModelRegistry } from "../../src/models/model-registry.ts";
import { getModelsStatus } from "../../src/models/model-status.ts";
import { enqueueTasks } from "../../src/tasks/enqueue-tasks.ts";
import { getTask } from "../../src/tasks/query-tasks.ts";
import { rateLimitedErrorClass } from "../../src/tasks/task.ts";
import { WorkerPool } from "../../src/workers/worker-pool.ts";
import { reply, startFakeModelServer, status } from "../support/openai-compatible-server.ts";
import { testDeps } from "../support/steward-deps.ts";
import { TestClock } from "../support/test-clock.ts";
import { backend, createTestDatabase } from "../support/test-database.ts";
import { waitFor } from "../support/wait-for.ts";

/** A model of the local OpenAI-compatible test server, or a quick simulator. */
const model = (over: Partial<ModelConfig> & Pick<ModelConfig, "id" | "provider">): ModelConfig => ({
  model: over.id,
  capabilities: { writing: 5 },
  maxComplexity: 10,
  contextWindow: 128_000,
  price: { inputPerMTok: 2, outputPerMTok: 8 },
  concurrency: 4,
  fallback: [],
  enabled: true,
  tags: [],
  ...over,
});

const quickSim = {
  baseLatencyMs: 25,
  perOutputTokenMs: 0,
  jitter: 0,
  outputTokens: 50,
  failureRate: 0,
  rateLimitBurstRate: 0,
  rateLimitBurstMs: 0,
  retryAfterSeconds: 1,
  seed: 7,
};

/** Deps over a fresh database with these providers and models, quick retries, and workers to stop at the end. */
async function stewardWith(
  t: TestContext,
  providers: ProviderConfig[],
  models: ModelConfig[],
  extra: { budgets?: Deps["config"]["budgets"]; retryDelayMs?: number; clock?: Deps["clock"] } = {},
) {
  const testDb = await createTestDatabase(t);
  const deps = await testDeps(testDb.db, {
    config: {
      providers,
      models,
      budgets: extra.budgets ?? [],
      tasks: { retry: { baseDelayMs: extra.retryDelayMs ?? 10, maxDelayMs: 2 * (extra.retryDelayMs ?? 10) } },
    },
  });
  if (extra.clock) deps.clock = extra.clock;
  const pools: WorkerPool[] = [];
  const startPool = async (id: string) => {
    const pool = new WorkerPool(deps, { workerId: id, concurrency: 10, pollMs: 20, maintenanceMs: 500 });
    pools.push(pool);
    await pool.start();
    return pool;
  };
  t.after(async () => {
    for (const pool of pools) await pool.stop();
  });
  const finished = (id: number) =>
    waitFor(
      async () => {
        const task = await getTask(deps.db, id);
        return task && ["succeeded", "failed"].includes(task.status) ? task : null;
      },
      { timeoutMs: 20_000, what: `task ${id} to finish` },
    );
  return { deps, db: testDb.db, startPool, finished };
}

const openAiProvider = (baseUrl: string): ProviderConfig => ({
  id: "local",
  type: "openai-compatible",
  baseUrl,
  timeoutMs: 5_000,
});

/** The local OpenAI-compatible server, closed when the test ends. */
async function localServer(t: TestContext) {
  const server = await startFakeModelServer();
  t.after(() => server.close());
  return server;
}

/** Two models of the local server: the cheaper one is preferred, and falls back to the other. */
const primaryAndBackup = [
  model({
    id: "primary",
    provider: "local",
    price: { inputPerMTok: 0.1, outputPerMTok: 0.1 },
    fallback: ["backup"],
  }),
  model({ id: "backup", provider: "local", price: { inputPerMTok: 3, outputPerMTok: 9 } }),
];

describe(`models on ${backend}`, () => {
  it("an llm task renders its template, runs on the assigned model, and records tokens, cost and the model everywhere", async (t) => {
    const server = await localServer(t);
    const s = await stewardWith(
      t,
      [openAiProvider(server.baseUrl)],
      [model({ id: "writer", provider: "local" })],
    );
    server.script(reply('{"title":"Ship it","score":8}', { inputTokens: 1_000, outputTokens: 250 }));
    const [task] = await enqueueTasks(s.deps, [
      {
        kind: "llm",
        capabilities: ["writing"],
        payload: {
          prompt: "Name the idea {{idea}} and score it",
          variables: { idea: "pay-per-report" },
          outputSchema: {
            type: "object",
            properties: { title: { type: "string" }, score: { type: "integer", minimum: 0, maximum: 10 } },
            required: ["title", "score"],
          },
        },
      },
    ]);
    await s.startPool("w1");
    const done = await s.finished(task!.id);

    assert.equal(done.status, "succeeded", JSON.stringify(done.error));
    assert.deepEqual((done.result as { output: unknown }).output, { title: "Ship it", score: 8 });
    const sent = JSON.stringify(server.requests[0]!.body);
    assert.match(sent, /Name the idea pay-per-report and score it/, "the template was rendered");
    // 1,000 × $2/M + 250 × $8/M = $0.004
    assert.deepEqual(
      [done.aiModel, done.inputTokens, done.outputTokens, Number(done.costUsd)],
      ["writer", 1_000, 250, 0.004],
    );
    const [attempt] = done.attemptHistory;
    assert.deepEqual(
      [attempt!.aiModel, attempt!.inputTokens, Number(attempt!.costUsd)],
      ["writer", 1_000, 0.004],
    );
    assert.equal(attempt!.assignment?.model, "writer");
    assert.ok(attempt!.assignment!.scores.length >= 1 && attempt!.assignment!.reason.length > 0);
    const { rows } = await s.db.query<{ outcome: string; cost: string; tokens: number }>(
      "SELECT outcome, cost_usd::text AS cost, (input_tokens + output_tokens)::int AS tokens FROM model_calls",
    );
    assert.deepEqual(rows, [{ outcome: "succeeded", cost: "0.00400000", tokens: 1_250 }]);
    const stats = await s.db.query<{ attempts: number; successes: number; calibrated: boolean }>(
      `SELECT attempts, successes,
              expected_successes > 0 AND expected_successes <= 1 AND mean_duration_ratio > 0 AS calibrated
         FROM model_kind_stats WHERE model_id = 'writer' AND kind = 'llm'`,
    );
    assert.deepEqual(
      stats.rows,
      [{ attempts: 1, successes: 1, calibrated: true }],
      "the scheduler learned from it, against what it expected",
    );
  });

  it("an answer that does not match the output schema is a failed attempt that says what did not match", async (t) => {
    const server = await localServer(t);
    const s = await stewardWith(
      t,
      [openAiProvider(server.baseUrl)],
      [model({ id: "writer", provider: "local" })],
    );
    server.script(reply('{"title": 3}'), reply("not json at all"));
    const [task] = await enqueueTasks(s.deps, [
      {
        kind: "llm",
        maxAttempts: 2,
        payload: {
          prompt: "Title?",
          outputSchema: { type: "object", properties: { title: { type: "string" } }, required: ["title"] },
        },
      },
    ]);
    await s.startPool("w1");
    const done = await s.finished(task!.id);
    assert.equal(done.status, "failed");
    const [first, second] = done.attemptHistory;
    assert.equal(first!.errorClass, "OutputMismatch");
    assert.match(first!.errorMessage!, /does not match the outputSchema: title: .*expected string/);
    assert.match(second!.errorMessage!, /is not JSON.*not json at all/);
  });

  it("a 429 with Retry-After cools the model down for every worker; the retry runs at once on its fallback", async (t) => {
    const server = await localServer(t);
    // A minute's backoff: only a retry that skips it lets the task finish within the test. The
    // worker's clock stands still, so the times it gives are exact.
    const clock = new TestClock();
    const s = await stewardWith(t, [openAiProvider(server.baseUrl)], primaryAndBackup, {
      retryDelayMs: 60_000,
      clock,
    });
    server.script(status(429, { "Retry-After": "30" }, '{"error":{"message":"slow down"}}'), reply("fine"));
    const [task] = await enqueueTasks(s.deps, [{ kind: "llm", payload: { prompt: "hello" } }]);
    await s.startPool("w1");
    const done = await s.finished(task!.id);

    assert.equal(done.status, "succeeded");
    assert.deepEqual(
      done.attemptHistory.map((a) => [a.aiModel, a.outcome]),
      [
        ["primary", "failed"],
        ["backup", "succeeded"],
      ],
    );
    assert.match(done.attemptHistory[0]!.errorMessage!, /429|rate/i);
    assert.equal(done.attemptHistory[0]!.errorClass, rateLimitedErrorClass);
    const learned = await s.db.query<{ model_id: string; attempts: number }>(
      "SELECT model_id, attempts FROM model_kind_stats ORDER BY model_id",
    );
    assert.deepEqual(
      learned.rows,
      [{ model_id: "backup", attempts: 1 }],
      "a 429 is not held against the model",
    );
    const status1 = await getModelsStatus(s.db, s.deps.models);
    const primary = status1.models.find((m) => m.id === "primary")!;
    assert.equal(primary.state, "cooling down");
    const [first, retry] = done.attemptHistory;
    assert.equal(first!.finishedAt, clock.now().toISOString(), "the attempt ended at the worker's time");
    assert.equal(
      primary.cooldown!.until,
      new Date(clock.now().getTime() + 30_000).toISOString(),
      "the cooldown honours Retry-After: 30 s from the 429",
    );
    assert.equal(retry!.queuedAt, first!.finishedAt, "the retry was due at once, without the backoff");
  });

  it("a server error sends the retry to the fallback model", async (t) => {
    const server = await localServer(t);
    const s = await stewardWith(t, [openAiProvider(server.baseUrl)], primaryAndBackup);
    server.script(status(503, {}, "upstream overloaded"), reply("fine"));
    const [task] = await enqueueTasks(s.deps, [{ kind: "llm", payload: { prompt: "hello" } }]);
    await s.startPool("w1");
    const done = await s.finished(task!.id);
    assert.deepEqual(
      done.attemptHistory.map((a) => a.aiModel),
      ["primary", "backup"],
    );
    assert.match(
      done.attemptHistory[0]!.errorMessage!,
      /upstream overloaded/,
      "the provider's words are kept",
    );
  });

  it("refuses at enqueue a task pinned to an unknown model, or needing a capability no enabled model has, listing the models", async (t) => {
    const s = await stewardWith(
      t,
      [{ id: "sim", type: "sim", timeoutMs: 5_000 }],
      [
        model({ id: "coder", provider: "sim", capabilities: { code: 7 }, sim: quickSim }),
        model({ id: "off", provider: "sim", capabilities: { math: 9 }, enabled: false, sim: quickSim }),
      ],
    );
    const refused = async (input: unknown) => {
      try {
        await enqueueTasks(s.deps, [input]);
      } catch (error) {
        assert.ok(isStewardError(error, "validation_failed"));
        return error.message;
      }
      assert.fail("the task was accepted");
    };
    assert.match(
      await refused({ kind: "llm", model: "gpt-9", payload: { prompt: "x" } }),
      /model: no model "gpt-9"; models: coder \(code 7\)/,
    );
    assert.match(
      await refused({ kind: "llm", capabilities: ["math"], payload: { prompt: "x" } }),
      /capabilities: no enabled model has "math"; models: coder \(code 7\)/,
    );
    assert.match(await refused({ kind: "noop", model: "coder" }), /kind "noop" does not run on a model/);
    assert.match(
      await refused({ kind: "llm", payload: { prompt: "Hi {{name}}" } }),
      /payload.prompt: uses \{\{name\}\}, which is not in variables/,
    );
    const { rows } = await s.db.query<{ n: number }>("SELECT count(*)::int AS n FROM execution_tasks");
    assert.equal(rows[0]!.n, 0, "nothing was added");
  });

  it("per-model concurrency holds across worker pools, and requests per minute hold back the rest", async (t) => {
    const s = await stewardWith(
      t,
      [{ id: "sim", type: "sim", timeoutMs: 5_000 }],
      [
        model({ id: "narrow", provider: "sim", concurrency: 2, sim: quickSim }),
        model({ id: "metered", provider: "sim", concurrency: 10, requestsPerMinute: 3, sim: quickSim }),
      ],
    );
    const narrow = await enqueueTasks(
      s.deps,
      Array.from({ length: 16 }, () => ({ kind: "llm", model: "narrow", payload: { prompt: "x" } })),
    );
    const metered = await enqueueTasks(
      s.deps,
      Array.from({ length: 6 }, () => ({ kind: "llm", model: "metered", payload: { prompt: "x" } })),
    );
    await Promise.all(["w1", "w2", "w3"].map((id) => s.startPool(id)));
    for (const task of narrow) await s.finished(task.id);
    await waitFor(
      async () =>
        (
          await s.db.query<{ n: number }>(
            "SELECT count(*)::int AS n FROM model_calls WHERE model_id = 'metered'",
          )
        ).rows[0]!.n >= 3,
      { what: "three metered calls" },
    );

    // The most calls of one model that overlapped in time, from their recorded start and end.
    const { rows } = await s.db.query<{ peak: number; workers: number }>(
      `SELECT max(overlap)::int AS peak,
              (SELECT count(DISTINCT worker_id)::int FROM task_attempts WHERE ai_model = 'narrow') AS workers
         FROM (SELECT (SELECT count(*) FROM model_calls o
                        WHERE o.model_id = c.model_id AND o.started_at <= c.started_at
                          AND (o.finished_at IS NULL OR o.finished_at > c.started_at)) AS overlap
                 FROM model_calls c WHERE c.model_id = 'narrow') x`,
    );
    assert.equal(rows[0]!.peak, 2, "never more than 2 at once, and the limit was used");
    if (backend === "postgres") assert.ok(rows[0]!.workers > 1, "several pools shared the work");

    const meteredCalls = await s.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM model_calls WHERE model_id = 'metered'",
    );
    assert.equal(meteredCalls.rows[0]!.n, 3, "3 requests a minute: the other 3 tasks wait");
    // Which three wait depends on which pool's claim reached the scheduler first: any three.
    const details = await Promise.all(metered.map((task) => getTask(s.db, task.id)));
    const waiting = details.filter((task) => task!.status === "queued");
    assert.equal(waiting.length, 3, "three metered tasks wait");
    for (const task of waiting) {
      assert.equal(task!.attempts, 0, "waiting for a model does not use up an attempt");
      assert.match(task!.assignment!.reason, /minute|rate/i);
    }
    const state = (await getModelsStatus(s.db, s.deps.models)).models.find((m) => m.id === "metered")!;
    assert.equal(state.state, "at rate limit");
  });

  it("tokens per minute count what requests are expected to use, then what they used", async (t) => {
    const s = await stewardWith(
      t,
      [{ id: "sim", type: "sim", timeoutMs: 5_000 }],
      [model({ id: "budgeted", provider: "sim", tokensPerMinute: 100, sim: quickSim })],
    );
    // Each task is estimated at 1 (prompt) + 40 (maxOutputTokens) tokens: two fit in 100, a third does not.
    const tasks = await enqueueTasks(
      s.deps,
      Array.from({ length: 3 }, () => ({ kind: "llm", payload: { prompt: "x", maxOutputTokens: 40 } })),
    );
    await s.startPool("w1");
    await s.finished(tasks[0]!.id);
    await s.finished(tasks[1]!.id);
    const third = await waitFor(
      async () => {
        const task = await getTask(s.db, tasks[2]!.id);
        return task?.status === "queued" && task.assignment ? task : null;
      },
      { what: "the third task to wait" },
    );
    assert.match(third.assignment!.reason, /token/i);
    const { rows } = await s.db.query<{ calls: number; tokens: number }>(
      "SELECT count(*)::int AS calls, sum(input_tokens + output_tokens)::int AS tokens FROM model_calls",
    );
    assert.equal(rows[0]!.calls, 2);
    assert.ok(rows[0]!.tokens > 0 && rows[0]!.tokens <= 100, `${rows[0]!.tokens} tokens used in the minute`);
  });

  it("at a budget's cap, assignment stops and the state says why", async (t) => {
    const server = await localServer(t);
    const s = await stewardWith(
      t,
      [openAiProvider(server.baseUrl)],
      [
        model({
          id: "pricey",
          provider: "local",
          price: { inputPerMTok: 1_000, outputPerMTok: 1_000 },
          dailyBudgetUsd: 1,
        }),
      ],
    );
    // One answer of 2,000 tokens at $1,000 per million costs $2: over the $1 daily budget.
    server.script(reply("expensive", { inputTokens: 1_000, outputTokens: 1_000 }));
    const [first] = await enqueueTasks(s.deps, [{ kind: "llm", payload: { prompt: "a" } }]);
    await s.startPool("w1");
    await s.finished(first!.id);
    const [second] = await enqueueTasks(s.deps, [{ kind: "llm", payload: { prompt: "b" } }]);
    const waiting = await waitFor(
      async () => {
        const task = await getTask(s.db, second!.id);
        return task?.assignment ? task : null;
      },
      { what: "the second task's assignment" },
    );
    assert.equal(waiting.status, "queued");
    assert.equal(waiting.assignment!.model, null);
    assert.match(waiting.assignment!.reason, /budget/);
    const state = (await getModelsStatus(s.db, s.deps.models)).models[0]!;
    assert.equal(state.state, "budget spent");
    assert.equal(state.spend.todayUsd, 2);
    assert.match(state.budgetExhausted!, /daily budget spent \(\$2\.00 of \$1\.00\)/);
    assert.equal(server.requests.length, 1, "no request was sent past the cap");
  });
});

describe(`budgets for providers and ideas on ${backend}`, () => {
  it("an idea at its cap gets no model while other ideas' tasks run; a provider at its cap stops its models", async (t) => {
    const s = await stewardWith(
      t,
      [{ id: "sim", type: "sim", timeoutMs: 5_000 }],
      [
        model({
          id: "dear",
          provider: "sim",
          price: { inputPerMTok: 1_000, outputPerMTok: 1_000 },
          sim: quickSim,
        }),
      ],
      {
        budgets: [
          { scope: "idea", id: "idea-capped", dailyUsd: 0.001 },
          { scope: "provider", id: "sim", monthlyUsd: 0.2 },
        ],
      },
    );
    const { rows: ideas } = await s.db.query<{ id: number; key: string }>(
      "INSERT INTO ideas (key, title) VALUES ('idea-capped', 'Capped'), ('idea-free', 'Free') RETURNING id, key",
    );
    const idea = (key: string) => ideas.find((i) => i.key === key)!.id;
    const [first] = await enqueueTasks(s.deps, [
      { kind: "llm", ideaId: idea("idea-capped"), payload: { prompt: "a" } },
    ]);
    await s.startPool("w1");
    await s.finished(first!.id);

    const [capped, free] = await enqueueTasks(s.deps, [
      { kind: "llm", ideaId: idea("idea-capped"), payload: { prompt: "b" } },
      { kind: "llm", ideaId: idea("idea-free"), payload: { prompt: "c" } },
    ]);
    await s.finished(free!.id);
    const waiting = await getTask(s.db, capped!.id);
    assert.equal(waiting!.status, "queued");
    assert.match(waiting!.assignment!.reason, /idea idea-capped: daily budget spent/);
    assert.match(
      JSON.stringify((await getModelsStatus(s.db, s.deps.models)).exhaustedIdeas),
      /idea-capped/,
      "the state is visible",
    );

    // Each call costs about $0.04 here: a few more reach the provider's $0.20 a month, then none.
    const more = await enqueueTasks(
      s.deps,
      Array.from({ length: 8 }, () => ({ kind: "llm", ideaId: idea("idea-free"), payload: { prompt: "d" } })),
    );
    const state = await waitFor(
      async () => {
        const m = (await getModelsStatus(s.db, s.deps.models)).models[0]!;
        return m.state === "budget spent" ? m : null;
      },
      { what: "the provider's budget to be spent" },
    );
    assert.match(state.budgetExhausted!, /provider sim: monthly budget spent/);
    const last = await waitFor(
      async () => {
        const task = await getTask(s.db, more.at(-1)!.id);
        return task?.status === "queued" && /budget/.test(task.assignment?.reason ?? "") ? task : null;
      },
      { what: "the last task to wait for the budget" },
    );
    assert.equal(last.attempts, 0);
  });
});

describe("model configuration", () => {
  it("an invalid model configuration names the key and what is allowed", () => {
    assert.throws(
      () =>
        new ModelRegistry({
          providers: [{ id: "sim", type: "sim", timeoutMs: 1_000 }],
          models: [model({ id: "a", provider: "nowhere", fallback: ["b"] })],
          prices: [],
          budgets: [],
        }),
      /models\.0\.provider names provider "nowhere", which is not configured; configured providers: sim/,
    );
  });
});
