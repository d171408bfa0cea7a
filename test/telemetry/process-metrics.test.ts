import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { test } from "node:test";
import pino from "pino";
import { builtInKinds } from "../../src/app/built-in-kinds.ts";
import { configSchema } from "../../src/config/config-schema.ts";
import type { Database } from "../../src/db/database.ts";
import type { AssignmentResult } from "../../src/models/model-assignment.ts";
import { ModelRegistry } from "../../src/models/model-registry.ts";
import type { AttemptReport } from "../../src/tasks/complete-tasks.ts";
import type { ClaimedTask } from "../../src/tasks/task.ts";
import { TaskKindRegistry } from "../../src/tasks/task-kinds.ts";
import { LabelLimits, labelLimits } from "../../src/telemetry/label-limits.ts";
import { maxRememberedClaims, ProcessMetrics } from "../../src/telemetry/process-metrics.ts";

/** Stands in for a worker pool: the same events, emitted by the test. */
class FakePool extends EventEmitter<{
  claimed: [ClaimedTask[]];
  assigned: [AssignmentResult];
  finished: [AttemptReport];
}> {}

const at = new Date("2026-01-01T00:00:00Z");

function claimed(id: number, stage: string, kind = "noop"): ClaimedTask {
  return {
    id,
    kind,
    stage,
    ideaId: null,
    urgency: 0,
    complexity: 0,
    capabilities: [],
    payload: null,
    aiModel: null,
    attempt: 1,
    maxAttempts: 3,
    timeoutMs: null,
    deadline: null,
    readyAt: at,
    startedAt: new Date(at.getTime() + 2_000),
  };
}

function report(taskId: number): AttemptReport {
  return {
    taskId,
    attempt: 1,
    outcome: "succeeded",
    queuedAt: at,
    startedAt: new Date(at.getTime() + 2_000),
    finishedAt: new Date(at.getTime() + 5_000),
  };
}

function metricsWithPool() {
  const metrics = new ProcessMetrics({
    db: {} as Database, // not scraped here: only the counters are read, never the database gauges
    kinds: new TaskKindRegistry(builtInKinds),
    models: new ModelRegistry(configSchema.parse({})),
    logger: pino({ level: "silent" }),
  });
  const pool = new FakePool();
  const unwatch = metrics.watch(pool);
  return { metrics, pool, unwatch };
}

async function attempts(metrics: ProcessMetrics): Promise<Record<string, string | number>[]> {
  const metric = await metrics.register.getSingleMetric("steward_task_attempts_total")!.get();
  return metric.values.map((v) => ({ ...v.labels, value: v.value }));
}

test("a dimension keeps its first values and counts the rest as other", () => {
  const labels = new LabelLimits({ kind: 2 });
  assert.deepEqual(
    ["a", "b", "c", "a", "d"].map((kind) => labels.value("kind", kind)),
    ["a", "b", "other", "a", "other"],
  );
  assert.equal(labels.model(null), "none");
  assert.equal(labels.model("m"), "m");
});

test("stages past the limit are counted as other; durations and waits come from the report", async () => {
  const { metrics, pool } = metricsWithPool();
  const stages = labelLimits.stage + 5;
  pool.emit(
    "claimed",
    Array.from({ length: stages }, (_, i) => claimed(i + 1, `stage ${i}`)),
  );
  for (let i = 0; i < stages; i++) pool.emit("finished", report(i + 1));
  const values = await attempts(metrics);
  assert.equal(values.length, labelLimits.stage + 1);
  assert.equal(values.find((v) => v.stage === "other")?.value, 5);
  const wait = await metrics.register.getSingleMetric("steward_queue_wait_seconds")!.get();
  const sum = wait.values.find(
    (v) =>
      (v as { metricName?: string }).metricName === "steward_queue_wait_seconds_sum" &&
      v.labels.stage === "stage 0",
  );
  assert.equal(sum?.value, 2);
});

test("claims are remembered until their report, a hand-back or the bound, and watching stops", async () => {
  const { metrics, pool, unwatch } = metricsWithPool();
  pool.emit("claimed", [claimed(1, "Waiting")]);
  // Handed back without an attempt: its memory is dropped (a later report would be "unknown").
  pool.emit("assigned", {
    assigned: [],
    waiting: [{ task: claimed(1, "Waiting") } as AssignmentResult["waiting"][number]],
  });
  pool.emit("finished", report(1));
  // Past the bound, the oldest claim is forgotten.
  pool.emit(
    "claimed",
    Array.from({ length: maxRememberedClaims + 1 }, (_, i) => claimed(100 + i, "Busy")),
  );
  pool.emit("finished", report(100));
  pool.emit("finished", report(101));
  assert.deepEqual((await attempts(metrics)).map((v) => [v.stage, v.kind, v.value]).sort(), [
    ["Busy", "noop", 1],
    ["unknown", "unknown", 2],
  ]);
  unwatch();
  pool.emit("finished", report(102));
  assert.equal(
    (await attempts(metrics)).reduce((n, v) => n + Number(v.value), 0),
    3,
  );
});
