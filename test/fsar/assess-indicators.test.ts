import assert from "node:assert/strict";
import { describe, it, type TestContext } from "node:test";
import type { Deps } from "../../src/app/deps.ts";
import type { Queryable } from "../../src/db/database.ts";
import { indicatorsAssessor } from "../../src/fsar/assess-indicators.ts";
import type { AssessmentWindow } from "../../src/fsar/assessor.ts";
import type { Finding } from "../../src/fsar/fsar-report.ts";
import { llmKind } from "../../src/models/llm-kind.ts";
import { assignClaimedTasks } from "../../src/models/model-assignment.ts";
import { claimTaskBatch } from "../../src/tasks/claim-tasks.ts";
import { type AttemptReport, completeTasks } from "../../src/tasks/complete-tasks.ts";
import { enqueueTasks } from "../../src/tasks/enqueue-tasks.ts";
import type { ClaimedTask } from "../../src/tasks/task.ts";
import type { TaskInput } from "../../src/tasks/task-input.ts";
import { alertSettingsSchema, evaluateAlerts, listAlerts } from "../../src/telemetry/alerts.ts";
import { statsWindow } from "../../src/telemetry/stats-window.ts";
import { assessorDepsOf } from "../support/assessor-deps.ts";
import { testDeps } from "../support/steward-deps.ts";
import { TestClock } from "../support/test-clock.ts";
import { backend, createTestDatabase } from "../support/test-database.ts";

const minute = 60_000;
const day = 86_400_000;

const sim = (id: string) => ({
  id,
  provider: "sim",
  model: id,
  price: { inputPerMTok: 0, outputPerMTok: 0 },
  capabilities: { writing: 5 },
  concurrency: 200,
});

/** Deps with three simulated models, and a second kind that runs on models beside llm. */
async function steward(t: TestContext) {
  const { db } = await createTestDatabase(t);
  const deps = await testDeps(db, {
    config: { providers: [{ id: "sim", type: "sim" }], models: ["sim-a", "sim-b", "sim-c"].map(sim) },
  });
  deps.kinds.register({ ...llmKind, name: "summary", defaults: { stage: "summary" } });
  return deps;
}

const lastHour = (): AssessmentWindow => ({ ...statsWindow("1h", undefined, new Date()), label: "1h" });
const assess = (deps: Deps) => indicatorsAssessor.assess(assessorDepsOf(deps), lastHour());
const ofCode = (findings: Finding[], code: string) =>
  findings.filter((f) => f.code === code).sort((a, b) => a.key.localeCompare(b.key));

type Outcome = "succeeded" | "unverified" | "failed";

/** One worker round: claims every ready task, gets it a model, and reports it as `plan` says. */
async function runRound(deps: Deps, plan: (task: ClaimedTask) => Outcome = () => "succeeded") {
  const { tasks, claimId } = await claimTaskBatch(deps.db, {
    workerId: "w1",
    limit: 1_000,
    kinds: deps.kinds.names(),
    leaseMs: 30_000,
  });
  const { waiting } = await assignClaimedTasks(
    deps,
    "w1",
    tasks.filter((task) => deps.kinds.get(task.kind)?.model !== undefined),
  );
  assert.equal(waiting.length, 0);
  const reports = tasks.map((task): AttemptReport => {
    const outcome = plan(task);
    return {
      taskId: task.id,
      attempt: task.attempt,
      outcome: outcome === "succeeded" ? "succeeded" : "failed",
      aiModel: task.aiModel,
      queuedAt: task.readyAt,
      startedAt: task.startedAt,
      finishedAt: new Date(),
      retryAt: null,
      // An answer the model gave as done that failed the task's check (src/models/llm-kind.ts).
      error:
        outcome === "unverified"
          ? { class: "OutputMismatch", message: "the model's answer does not match the outputSchema" }
          : outcome === "failed"
            ? { class: "ServerError", message: "500" }
            : undefined,
      task,
    };
  });
  await completeTasks(deps.db, "w1", reports, 60, claimId === null ? [] : [claimId]);
}

