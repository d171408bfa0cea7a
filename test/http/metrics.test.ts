import assert from "node:assert/strict";
import { test } from "node:test";
import { createDeps } from "../../src/app/create-deps.ts";
import { configSchema } from "../../src/config/config-schema.ts";
import type { Database } from "../../src/db/database.ts";
import { buildServer } from "../../src/http/build-server.ts";
import { enqueueTasks } from "../../src/tasks/enqueue-tasks.ts";
import { getTask } from "../../src/tasks/query-tasks.ts";
import type { TaskKind } from "../../src/tasks/task-kinds.ts";
import { WorkerPool } from "../../src/workers/worker-pool.ts";
import { capturedLogger } from "../support/captured-logger.ts";
import { testDeps } from "../support/steward-deps.ts";
import { backend, createTestDatabase } from "../support/test-database.ts";
import { waitFor } from "../support/wait-for.ts";

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a Prometheus text exposition (comments skipped). */
function parseExposition(text: string): Sample[] {
  return text
    .split("\n")
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => {
      const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      assert.ok(match, `an exposition line: ${line}`);
      const labels: Record<string, string> = {};
      for (const [, key, value] of (match[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g))
        labels[key!] = value!;
      return { name: match[1]!, labels, value: Number(match[3]) };
    });
}

/** The value of the one sample named `name` whose labels include `labels`; undefined if none. */
function sampleValue(
  samples: Sample[],
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const found = samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  assert.ok(found.length <= 1, `one sample ${name} ${JSON.stringify(labels)}, not ${found.length}`);
  return found[0]?.value;
}

function sumOf(samples: Sample[], name: string): number {
  return samples.filter((s) => s.name === name).reduce((sum, s) => sum + s.value, 0);
}

const simModel = {
  providers: [{ id: "sim", type: "sim" as const }],
  models: [
    {
      id: "sim-writer",
      provider: "sim",
      model: "writer",
      price: { inputPerMTok: 3, outputPerMTok: 15 },
      capabilities: { writing: 5 },
      sim: { baseLatencyMs: 1, perOutputTokenMs: 0, jitter: 0, outputTokens: 40 },
    },
  ],
};

/**
 * A scenario through one worker pool: three no-op successes in "Implement Ideas", two model calls
 * (kind write), one failure for good (kind broken) and one model call held running while the
 * test scrapes; then, with the pool stopped, four no-op tasks left queued.
 */
