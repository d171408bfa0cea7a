import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Queryable } from "../../src/db/database.ts";
import { type AttemptOutcome, recordOutcome } from "../../src/scheduler/learn.ts";
import type { ModelKindStats, SuccessCount } from "../../src/scheduler/scheduler-types.ts";
import { countOutcome } from "../../src/scheduler/success-curve.ts";
import { claimTasks } from "../../src/tasks/claim-tasks.ts";
import { type AttemptReport, completeTasks } from "../../src/tasks/complete-tasks.ts";
import { enqueueTasks } from "../../src/tasks/enqueue-tasks.ts";
import { rateLimitedErrorClass } from "../../src/tasks/task.ts";
import { testDeps } from "../support/steward-deps.ts";
import { backend, createTestDatabase } from "../support/test-database.ts";

/**
 * The scheduler learns in two places: recordOutcome() (src/scheduler/learn.ts), one outcome at a
 * time, in the simulator; and the completion statement (src/tasks/complete-tasks.ts), a batch at
 * a time, in production. This holds them to the same record on the same outcomes.
 */

/** One finished attempt on model "m": what the worker reports, and what the scheduler expected. */
interface Step {
  outcome: "succeeded" | "failed" | "timed_out" | "released";
  durationMs: number;
  errorClass?: string;
  priorSuccess?: number;
  priorDurationMs?: number;
  /** The gaps the assignment judged it on (model_calls.skill_gaps). */
  gaps?: { [capability: string]: number };
}

const priors = (priorSuccess: number, priorDurationMs: number) => ({ priorSuccess, priorDurationMs });

/** Every branch of the record: the first outcome, failures, a 429, a release, estimates missing. */
const sequence: Step[] = [
  { outcome: "succeeded", durationMs: 1_200, ...priors(0.8, 1_000) },
  { outcome: "failed", durationMs: 400, ...priors(0.7, 1_000) },
  { outcome: "failed", durationMs: 50, errorClass: rateLimitedErrorClass, ...priors(0.7, 1_000) },
  { outcome: "succeeded", durationMs: 2_500, ...priors(0.6, 2_000) },
  { outcome: "timed_out", durationMs: 9_000, ...priors(0.9, 3_000) },
  { outcome: "released", durationMs: 700, ...priors(0.9, 3_000) },
  { outcome: "succeeded", durationMs: 800, ...priors(0.95, 900) },
  // A success without the expected duration: the ratio of actual ÷ expected would be partial.
  { outcome: "succeeded", durationMs: 1_100, priorSuccess: 0.9 },
  { outcome: "succeeded", durationMs: 1_300, ...priors(0.9, 1_000) },
  // An attempt without the expected success: the calibration sum would be partial.
  { outcome: "failed", durationMs: 600 },
  { outcome: "succeeded", durationMs: 1_000, ...priors(0.85, 1_000) },
];

/** What the completion learns from: not a release, not a 429 (the cooldown deals with those). */
const learnedFrom = (step: Step) => step.outcome !== "released" && step.errorClass !== rateLimitedErrorClass;

const toOutcome = (step: Step): AttemptOutcome => ({
  succeeded: step.outcome === "succeeded",
  durationMs: step.durationMs,
  ...(step.priorSuccess === undefined ? {} : { priorSuccess: step.priorSuccess }),
  ...(step.priorDurationMs === undefined ? {} : { priorDurationMs: step.priorDurationMs }),
});

/** A record as the database keeps it: an absent calibration is NULL. */
interface Record {
  attempts: number;
  successes: number;
  meanDurationMs: number | null;
  expectedSuccesses: number | null;
  meanDurationRatio: number | null;
}

const asStored = (stats: ModelKindStats | undefined): Record | null =>
  stats === undefined
    ? null
    : {
        attempts: stats.attempts,
        successes: stats.successes,
        meanDurationMs: stats.meanDurationMs,
        expectedSuccesses: stats.expectedSuccesses ?? null,
        meanDurationRatio: stats.meanDurationRatio ?? null,
      };

async function storedRecord(db: Queryable): Promise<Record | null> {
  const { rows } = await db.query<Record>(
    `SELECT attempts, successes, mean_duration_ms AS "meanDurationMs",
            expected_successes AS "expectedSuccesses", mean_duration_ratio AS "meanDurationRatio"
       FROM model_kind_stats WHERE model_id = 'm' AND kind = 'noop'`,
  );
  return rows[0] ?? null;
}

function assertSame(actual: Record | null, expected: Record | null, where: string): void {
  if (actual === null || expected === null) {
    assert.equal(actual, expected, where);
    return;
  }
  assert.deepEqual([actual.attempts, actual.successes], [expected.attempts, expected.successes], where);
  for (const field of ["meanDurationMs", "expectedSuccesses", "meanDurationRatio"] as const) {
    const a: number | null = actual[field];
    const e: number | null = expected[field];
    if (a === null || e === null) assert.equal(a, e, `${where}: ${field}`);
    else
      assert.ok(Math.abs(a - e) <= 1e-9 * Math.max(1, Math.abs(e)), `${where}: ${field} ${a}, expected ${e}`);
  }
}