/** `count` tasks of `kind` pinned to `model`. */
function answers(kind: string, model: string, count: number): TaskInput[] {
  return Array.from({ length: count }, () => ({
    kind,
    model,
    maxAttempts: 1,
    payload: { prompt: "Answer in JSON" },
  }));
}

function planned(plans: Record<string, { unverified: number; failed?: number }>) {
  const seen: Record<string, number> = {};
  return (task: ClaimedTask): Outcome => {
    const key = `${task.aiModel}/${task.kind}`;
    seen[key] = (seen[key] ?? 0) + 1;
    const n = seen[key];
    const plan = plans[key] ?? { unverified: 0 };
    return n <= plan.unverified
      ? "unverified"
      : n <= plan.unverified + (plan.failed ?? 0)
        ? "failed"
        : "succeeded";
  };
}

/**
 * Minute rollups of one scope ending at `end`, 10 attempts a minute: `failed[i]` of them failed
 * (of which `unverified[i]`), `durations[i]` ms on average.
 */
async function rollupMinutes(
  db: Queryable,
  end: Date,
  scope: { stage: string; kind: string; model?: string },
  points: { durationMs: number; failed?: number; unverified?: number }[],
) {
  const last = Math.floor(end.getTime() / minute) * minute;
  const rows = points.map((p, i) => ({
    at: new Date(last - (points.length - 1 - i) * minute).toISOString(),
    d: p.durationMs,
    f: p.failed ?? 0,
    u: p.unverified ?? 0,
  }));
  await db.query(
    `INSERT INTO task_rollups (grain, bucket_start, stage, kind, model, shard, attempts, succeeded, failed, timed_out,
                               cancelled, lease_lost, released, retries, tasks_failed, deadline_misses, unverified,
                               duration_ms, queue_wait_ms, input_tokens, output_tokens, cost_usd, duration_hist, queue_wait_hist)
     SELECT 'minute', (r ->> 'at')::timestamptz, $2, $3, $4, 0, 10, 10 - (r ->> 'f')::int, (r ->> 'f')::int, 0, 0, 0, 0, 0, 0, 0,
            (r ->> 'u')::int, 10 * (r ->> 'd')::float8, 10, 0, 0, 0, '{10}', '{10}'
       FROM jsonb_array_elements($1::jsonb) r`,
    [JSON.stringify(rows), scope.stage, scope.kind, scope.model ?? ""],
  );
}

/** A steady level with a little deterministic wobble. */
const level = (value: number, n: number, wobble: number) =>
  Array.from({ length: n }, (_, i) => value + (i % 3) * wobble);

