import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isStewardError } from "../../src/errors.ts";
import { claimTaskBatch } from "../../src/tasks/claim-tasks.ts";
import { type AttemptReport, completeTasks } from "../../src/tasks/complete-tasks.ts";
import { enqueueTasks } from "../../src/tasks/enqueue-tasks.ts";
import { elapsedMs } from "../../src/tasks/reported-rollups.ts";
import { expireLeases } from "../../src/tasks/task-leases.ts";
import { bucketOf, histogramRelativeError } from "../../src/telemetry/histogram.ts";
import { pruneMinuteRollups } from "../../src/telemetry/rollup-retention.ts";
import { statsWindow } from "../../src/telemetry/stats-window.ts";
import { readMeasures } from "../../src/telemetry/task-measures.ts";
import { testDeps } from "../support/steward-deps.ts";
import { backend, createTestDatabase } from "../support/test-database.ts";

type Deps = Awaited<ReturnType<typeof testDeps>>;

const lastHour = () => statsWindow("1h", undefined, new Date(Date.now() + 60_000));

/** Claims every queued task as `worker` and reports each with the outcome and duration `plan` gives it. */
async function runAll(
  deps: Deps,
  worker: string,
  plan: (i: number) => { outcome: AttemptReport["outcome"]; ms: number; retryAt?: Date | null },
  options: { withTask?: boolean; before?: (reports: AttemptReport[]) => Promise<void> } = {},
) {
  const { tasks, claimId } = await claimTaskBatch(deps.db, {
    workerId: worker,
    limit: 1_000,
    kinds: deps.kinds.names(),
    leaseMs: 30_000,
  });
  const reports = tasks.map((task, i): AttemptReport => {
    const { outcome, ms, retryAt } = plan(i);
    return {
      taskId: task.id,
      attempt: task.attempt,
      outcome,
      queuedAt: task.readyAt,
      startedAt: task.startedAt,
      finishedAt: new Date(task.startedAt.getTime() + ms),
      retryAt,
      error: outcome === "succeeded" ? undefined : { class: "Error", message: "planned" },
      // As a worker reports it: with the claimed task, from which plain successes are rolled up.
      task: options.withTask === false ? undefined : task,
    };
  });
  await options.before?.(reports);
  return completeTasks(deps.db, worker, reports, 60, claimId === null ? [] : [claimId]);
}

