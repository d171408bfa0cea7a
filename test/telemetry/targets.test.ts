import assert from "node:assert/strict";
import { describe, it } from "node:test";
import pino from "pino";
import { createDeps } from "../../src/app/create-deps.ts";
import { configSchema } from "../../src/config/config-schema.ts";
import { claimTaskBatch } from "../../src/tasks/claim-tasks.ts";
import { type AttemptReport, completeTasks } from "../../src/tasks/complete-tasks.ts";
import { enqueueTasks } from "../../src/tasks/enqueue-tasks.ts";
import { queueDepth } from "../../src/tasks/query-tasks.ts";
import { listBreaches } from "../../src/telemetry/target-breaches.ts";
import { evaluateTargets, targetEvaluationStep } from "../../src/telemetry/targets.ts";
import { type Target, telemetryConfigSchema } from "../../src/telemetry/telemetry-config.ts";
import { WorkerPool } from "../../src/workers/worker-pool.ts";
import { testDeps } from "../support/steward-deps.ts";
import { TestClock } from "../support/test-clock.ts";
import { backend, createTestDatabase, openAnother } from "../support/test-database.ts";
import { waitFor } from "../support/wait-for.ts";

type Deps = Awaited<ReturnType<typeof testDeps>>;

const targets = (list: unknown[]): Target[] => telemetryConfigSchema.parse({ targets: list }).targets;

/**
 * Enqueues `count` tasks of `stage`, claims them and reports each as `outcome`, finished a second
 * before the clock's now after running `ms` (the rollups count an attempt at its end, and its
 * duration from the start the claim recorded: set here, as if the claim had been that long ago).
 */
async function runTasks(
  deps: Deps,
  clock: TestClock,
  plan: { count: number; stage: string; ms: number; outcome?: AttemptReport["outcome"] },
) {
  await enqueueTasks(
    deps,
    Array.from({ length: plan.count }, () => ({ kind: "noop", stage: plan.stage, maxAttempts: 1 })),
  );
  const { tasks, claimId } = await claimTaskBatch(deps.db, {
    workerId: "w",
    limit: plan.count,
    kinds: ["noop"],
    leaseMs: 30_000,
  });
  const finishedAt = new Date(clock.now().getTime() - 1_000);
  await deps.db.query("UPDATE execution_tasks SET started_at = $1 WHERE id = ANY ($2::bigint[])", [
    new Date(finishedAt.getTime() - plan.ms),
    tasks.map((task) => task.id),
  ]);
  const reports = tasks.map(
    (task): AttemptReport => ({
      taskId: task.id,
      attempt: task.attempt,
      outcome: plan.outcome ?? "succeeded",
      queuedAt: task.readyAt,
      startedAt: new Date(finishedAt.getTime() - plan.ms),
      finishedAt,
      error: plan.outcome === "failed" ? { class: "Error", message: "planned" } : undefined,
    }),
  );
  await completeTasks(deps.db, "w", reports, 60, claimId === null ? [] : [claimId]);
}