/** Steward over a fresh database, with one call of model "m" per finished attempt, reported as a worker does. */
async function completion(t: Parameters<typeof createTestDatabase>[0]) {
  const { db } = await createTestDatabase(t);
  const deps = await testDeps(db);
  const step = deps.config.tasks.urgencyStepSeconds;
  const start = Date.UTC(2030, 0, 1);
  let call = 0;
  /** Runs each step on a task of its own, all reported in one completion. */
  return async (steps: Step[]) => {
    await enqueueTasks(
      deps,
      steps.map(() => ({ kind: "noop" })),
    );
    const claimed = await claimTasks(db, {
      workerId: "w",
      limit: steps.length,
      kinds: ["noop"],
      leaseMs: 60_000,
    });
    assert.equal(claimed.length, steps.length);
    const calls = claimed.map((task, i) => ({ task, step: steps[i]!, startedAt: start + 60_000 * call++ }));
    // The call rows the scheduler's assignment writes (src/models/model-assignment.ts).
    await db.query(
      `INSERT INTO model_calls (task_id, attempt, model_id, provider, kind, started_at, prior_success,
                               prior_duration_ms, skill_gaps)
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS c(task_id bigint, attempt integer, model_id text,
              provider text, kind text, started_at timestamptz, prior_success float8, prior_duration_ms float8,
              skill_gaps jsonb)`,
      [
        JSON.stringify(
          calls.map(({ task, step, startedAt }) => ({
            task_id: task.id,
            attempt: task.attempt,
            model_id: "m",
            provider: "sim",
            kind: "noop",
            started_at: new Date(startedAt),
            prior_success: step.priorSuccess ?? null,
            prior_duration_ms: step.priorDurationMs ?? null,
            skill_gaps: step.gaps ?? null,
          })),
        ),
      ],
    );
    const reports = calls.map(
      ({ task, step, startedAt }): AttemptReport => ({
        taskId: task.id,
        attempt: task.attempt,
        outcome: step.outcome,
        error:
          step.outcome === "succeeded" ? undefined : { class: step.errorClass ?? "Error", message: "no" },
        aiModel: "m",
        queuedAt: task.readyAt,
        startedAt: task.startedAt,
        finishedAt: new Date(startedAt + step.durationMs),
        retryAt: null,
      }),
    );
    const done = await completeTasks(db, "w", reports, step);
    assert.equal(done.length, steps.length, "every report counted");
    return { record: await storedRecord(db), counts: await storedCounts(db) };
  };
}

async function storedCounts(db: Queryable): Promise<SuccessCount[]> {
  const { rows } = await db.query<SuccessCount>(
    `SELECT capability, kind, gap, attempts, successes FROM model_success_counts
      WHERE model_id = 'm' ORDER BY capability, kind, gap`,
  );
  return rows;
}

const sortedCounts = (counts: SuccessCount[]) =>
  [...counts].sort((a, b) =>
    a.capability < b.capability ? -1 : a.capability > b.capability ? 1 : a.gap - b.gap,
  );

const countStep = (counts: SuccessCount[], step: Step): SuccessCount[] =>
  step.gaps === undefined || !learnedFrom(step)
    ? counts
    : countOutcome(counts, {
        kind: "noop",
        gaps: Object.entries(step.gaps).map(([capability, gap]) => ({ capability, gap })),
        succeeded: step.outcome === "succeeded",
      });

describe(`learning on ${backend}: the completion statement and recordOutcome() agree`, () => {
  it("one outcome at a time, on every branch of the record", async (t) => {
    const complete = await completion(t);
    let expected: ModelKindStats | undefined;
    for (const [i, step] of sequence.entries()) {
      if (learnedFrom(step)) expected = recordOutcome(expected, toOutcome(step));
      assertSame(
        (await complete([step])).record,
        asStored(expected),
        `after step ${i + 1} (${JSON.stringify(step)})`,
      );
    }
    assert.equal(expected?.attempts, 9, "the 429 and the release were not counted");
  });

  it("a batch of alike successes moves the means as that many single steps", async (t) => {
    const complete = await completion(t);
    const first: Step = { outcome: "succeeded", durationMs: 1_000, ...priors(0.8, 1_000) };
    const alike: Step = { outcome: "succeeded", durationMs: 3_000, ...priors(0.5, 1_500) };
    let expected = recordOutcome(undefined, toOutcome(first));
    assertSame((await complete([first])).record, asStored(expected), "after the first");
    for (let i = 0; i < 3; i++) expected = recordOutcome(expected, toOutcome(alike));
    assertSame((await complete([alike, alike, alike])).record, asStored(expected), "after a batch of three");
  });
});

describe(`success counts on ${backend}: the completion statement and countOutcome() agree`, () => {
  // Several capabilities, halves (Math.round's way), gaps beyond ±10, a 429, a release, none recorded.
  const gapped: Step[] = [
    { outcome: "succeeded", durationMs: 900, gaps: { code: 2 } },
    { outcome: "failed", durationMs: 900, gaps: { code: -1.5, reasoning: 0.5 } },
    { outcome: "succeeded", durationMs: 900, gaps: { code: 2.5, reasoning: -2.5 } },
    { outcome: "failed", durationMs: 50, errorClass: rateLimitedErrorClass, gaps: { code: 0 } },
    { outcome: "released", durationMs: 300, gaps: { code: 0 } },
    { outcome: "timed_out", durationMs: 9_000, gaps: { "*": 14 } },
    { outcome: "succeeded", durationMs: 900 },
    { outcome: "succeeded", durationMs: 900, gaps: { "*": -12, code: 2 } },
  ];

  it("one outcome at a time and in batches, on every branch", async (t) => {
    const complete = await completion(t);
    let expected: SuccessCount[] = [];
    for (const [i, step] of gapped.entries()) {
      expected = countStep(expected, step);
      const { counts } = await complete([step]);
      assert.deepEqual(counts, sortedCounts(expected), `after step ${i + 1} (${JSON.stringify(step)})`);
    }
    // The same outcomes again, all in one completion: counts do not depend on the batching.
    for (const step of gapped) expected = countStep(expected, step);
    const { counts } = await complete(gapped);
    assert.deepEqual(counts, sortedCounts(expected), "after the batch");
    assert.equal(counts.find((c) => c.capability === "code" && c.gap === 2)?.attempts, 4);
  });
});