describe(`telemetry rollups on ${backend}`, () => {
  it("counts every recorded attempt once, by stage, kind and model, with durations", async (t) => {
    const { db } = await createTestDatabase(t);
    const deps = await testDeps(db);
    await enqueueTasks(deps, [
      ...Array.from({ length: 30 }, () => ({ kind: "noop", stage: "Implement Ideas" })),
      ...Array.from({ length: 10 }, () => ({ kind: "sleep", stage: "Self-Improvement", payload: { ms: 1 } })),
    ]);
    // Durations from 10 ms to 400 ms; every fifth attempt fails and is retried.
    const durations = Array.from({ length: 40 }, (_, i) => 10 * (i + 1));
    await runAll(deps, "w1", (i) =>
      i % 5 === 4
        ? { outcome: "failed", ms: durations[i]!, retryAt: new Date() }
        : { outcome: "succeeded", ms: durations[i]! },
    );
    await runAll(deps, "w2", () => ({ outcome: "succeeded", ms: 5 }));

    const all = await readMeasures(db, { window: lastHour() });
    assert.equal(all.rows.length, 1);
    const total = all.rows[0]!;
    assert.equal(total.attempts, 48, "40 first attempts and 8 retries");
    assert.equal(total.succeeded, 40);
    assert.equal(total.failed, 8);
    assert.equal(total.retries, 8);
    assert.equal(total.successRate, 40 / 48);
    assert.equal(total.attemptsPerSuccess, 48 / 40);

    const byStage = await readMeasures(db, { window: lastHour(), by: "stage" });
    assert.deepEqual(
      byStage.rows.map((r) => [r.group, r.attempts]),
      [
        ["Implement Ideas", 36],
        ["Self-Improvement", 12],
      ],
    );
    // The true p95 of the attempts' durations, against what the histograms give.
    const { rows } = await db.query<{ ms: number }>(
      `SELECT date_part('epoch', finished_at - started_at) * 1000 AS ms FROM task_attempts ORDER BY 1`,
    );
    const truth = rows[Math.ceil(0.95 * rows.length) - 1]!.ms;
    const p95 = total.durationMs.p95!;
    assert.ok(Math.abs(p95 - truth) / truth <= histogramRelativeError + 1e-9, `p95 ${p95} against ${truth}`);
    const sum = rows.reduce((s, r) => s + Number(r.ms), 0);
    assert.ok(Math.abs(total.durationMs.avg! - sum / rows.length) < 1e-6);

    const byModel = await readMeasures(db, { window: lastHour(), by: "model" });
    assert.deepEqual(
      byModel.rows.map((r) => r.group),
      [null],
      "attempts that ran on no model group under none",
    );
  });

  it("counts a lost lease once, and not the late report of the worker that lost it", async (t) => {
    const { db } = await createTestDatabase(t);
    const deps = await testDeps(db);
    const [task] = await enqueueTasks(deps, [{ kind: "noop", maxAttempts: 1 }]);
    const { tasks, claimId } = await claimTaskBatch(db, {
      workerId: "gone",
      limit: 1,
      kinds: deps.kinds.names(),
      leaseMs: 30_000,
    });
    await db.query("UPDATE execution_tasks SET locked_until = now() - interval '1 second' WHERE id = $1", [
      task!.id,
    ]);
    assert.deepEqual(await expireLeases(db, 60), { requeued: 0, failed: 1 });
    const late = await completeTasks(
      db,
      "gone",
      [
        {
          taskId: task!.id,
          attempt: 1,
          outcome: "succeeded",
          queuedAt: tasks[0]!.readyAt,
          startedAt: tasks[0]!.startedAt,
          finishedAt: new Date(),
        },
      ],
      60,
      [claimId!],
    );
    assert.deepEqual(late, [], "the late report is fenced out");
    const [m] = (await readMeasures(db, { window: lastHour() })).rows;
    assert.equal(m!.attempts, 1);
    assert.equal(m!.succeeded, 0);
    assert.equal(m!.failed, 1, "a lost lease is a failed attempt");
    assert.equal(m!.tasksFailed, 1, "with no attempt left, the task failed for good");
  });

  it("counts answers that failed their check as unverified: trust inflation", async (t) => {
    const { db } = await createTestDatabase(t);
    const deps = await testDeps(db);
    await enqueueTasks(
      deps,
      Array.from({ length: 4 }, () => ({ kind: "noop", maxAttempts: 1 })),
    );
    const { tasks, claimId } = await claimTaskBatch(db, {
      workerId: "w",
      limit: 4,
      kinds: deps.kinds.names(),
      leaseMs: 30_000,
    });
    await completeTasks(
      db,
      "w",
      tasks.map((task, i) => ({
        taskId: task.id,
        attempt: task.attempt,
        outcome: i === 0 ? ("failed" as const) : ("succeeded" as const),
        error: i === 0 ? { class: "OutputMismatch", message: "not JSON" } : undefined,
        retryAt: null,
        queuedAt: task.readyAt,
        startedAt: task.startedAt,
        finishedAt: new Date(),
      })),
      60,
      [claimId!],
    );
    const [m] = (await readMeasures(db, { window: lastHour() })).rows;
    assert.equal(m!.unverified, 1);
    assert.equal(m!.trustInflation, 1 / 4, "one of the four answers given as done was not right");
  });

  it("buckets values in SQL as the reader does", async (t) => {
    const { db } = await createTestDatabase(t);
    await testDeps(db);
    const values = [0, 0.05, 0.1, 0.1000001, 0.12, 1, 9.99, 10, 123.4, 5_000, 86_400_000, 1e12];
    const { rows } = await db.query<{ b: number }>(
      "SELECT steward_bucket(v) AS b FROM unnest($1::float8[]) WITH ORDINALITY AS x(v, o) ORDER BY o",
      [values],
    );
    assert.deepEqual(
      rows.map((r) => r.b),
      values.map(bucketOf),
    );
  });

  it("measures elapsed times in the worker as SQL does, to the last bit", async (t) => {
    const { db } = await createTestDatabase(t);
    let seed = 7;
    const random = () => {
      seed = (seed * 48_271) % 2_147_483_647;
      return seed / 2_147_483_647;
    };
    const from = Date.parse("2026-12-03T10:00:00Z") * 1000 + 123_457;
    const spans = [0, 1, 999, 1_000, 86_400_000_000 - 1, 86_400_000_000, 86_400_000_001, -5, -86_400_000_001];
    for (let i = 0; i < 300; i++) spans.push(Math.round(random() ** 4 * 40 * 86_400_000_000));
    const { rows } = await db.query<{ ms: number }>(
      `SELECT greatest(date_part('epoch', to_timestamp(b::float8 / 1e6) - to_timestamp(a::float8 / 1e6)) * 1000, 0) AS ms
         FROM unnest($1::bigint[], $2::bigint[]) WITH ORDINALITY AS x(a, b, o) ORDER BY o`,
      [spans.map(() => from), spans.map((us) => from + us)],
    );
    const differ = spans.filter((us, i) => rows[i]!.ms !== elapsedMs(from, from + us));
    assert.deepEqual(differ, []);
  });

  it("refuses an unknown stage, kind or model naming what was counted, and a bad window", async (t) => {
    const { db } = await createTestDatabase(t);
    const deps = await testDeps(db);
    await enqueueTasks(deps, [{ kind: "noop", stage: "Implement Ideas" }]);
    await runAll(deps, "w", () => ({ outcome: "succeeded", ms: 1 }));
    await assert.rejects(
      readMeasures(db, { window: lastHour(), stage: ["Implement Idea"] }),
      (error) =>
        isStewardError(error, "validation_failed") &&
        /stage "Implement Idea".*counted: Implement Ideas/.test(error.message),
    );
    assert.throws(
      () => statsWindow("yesterday", undefined, new Date()),
      (error) => isStewardError(error, "validation_failed") && /5m, 1h, 1d, 30d/.test(error.message),
    );
    assert.throws(
      () => statsWindow("2026-12-02", "2026-12-01", new Date()),
      (error) => isStewardError(error, "validation_failed") && /earlier than until/.test(error.message),
    );
  });

  for (const grouped of ["by the worker", "by the statement"] as const)
    it(`rolls up plain successes in their completion, grouped ${grouped}, exactly as the attempts trigger would`, async (t) => {
      const { db } = await createTestDatabase(t);
      const deps = await testDeps(db);
      const { rows: ideas } = await db.query<{ id: number }>(
        "INSERT INTO ideas (key, title) VALUES ('plain-a', 'A'), ('plain-b', 'B') RETURNING id",
      );
      const now = Date.now();
      const past = new Date(now - 60_000);
      await enqueueTasks(deps, [
        ...Array.from({ length: 12 }, (_, i) => ({
          kind: "noop",
          stage: "Implement Ideas",
          ideaId: ideas[i % 2]!.id,
          // Queue waits from under a millisecond to more than two days.
          runAt: new Date(
            now - [0.4, 7, 86_400_000 + 1_234, 2 * 86_400_000 + 3_600_000][i % 4]!,
          ).toISOString(),
        })),
        ...Array.from({ length: 6 }, (_, i) => ({
          kind: "sleep",
          payload: { ms: 1 },
          // Missed, met, and missed by less than a millisecond.
          deadline: [past, new Date(now + 3 * 86_400_000), new Date(now + 2)][i % 3]!.toISOString(),
        })),
        ...Array.from({ length: 4 }, () => ({ kind: "noop" })),
      ]);
      await db.query(
        "UPDATE execution_tasks SET run_at = run_at - (id * 37) * interval '1 microsecond', priority_at = priority_at - interval '1 day'",
      );
      const withTask = grouped === "by the worker";
      // First attempts: every third fails and is retried (by the general statement, so the trigger);
      // then every attempt left succeeds plainly, the retries among them, some after more than a day.
      await runAll(
        deps,
        "w1",
        (i) =>
          i % 3 === 0
            ? { outcome: "failed", ms: 7, retryAt: new Date() }
            : { outcome: "succeeded", ms: 3 * i + 1 },
        { withTask },
      );
      await runAll(
        deps,
        "w2",
        (i) => ({ outcome: "succeeded", ms: i % 5 === 0 ? 86_400_000 + 17 * i : 900 * i + 2 }),
        {
          withTask,
        },
      );

      const snapshot = async () => {
        const tasks = await db.query(
          "SELECT * FROM task_rollups ORDER BY grain, bucket_start, stage, kind, model, shard",
        );
        const byIdea = await db.query(
          "SELECT * FROM idea_rollups ORDER BY grain, bucket_start, idea_id, stage, kind, model, shard",
        );
        // Sums of durations in another order may differ in the last bit of a float.
        const round = (rows: Record<string, unknown>[]) =>
          rows.map((r) => ({
            ...r,
            duration_ms: Math.round(Number(r.duration_ms) * 1e6) / 1e6,
            queue_wait_ms: Math.round(Number(r.queue_wait_ms) * 1e6) / 1e6,
          }));
        return { tasks: round(tasks.rows), ideas: round(byIdea.rows) };
      };
      const inCompletion = await snapshot();
      assert.ok(inCompletion.ideas.length > 0 && inCompletion.tasks.length > 0);
      const [sums] = (
        await db.query<{ attempts: string; misses: string; retries: string }>(
          "SELECT sum(attempts) AS attempts, sum(deadline_misses) AS misses, sum(retries) AS retries FROM task_rollups WHERE grain = 'day'",
        )
      ).rows;
      assert.deepEqual([Number(sums!.attempts), Number(sums!.misses), Number(sums!.retries)], [30, 4, 8]);

      // The same attempts recorded again by a plain INSERT, which only the trigger counts.
      await db.query("DELETE FROM task_rollups");
      await db.query("DELETE FROM idea_rollups");
      await db.query(`
        WITH gone AS (DELETE FROM task_attempts RETURNING *)
        INSERT INTO task_attempts (task_id, attempt, worker_id, ai_model, outcome, queued_at, started_at, finished_at,
                                   error_class, error_message, input_tokens, output_tokens, cost_usd, assignment)
        SELECT task_id, attempt, worker_id, ai_model, outcome, queued_at, started_at, finished_at,
               error_class, error_message, input_tokens, output_tokens, cost_usd, assignment FROM gone`);
      assert.deepEqual(await snapshot(), inCompletion);
    });

  it("takes the worker's groups only when every report counted: a report fenced off leaves the grouping to the statement", async (t) => {
    const { db } = await createTestDatabase(t);
    const deps = await testDeps(db);
    await enqueueTasks(
      deps,
      Array.from({ length: 5 }, () => ({ kind: "noop", stage: "Implement Ideas" })),
    );
    let fenced = 0;
    let expectedMs = 0;
    const completed = await runAll(deps, "w", (i) => ({ outcome: "succeeded", ms: 10 * (i + 1) }), {
      // One task is taken from the worker before its report is written: its report does not count.
      before: async (reports) => {
        fenced = reports[0]!.taskId;
        await db.query("UPDATE execution_tasks SET locked_by = 'someone else' WHERE id = $1", [fenced]);
        // From the start the database stamped (to the microsecond) to the reported finish.
        for (const r of reports.slice(1))
          expectedMs += (r.finishedAt.getTime() * 1000 - r.task!.micros!.startedAt) / 1000;
      },
    });
    assert.equal(completed.length, 4);
    assert.ok(!completed.some((c) => c.id === fenced), "the fenced-off task is not among those completed");
    const { rows } = await db.query<{ attempts: string; duration_ms: number }>(
      "SELECT attempts, duration_ms FROM task_rollups WHERE grain = 'minute'",
    );
    assert.equal(rows.length, 1);
    assert.equal(Number(rows[0]!.attempts), 4, "the four attempts recorded, not the five reported");
    assert.ok(
      Math.abs(rows[0]!.duration_ms - expectedMs) < 1e-6,
      `${rows[0]!.duration_ms} against ${expectedMs}`,
    );
    assert.ok(
      expectedMs > 136 && expectedMs <= 140,
      "the four durations: 20, 30, 40 and 50 ms, less the start's fraction",
    );
  });

  it("keeps minute rollups for their days, hour and day rollups for good", async (t) => {
    const { db } = await createTestDatabase(t);
    const deps = await testDeps(db);
    await enqueueTasks(deps, [{ kind: "noop" }]);
    await runAll(deps, "w", () => ({ outcome: "succeeded", ms: 1 }));
    await db.query("UPDATE task_rollups SET bucket_start = bucket_start - interval '8 days'");
    assert.equal(await pruneMinuteRollups(db, 7), 1);
    const { rows } = await db.query<{ grain: string }>("SELECT grain FROM task_rollups ORDER BY grain");
    assert.deepEqual(
      rows.map((r) => r.grain),
      ["day", "hour"],
    );
  });
});
