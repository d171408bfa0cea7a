import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { assignClaimedTasks, heldRetryBounds } from "../../src/models/model-assignment.ts";
import type { ModelConfig } from "../../src/models/model-config.ts";
import { claimTasks } from "../../src/tasks/claim-tasks.ts";
import { completeTasks } from "../../src/tasks/complete-tasks.ts";
import { enqueueTasks } from "../../src/tasks/enqueue-tasks.ts";
import { testDeps } from "../support/steward-deps.ts";
import { backend, createTestDatabase } from "../support/test-database.ts";

/**
 * Production's side of queue-aware waiting and learned curves: a task held for a busy model says
 * which model in the database, the next assignment counts it ahead in that model's queue, it comes
 * back when the model is expected to be free, and an outcome is counted under its gaps.
 */

const sim = (over: Partial<ModelConfig> & Pick<ModelConfig, "id">): ModelConfig => ({
  provider: "sim",
  model: over.id,
  capabilities: { code: 5 },
  maxComplexity: 10,
  contextWindow: 128_000,
  price: { inputPerMTok: 1, outputPerMTok: 4 },
  concurrency: 4,
  fallback: [],
  enabled: true,
  tags: [],
  sim: {
    baseLatencyMs: 2_000,
    perOutputTokenMs: 0,
    jitter: 0,
    outputTokens: 50,
    failureRate: 0,
    rateLimitBurstRate: 0,
    rateLimitBurstMs: 0,
    retryAfterSeconds: 1,
    seed: 7,
  },
  ...over,
});

describe(`queue-aware waiting on ${backend}`, () => {
  it("holds hard tasks for a busy strong model, counts those held ahead, and learns from the outcome", async (t) => {
    const { db } = await createTestDatabase(t);
    const deps = await testDeps(db, {
      config: {
        providers: [{ id: "sim", type: "sim", timeoutMs: 5_000 }],
        models: [
          sim({
            id: "strong",
            capabilities: { code: 9 },
            concurrency: 1,
            price: { inputPerMTok: 5, outputPerMTok: 20 },
          }),
          sim({ id: "weak", capabilities: { code: 3 }, price: { inputPerMTok: 0.1, outputPerMTok: 0.4 } }),
        ],
      },
    });
    const deadline = new Date(Date.now() + 30 * 60_000).toISOString();
    const hard = { kind: "llm", complexity: 8, capabilities: ["code"], deadline, payload: { prompt: "x" } };
    await enqueueTasks(deps, [hard, hard, hard, hard]);
    const claim = () => claimTasks(db, { workerId: "w1", limit: 10, kinds: ["llm"], leaseMs: 60_000 });

    const first = await assignClaimedTasks(deps, "w1", await claim());
    assert.deepEqual(
      first.assigned.map((a) => a.assignment.modelId),
      ["strong"],
      "the one slot of the strong model",
    );
    assert.equal(first.waiting.length, 3);
    const waits = first.waiting.map((w) => w.assignment.waitingFor!.expectedWaitMs).sort((a, b) => a - b);
    assert.ok(
      first.waiting.every((w) => w.assignment.waitingFor?.modelId === "strong"),
      "waiting for strong, not weak",
    );
    // Each task ahead in the queue for a one-slot model adds one attempt's duration.
    const step = waits[1]! - waits[0]!;
    assert.ok(step > 1_000, `each one ahead adds an attempt: ${step} ms`);
    assert.ok(Math.abs(waits[2]! - waits[1]! - step) < 1e-6);

    const { rows: held } = await db.query<{ waiting_for: string | null; delay_ms: number; expected: number }>(
      `SELECT waiting_for, extract(epoch FROM run_at - (assignment ->> 'at')::timestamptz) * 1000 AS delay_ms,
              (assignment -> 'waitingFor' ->> 'expectedWaitMs')::float8 AS expected
         FROM execution_tasks WHERE status = 'queued' ORDER BY id`,
    );
    assert.deepEqual(
      held.map((r) => r.waiting_for),
      ["strong", "strong", "strong"],
    );
    for (const row of held) {
      const expected = Math.min(heldRetryBounds.maxMs, Math.max(heldRetryBounds.minMs, row.expected));
      assert.ok(
        Math.abs(row.delay_ms - expected) < 2,
        `comes back when strong is expected free: ${row.delay_ms} vs ${expected}`,
      );
    }

    // A newcomer is claimed while the three wait elsewhere in the queue: they count ahead of it.
    await enqueueTasks(deps, [hard]);
    const later = await assignClaimedTasks(deps, "w1", await claim());
    assert.equal(later.waiting.length, 1);
    const behind = later.waiting[0]!.assignment.waitingFor!.expectedWaitMs;
    assert.ok(
      Math.abs(behind - (waits[0]! + 3 * step)) < 1,
      `three ahead: ${behind} vs ${waits[0]! + 3 * step}`,
    );

    // The strong model's attempt ends: its outcome is counted under its gap (level 9 − complexity 8).
    const ran = first.assigned[0]!.task;
    const { rows: gaps } = await db.query<{ skill_gaps: unknown }>(
      "SELECT skill_gaps FROM model_calls WHERE task_id = $1",
      [ran.id],
    );
    assert.deepEqual(gaps[0]!.skill_gaps, { code: 1 });
    await completeTasks(
      db,
      "w1",
      [
        {
          taskId: ran.id,
          attempt: ran.attempt,
          outcome: "succeeded",
          result: "done",
          aiModel: "strong",
          queuedAt: ran.readyAt,
          startedAt: new Date(),
          finishedAt: new Date(),
        },
      ],
      deps.config.tasks.urgencyStepSeconds,
    );
    const { rows: counts } = await db.query(
      "SELECT model_id, capability, kind, gap, attempts, successes FROM model_success_counts",
    );
    assert.deepEqual(counts, [
      { model_id: "strong", capability: "code", kind: "llm", gap: 1, attempts: 1, successes: 1 },
    ]);
    // The freed slot brought back, at once, the first in the queue's order of those waiting for it.
    const { rows: due } = await db.query<{ id: number; due: boolean }>(
      `SELECT id, run_at <= now() AS due FROM execution_tasks
        WHERE waiting_for = 'strong' AND status = 'queued' ORDER BY priority_at, id`,
    );
    assert.deepEqual(
      due.map((r) => r.due),
      [true, false, false, false],
      "one woken per attempt ended, the first in line",
    );

    // When they come back and one gets the strong model, it no longer counts as waiting for it.
    await db.query("UPDATE execution_tasks SET run_at = now() WHERE status = 'queued'");
    const again = await assignClaimedTasks(deps, "w1", await claim());
    assert.deepEqual(
      again.assigned.map((a) => a.assignment.modelId),
      ["strong"],
    );
    const { rows: states } = await db.query<{ status: string; waiting_for: string | null }>(
      "SELECT status, waiting_for FROM execution_tasks WHERE id = $1",
      [again.assigned[0]!.task.id],
    );
    assert.deepEqual(states[0], { status: "running", waiting_for: null });
  });
});