describe(`targets and their breaches on ${backend}`, () => {
  it("records a breach by real attempts, keeps it open and updated while it lasts, resolves it when met", async (t) => {
    const { db } = await createTestDatabase(t);
    const deps = await testDeps(db);
    const clock = new TestClock();
    const implement = targets([
      { stage: "Implement Ideas", window: "5m", avgDurationMs: 120_000, successRate: 0.97 },
    ]);

    // 38 attempts of 412 s each: the average is four times the target; all succeeded.
    await runTasks(deps, clock, { count: 38, stage: "Implement Ideas", ms: 412_000 });
    const first = await evaluateTargets(db, implement, clock);
    assert.equal(first.evaluated, true);
    assert.deepEqual(
      first.checks.map((c) => [c.measure, c.status, c.observed, c.attempts]),
      [
        ["avgDurationMs", "breached", 412_000, 38],
        ["successRate", "met", 1, 38],
      ],
    );
    assert.equal(first.opened.length, 1);
    const [opened] = await listBreaches(db, { open: true });
    assert.ok(opened);
    assert.equal(
      opened.sentence,
      "Implement Ideas: average 412 s against a target of 120 s over the last 5 minutes, 38 attempts",
    );
    assert.deepEqual(
      [
        opened.stage,
        opened.kind,
        opened.window,
        opened.measure,
        opened.observed,
        opened.target,
        opened.attempts,
      ],
      ["Implement Ideas", null, "5m", "avgDurationMs", 412_000, 120_000, 38],
    );
    assert.equal(opened.openedAt.getTime(), clock.now().getTime());
    assert.equal(opened.windowTo.getTime(), clock.now().getTime());
    assert.ok(opened.windowFrom.getTime() <= clock.now().getTime() - 5 * 60_000);

    // Two minutes on, slower still and failing: the same breach, updated; a second one opens.
    clock.advance(120_000);
    await runTasks(deps, clock, { count: 2, stage: "Implement Ideas", ms: 900_000, outcome: "failed" });
    const second = await evaluateTargets(db, implement, clock);
    assert.equal(second.updated, 1);
    assert.deepEqual(
      second.opened.map((b) => b.sentence),
      ["Implement Ideas: success rate 95 % against a floor of 97 % over the last 5 minutes, 40 attempts"],
    );
    const open = await listBreaches(db, { open: true });
    assert.equal(open.length, 2, "one open breach per target and measure");
    const average = open.find((b) => b.measure === "avgDurationMs")!;
    assert.equal(average.id, opened.id);
    assert.equal(average.evaluations, 2);
    assert.equal(average.attempts, 40);
    assert.equal(average.observed, (38 * 412_000 + 2 * 900_000) / 40);
    assert.equal(average.worst, average.observed);
    assert.equal(average.lastSeenAt.getTime(), clock.now().getTime());
    assert.equal(average.lastedMs, 120_000);

    // Six minutes later the slow attempts are out of the window; fast successes meet both measures.
    clock.advance(360_000);
    await runTasks(deps, clock, { count: 10, stage: "Implement Ideas", ms: 30_000 });
    const third = await evaluateTargets(db, implement, clock);
    assert.deepEqual(
      third.checks.map((c) => [c.measure, c.status]),
      [
        ["avgDurationMs", "met"],
        ["successRate", "met"],
      ],
    );
    assert.equal(third.resolved.length, 2);
    assert.deepEqual(await listBreaches(db, { open: true }), []);
    const [resolved] = (await listBreaches(db, { open: false })).filter((b) => b.id === opened.id);
    assert.equal(resolved!.resolvedAt!.getTime(), clock.now().getTime());
    assert.equal(resolved!.resolvedObserved, 30_000);
    assert.equal(
      resolved!.lastedMs,
      480_000,
      "it lasted from the first evaluation to the one that found it met",
    );

    // Breached again later: a new breach, the resolved one left as it was.
    clock.advance(360_000);
    await runTasks(deps, clock, { count: 3, stage: "Implement Ideas", ms: 200_000 });
    const fourth = await evaluateTargets(db, implement, clock);
    assert.equal(fourth.opened.length, 1);
    assert.notEqual(fourth.opened[0]!.id, opened.id);
    assert.equal((await listBreaches(db)).length, 3);
    assert.equal((await listBreaches(db, { since: new Date(clock.now().getTime() - 60_000) })).length, 1);
  });

  it("no data is no breach: an unknown stage, or a window with no attempt, neither throws nor opens one", async (t) => {
    const { db } = await createTestDatabase(t);
    const deps = await testDeps(db);
    const clock = new TestClock();
    const someTargets = targets([
      { stage: "Never Ran", p95DurationMs: 1 },
      { kind: "noop", window: "5m", p95DurationMs: 1_000, queueWaitP95Ms: 60_000, costPerSuccessUsd: 0.01 },
    ]);
    const empty = await evaluateTargets(db, someTargets, clock);
    assert.equal(empty.evaluated, true);
    assert.ok(empty.checks.every((c) => c.status === "no_data" && c.observed === null && c.attempts === 0));
    assert.deepEqual(await listBreaches(db), []);

    // A breach stays open through a quiet window: nothing shows the measure met.
    await runTasks(deps, clock, { count: 2, stage: "Other", ms: 5_000 });
    const breached = await evaluateTargets(db, someTargets, clock);
    assert.deepEqual(
      breached.checks.filter((c) => c.kind === "noop").map((c) => [c.measure, c.status]),
      [
        ["p95DurationMs", "breached"],
        ["queueWaitP95Ms", "met"],
        ["costPerSuccessUsd", "met"],
      ],
    );
    assert.match(
      breached.opened[0]!.sentence,
      /^kind noop: p95 duration [\d.]+ s against a target of 1 s over the last 5 minutes, 2 attempts$/,
    );
    clock.advance(3_600_000);
    const quiet = await evaluateTargets(db, someTargets, clock);
    assert.ok(quiet.checks.every((c) => c.status === "no_data"));
    assert.equal((await listBreaches(db, { open: true })).length, 1);
    assert.deepEqual(quiet.retired, []);

    // Its target taken out of the configuration: nothing would ever resolve it, so it is closed,
    // with no observation (retired, not met). The same with no target left at all.
    const other = targets([{ kind: "noop", window: "5m", queueWaitP95Ms: 60_000 }]);
    const after = await evaluateTargets(db, other, clock);
    assert.deepEqual(
      after.retired.map((b) => [b.kind, b.measure, b.resolvedObserved]),
      [["noop", "p95DurationMs", null]],
    );
    assert.deepEqual(await listBreaches(db, { open: true }), []);
    assert.deepEqual((await evaluateTargets(db, [], clock)).retired, []);
  });

  it("evaluates in one process at a time: another's lock means this one does nothing", async (t) => {
    if (backend === "pglite")
      return t.skip("PGlite is one connection, whose advisory locks are re-entrant: tested on PostgreSQL");
    const testDb = await createTestDatabase(t);
    const deps = await testDeps(testDb.db);
    const clock = new TestClock();
    await runTasks(deps, clock, { count: 1, stage: "Implement Ideas", ms: 5_000 });
    const other = await openAnother(testDb.url);
    t.after(() => other.close());
    const implement = targets([{ stage: "Implement Ideas", avgDurationMs: 1 }]);
    await other.transaction(async (tx) => {
      await tx.query("SELECT pg_advisory_xact_lock(hashtext('steward:target-evaluation'))");
      const skipped = await evaluateTargets(testDb.db, implement, clock);
      assert.deepEqual(skipped, {
        evaluated: false,
        checks: [],
        opened: [],
        updated: 0,
        resolved: [],
        retired: [],
      });
    });
    assert.equal((await evaluateTargets(testDb.db, implement, clock)).opened.length, 1);
  });

  it("a worker's maintenance evaluates the targets on its own timer; a failing step is logged and the worker goes on", async (t) => {
    const { db } = await createTestDatabase(t);
    const lines: string[] = [];
    const logger = pino({ level: "warn" }, { write: (line: string) => lines.push(line) });
    const config = configSchema.parse({
      telemetry: { evaluateEveryMs: 1_000, targets: [{ kind: "noop", avgDurationMs: 0.001 }] },
    });
    await testDeps(db);
    const deps = createDeps({ config, db, logger });
    const failing = {
      name: "broken step",
      everyMs: 1_000,
      run: async () => {
        throw new Error("out of order");
      },
    };
    const pool = new WorkerPool(deps, { pollMs: 20, steps: [targetEvaluationStep(deps), failing] });
    await pool.start();
    t.after(() => pool.stop());
    await enqueueTasks(deps, [{ kind: "noop" }, { kind: "noop" }]);
    const [breach] = await waitFor(
      () => listBreaches(db, { open: true }).then((b) => (b.length > 0 ? b : null)),
      {
        what: "the worker to record a breach",
      },
    );
    assert.match(
      breach!.sentence,
      /^kind noop: average .* against a target of 0\.001 ms over the last hour, [12] attempts?$/,
    );
    await waitFor(() => lines.some((l) => l.includes("broken step failed")), {
      what: "the failure to be logged",
    });
    await enqueueTasks(deps, [{ kind: "noop" }]);
    await waitFor(async () => (await queueDepth(db, { live: true })).length === 0, {
      what: "the worker to go on",
    });
    assert.ok(lines.some((l) => l.includes("target breached: kind noop: average")));
  });
});