describe(`the indicators assessor on ${backend}`, () => {
  it("finds nothing on a clean system: tasks succeeding on healthy models, no alert", async (t) => {
    const deps = await steward(t);
    await enqueueTasks(deps, [
      ...answers("llm", "sim-a", 30),
      ...answers("summary", "sim-b", 30),
      ...Array.from({ length: 20 }, () => ({ kind: "noop" })),
    ]);
    await runRound(deps);
    const clock = new TestClock();
    await rollupMinutes(
      deps.db,
      clock.now(),
      { stage: "Implement Ideas", kind: "noop" },
      level(100, 80, 2).map((durationMs) => ({ durationMs })),
    );
    assert.equal((await evaluateAlerts(deps.db, alertSettingsSchema.parse({}), clock)).opened, 0);
    const findings = await assess(deps);
    assert.deepEqual(
      findings.map((f) => [f.key, f.severity]),
      [],
    );
    assert.ok(findings.every((f) => f.severity <= 2));
  });

  it("reports each open alert on a step change, graded by its indicator, with its kinds", async (t) => {
    const deps = await steward(t);
    const clock = new TestClock();
    // A stage's duration steps up; a stage and kind's failures step up.
    await rollupMinutes(deps.db, clock.now(), { stage: "Implement Ideas", kind: "sleep" }, [
      ...level(100, 60, 2).map((durationMs) => ({ durationMs })),
      ...level(400, 15, 2).map((durationMs) => ({ durationMs })),
    ]);
    await rollupMinutes(deps.db, clock.now(), { stage: "Launch", kind: "noop" }, [
      ...level(0, 60, 1).map((failed) => ({ durationMs: 50, failed })),
      ...level(5, 15, 1).map((failed) => ({ durationMs: 50, failed })),
    ]);
    const evaluated = await evaluateAlerts(deps.db, alertSettingsSchema.parse({}), clock);
    assert.equal(evaluated.opened, 2, JSON.stringify(await listAlerts(deps.db)));
    const alerts = await listAlerts(deps.db, { open: true });
    const durationAlert = alerts.find((a) => a.indicator === "duration")!;
    const errorAlert = alerts.find((a) => a.indicator === "error_rate")!;

    const found = ofCode(await assess(deps), "indicators.alert");
    assert.deepEqual(
      found.map((f) => [f.key, f.severity, f.blocking, f.kinds]),
      [
        ["indicators.alert:duration:stage:Implement Ideas", 5, false, []],
        ["indicators.alert:error_rate:stage:Launch:kind:noop", 6, false, ["noop"]],
      ],
    );
    const [duration, errors] = found;
    const change = (a: typeof durationAlert) =>
      Math.round((100 * (a.afterValue - a.beforeValue)) / a.beforeValue);
    assert.equal(
      duration!.summary,
      `Duration of stage Implement Ideas rose from ${Math.round(durationAlert.beforeValue)} ms to ${Math.round(durationAlert.afterValue)} ms (+${change(durationAlert)} %) since ${durationAlert.changedAt}, a change found by cusum; the alert is open (latest ${Math.round(durationAlert.latestValue)} ms).`,
    );
    assert.ok(durationAlert.beforeValue < 110 && durationAlert.afterValue > 300);
    assert.match(
      errors!.summary,
      /^Error rate of stage Launch, kind noop rose from [\d.]+ % to [\d.]+ % \(\+\d+ %\) since .+, a change found by cusum; the alert is open/,
    );
    assert.deepEqual(
      [errors!.evidence.numbers.before, errors!.evidence.numbers.after, errors!.evidence.numbers.detector],
      [errorAlert.beforeValue, errorAlert.afterValue, "cusum"],
    );
    assert.equal(errors!.evidence.window!.from, errorAlert.changedAt);
    assert.match(errors!.evidence.source, new RegExp(`^telemetry_alerts #${errorAlert.id} `));
    assert.deepEqual(errors!.remedy!.map((a) => a.command).filter(Boolean), [
      "steward alerts --open",
      `steward stats --by model --stage Launch --kind noop --since ${errorAlert.changedAt}`,
    ]);
    assert.match(errors!.risk!, /tasks failing for good/);
  });

  it("reports a trend test's alert as slow degradation", async (t) => {
    const deps = await steward(t);
    const now = Date.now();
    const changedAt = new Date(Math.floor(now / day) * day - 27 * day).toISOString();
    // As evaluateAlerts opens one (src/telemetry/alerts.ts) for the daily series' Mann–Kendall test.
    await deps.db.query(
      `INSERT INTO telemetry_alerts (indicator, scope, scope_key, detector, changed_at, before_value, after_value,
                                     latest_value, message, delivery_status)
       VALUES ('queue_wait', '{"stage":"Research"}', '{"stage":"Research"}', 'mann-kendall', $1, 1200, 1900, 2100,
               'queue wait of stage Research rose from 1200 to 1900 (+58 %) since ${changedAt} (mann-kendall)', 'none')`,
      [changedAt],
    );
    const findings = await assess(deps);
    assert.deepEqual(
      findings.map((f) => [f.code, f.key, f.severity, f.blocking, f.kinds]),
      [
        [
          "indicators.slow_degradation",
          "indicators.slow_degradation:queue_wait:stage:Research",
          4,
          false,
          [],
        ],
      ],
    );
    assert.equal(
      findings[0]!.summary,
      `Queue wait of stage Research rose from 1200 ms to 1900 ms (+58 %) since ${changedAt}, a steady drift found by the trend test (mann-kendall); the alert is open (latest 2100 ms).`,
    );
    assert.deepEqual(
      [
        findings[0]!.evidence.numbers.before,
        findings[0]!.evidence.numbers.after,
        findings[0]!.evidence.numbers.latest,
      ],
      [1200, 1900, 2100],
    );
  });

  it("measures trust inflation per model and kind, and leaves to an open alert what it already says", async (t) => {
    const deps = await steward(t);
    await enqueueTasks(deps, [
      ...answers("llm", "sim-a", 30),
      ...answers("llm", "sim-b", 30),
      ...answers("summary", "sim-a", 40),
      ...answers("llm", "sim-c", 10),
    ]);
    await runRound(
      deps,
      planned({
        // 6 of 30 answers wrong: a fifth.
        "sim-a/llm": { unverified: 6 },
        // 3 of the 25 answers given wrong, 5 calls that gave none.
        "sim-b/llm": { unverified: 3, failed: 5 },
        // 2 of 40: too few to count.
        "sim-a/summary": { unverified: 2 },
        // 5 of 10: too few answers to judge.
        "sim-c/llm": { unverified: 5 },
      }),
    );
    const found = ofCode(await assess(deps), "indicators.trust_inflation");
    assert.deepEqual(
      found.map((f) => [f.key, f.severity, f.blocking, f.kinds]),
      [
        ["indicators.trust_inflation:model:sim-a:kind:llm", 6, false, ["llm"]],
        ["indicators.trust_inflation:model:sim-b:kind:llm", 5, false, ["llm"]],
      ],
    );
    const [a, b] = found;
    assert.equal(
      a!.summary,
      "Model sim-a reported 30 answers of kind llm done in the last hour, and 6 of them (20 %) failed their check.",
    );
    assert.equal(
      b!.summary,
      "Model sim-b reported 25 answers of kind llm done in the last hour, and 3 of them (12 %) failed their check.",
    );
    assert.deepEqual(b!.evidence.numbers, {
      answersReportedDone: 25,
      unverified: 3,
      verified: 22,
      trustInflation: 0.12,
      attempts: 30,
    });
    assert.equal(b!.remedy![2]!.config, '{"models":[{"id":"sim-b","enabled":false}]}');

    // An open alert on sim-a's trust inflation in llm, as evaluateAlerts opens one: the alert
    // is reported, and the measure of the same model and kind is not reported twice.
    await deps.db.query(
      `INSERT INTO telemetry_alerts (indicator, scope, scope_key, detector, changed_at, before_value, after_value,
                                     latest_value, message, delivery_status)
       VALUES ('trust_inflation', '{"model":"sim-a","kind":"llm"}', '{"kind":"llm","model":"sim-a"}', 'cusum',
               now() - interval '5 minutes', 0.02, 0.2, 0.2, 'trust inflation of model sim-a, kind llm rose', 'none')`,
    );
    const again = await assess(deps);
    assert.deepEqual(again.map((f) => [f.key, f.severity, f.kinds]).sort(), [
      ["indicators.alert:trust_inflation:model:sim-a:kind:llm", 6, ["llm"]],
      ["indicators.trust_inflation:model:sim-b:kind:llm", 5, ["llm"]],
    ]);
    assert.match(
      again.find((f) => f.code === "indicators.alert")!.summary,
      /^Trust inflation of model sim-a, kind llm rose from 2 % to 20 % \(\+900 %\)/,
    );
  });
});