test(`GET /metrics counts a pool's attempts and reads the queue and models from the database, on ${backend}`, async (t) => {
  const cleanups: (() => Promise<void>)[] = [];
  t.after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });
  const testDb = await createTestDatabase();
  cleanups.push(() => testDb.dispose());
  const deps = await testDeps(testDb.db, { config: simModel });
  const estimate = () => ({ inputTokens: 10, outputTokens: 40 });
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const kinds: TaskKind[] = [
    {
      name: "write",
      description: "one model call",
      model: { estimate },
      run: async (_task, ctx) => (await ctx.model!.call({ prompt: "write" })).text,
    },
    {
      name: "held_write",
      description: "a model call that stays in flight until the test lets it go",
      model: { estimate },
      run: async () => released,
    },
    {
      name: "broken",
      description: "always fails",
      async run() {
        throw new RangeError("out of range");
      },
    },
  ];
  for (const kind of kinds) deps.kinds.register(kind);
  const app = await buildServer(deps);
  cleanups.push(() => app.close());
  const pool = new WorkerPool(deps, { concurrency: 8, pollMs: 20 });
  const unwatch = deps.metrics.watch(pool);
  pool.on("error", () => {});
  await pool.start();
  cleanups.push(async () => {
    release();
    await pool.stop();
    unwatch();
  });

  const scrape = async () => {
    const response = await app.inject({ method: "GET", url: "/metrics" });
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers["content-type"], "text/plain; version=0.0.4; charset=utf-8");
    return parseExposition(response.body);
  };

  const finishing = await enqueueTasks(deps, [
    { kind: "noop", stage: "Implement Ideas" },
    { kind: "noop", stage: "Implement Ideas" },
    { kind: "noop", stage: "Implement Ideas" },
    { kind: "write" },
    { kind: "write" },
    { kind: "broken", maxAttempts: 1 },
  ]);
  const [held] = await enqueueTasks(deps, [{ kind: "held_write" }]);
  await waitFor(
    async () => {
      const tasks = await Promise.all(finishing.map((task) => getTask(deps.db, task.id)));
      const heldTask = await getTask(deps.db, held!.id);
      return tasks.every((task) => task?.status === "succeeded" || task?.status === "failed") &&
        heldTask?.status === "running"
        ? true
        : null;
    },
    { what: "six tasks finished and one held running" },
  );

  let samples = await scrape();
  const attempts = "steward_task_attempts_total";
  assert.equal(
    sampleValue(samples, attempts, {
      stage: "Implement Ideas",
      kind: "noop",
      model: "none",
      outcome: "succeeded",
    }),
    3,
  );
  assert.equal(
    sampleValue(samples, attempts, {
      stage: "write",
      kind: "write",
      model: "sim-writer",
      outcome: "succeeded",
    }),
    2,
  );
  assert.equal(sampleValue(samples, attempts, { kind: "broken", model: "none", outcome: "failed" }), 1);
  assert.equal(sumOf(samples, attempts), 6);
  // One observation per attempt, in the buckets of its stage, kind and model.
  assert.equal(
    sampleValue(samples, "steward_task_duration_seconds_count", {
      stage: "Implement Ideas",
      kind: "noop",
      model: "none",
    }),
    3,
  );
  assert.equal(sumOf(samples, "steward_task_duration_seconds_count"), 6);
  assert.equal(
    sampleValue(samples, "steward_task_duration_seconds_bucket", {
      stage: "Implement Ideas",
      kind: "noop",
      model: "none",
      le: "+Inf",
    }),
    3,
  );
  assert.equal(
    sampleValue(samples, "steward_queue_wait_seconds_count", { stage: "Implement Ideas", kind: "noop" }),
    3,
  );
  assert.equal(sumOf(samples, "steward_queue_wait_seconds_count"), 6);

  // Tokens and cost as the database recorded them for the two model calls.
  const { rows } = await deps.db.query<{ input: number; output: number; cost: string }>(
    "SELECT sum(input_tokens)::int AS input, sum(output_tokens)::int AS output, sum(cost_usd)::text AS cost FROM task_attempts WHERE ai_model = 'sim-writer'",
  );
  assert.ok(rows[0]!.output > 0);
  assert.equal(
    sampleValue(samples, "steward_tokens_total", { model: "sim-writer", direction: "input" }),
    rows[0]!.input,
  );
  assert.equal(
    sampleValue(samples, "steward_tokens_total", { model: "sim-writer", direction: "output" }),
    rows[0]!.output,
  );
  assert.ok(
    Math.abs(
      sampleValue(samples, "steward_cost_usd_total", { model: "sim-writer" })! - Number(rows[0]!.cost),
    ) < 1e-9,
  );

  // From the database: the held call is in flight and its task runs.
  assert.equal(sampleValue(samples, "steward_model_in_flight", { model: "sim-writer" }), 1);
  assert.equal(sampleValue(samples, "steward_queue_depth", { kind: "held_write", status: "running" }), 1);
  assert.equal(sampleValue(samples, "steward_queue_depth", { kind: "noop", status: "queued" }), 0);

  // The process metrics, under prom-client's own names.
  assert.ok((sampleValue(samples, "process_cpu_user_seconds_total") ?? 0) > 0);
  assert.ok((sampleValue(samples, "nodejs_heap_size_total_bytes") ?? 0) > 0);

  release();
  await waitFor(async () => (await getTask(deps.db, held!.id))?.status === "succeeded", {
    what: "the held task to finish",
  });
  await pool.stop();
  const queued = await enqueueTasks(deps, [
    { kind: "noop" },
    { kind: "noop" },
    { kind: "noop" },
    { kind: "noop" },
  ]);

  samples = await scrape();
  assert.equal(sampleValue(samples, "steward_queue_depth", { kind: "noop", status: "queued" }), 4);
  assert.equal(sampleValue(samples, "steward_queue_depth", { kind: "held_write", status: "running" }), 0);
  assert.equal(sampleValue(samples, "steward_model_in_flight", { model: "sim-writer" }), 0);
  assert.equal(
    sampleValue(samples, attempts, { kind: "held_write", model: "sim-writer", outcome: "succeeded" }),
    1,
  );
  assert.equal(sumOf(samples, "steward_task_duration_seconds_count"), 7);

  // Bounded labels: no task id in any label of Steward's metrics.
  const taskIds = new Set([...finishing, held!, ...queued].map((task) => String(task.id)));
  const stewardSamples = samples.filter((s) => s.name.startsWith("steward_"));
  const labelNames = new Set(stewardSamples.flatMap((s) => Object.keys(s.labels)));
  assert.deepEqual([...labelNames].sort(), [
    "direction",
    "kind",
    "le",
    "model",
    "outcome",
    "stage",
    "status",
  ]);
  for (const sample of stewardSamples)
    for (const [name, value] of Object.entries(sample.labels))
      if (name !== "le") assert.ok(!taskIds.has(value), `${sample.name} has a task id in label ${name}`);

  // HEAD answers like GET; other methods get the server's 405.
  const head = await app.inject({ method: "HEAD", url: "/metrics" });
  assert.equal(head.statusCode, 200);
  const post = await app.inject({ method: "POST", url: "/metrics" });
  assert.equal(post.statusCode, 405);
  assert.equal(post.headers.allow, "GET, HEAD");
  assert.equal(post.json().error.code, "method_not_allowed");
});

test("a scrape whose database read fails still answers with the process metrics, and logs once", async (t) => {
  const { logger, entries } = capturedLogger("info");
  const config = configSchema.parse({});
  const unreachable = {
    query: async () => {
      throw new Error("connect ECONNREFUSED 127.0.0.1:5432");
    },
  } as unknown as Database;
  const deps = createDeps({ config, db: unreachable, logger });
  // A second Steward in the same process: its own registry, so no metric name collides.
  const other = createDeps({ config, db: unreachable, logger });
  assert.notEqual(deps.metrics.register, other.metrics.register);
  const app = await buildServer(deps);
  t.after(() => app.close());
  for (let i = 0; i < 3; i++) {
    const response = await app.inject({ method: "GET", url: "/metrics" });
    assert.equal(response.statusCode, 200);
    const samples = parseExposition(response.body);
    assert.ok(
      (sampleValue(samples, "process_cpu_user_seconds_total") ?? 0) > 0,
      "the process metrics are there",
    );
    assert.equal(samples.filter((s) => s.name === "steward_queue_depth").length, 0);
    assert.equal(samples.filter((s) => s.name === "steward_model_in_flight").length, 0);
    assert.match(response.body, /# TYPE steward_queue_depth gauge/);
  }
  const logged = entries.filter((l) => l.msg.includes("/metrics"));
  assert.equal(logged.length, 1, `logged once: ${JSON.stringify(logged)}`);
  assert.match(logged[0]!.msg, /failed/);
  assert.match(JSON.stringify(logged[0]), /ECONNREFUSED/);
});
