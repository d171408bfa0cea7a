import assert from "node:assert/strict";
import { describe, it, type TestContext } from "node:test";
import type { Deps } from "../../src/app/deps.ts";
import { schedulingAssessor } from "../../src/fsar/assess-scheduling.ts";
import type { AssessmentWindow } from "../../src/fsar/assessor.ts";
import type { Finding } from "../../src/fsar/fsar-report.ts";
import { assignClaimedTasks, startCooldown } from "../../src/models/model-assignment.ts";
import { cancelTasks } from "../../src/tasks/cancel-tasks.ts";
import { claimTaskBatch } from "../../src/tasks/claim-tasks.ts";
import { type AttemptReport, completeTasks } from "../../src/tasks/complete-tasks.ts";
import { enqueueTasks } from "../../src/tasks/enqueue-tasks.ts";
import type { ClaimedTask } from "../../src/tasks/task.ts";
import type { TaskInput } from "../../src/tasks/task-input.ts";
import { getWaitingTasks } from "../../src/tasks/waiting-tasks.ts";
import { statsWindow } from "../../src/telemetry/stats-window.ts";
import { assessorDepsOf } from "../support/assessor-deps.ts";
import { testDeps } from "../support/steward-deps.ts";
import { TestClock } from "../support/test-clock.ts";
import { backend, createTestDatabase } from "../support/test-database.ts";

const sim = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  provider: "sim",
  model: id,
  price: { inputPerMTok: 0, outputPerMTok: 0 },
  capabilities: { writing: 5 },
  concurrency: 200,
  ...extra,
});

async function stewardWith(t: TestContext, models: ReturnType<typeof sim>[] = [sim("sim-writer")]) {
  const { db } = await createTestDatabase(t);
  return testDeps(db, { config: { providers: [{ id: "sim", type: "sim" }], models } });
}

const lastHour = (): AssessmentWindow => ({ ...statsWindow("1h", undefined, new Date()), label: "1h" });

const assess = (deps: Deps) => schedulingAssessor.assess(assessorDepsOf(deps), lastHour());

type Plan = { outcome: "succeeded" | "failed"; retry?: boolean; errorClass?: string };

/**
 * One round of a worker: claims every ready task, has models assigned to those of kinds that run
 * on one (handing back those no model can take), and reports each attempt with what `plan` says.
 */
async function runRound(deps: Deps, plan: (task: ClaimedTask) => Plan = () => ({ outcome: "succeeded" })) {
  const { tasks, claimId } = await claimTaskBatch(deps.db, {
    workerId: "w1",
    limit: 1_000,
    kinds: deps.kinds.names(),
    leaseMs: 30_000,
  });
  const onModels = tasks.filter((task) => deps.kinds.get(task.kind)?.model !== undefined);
  const { waiting } = await assignClaimedTasks(deps, "w1", onModels);
  const handedBack = new Set(waiting.map((w) => w.task.id));
  const reports = tasks
    .filter((task) => !handedBack.has(task.id))
    .map((task): AttemptReport => {
      const { outcome, retry, errorClass } = plan(task);
      return {
        taskId: task.id,
        attempt: task.attempt,
        outcome,
        aiModel: task.aiModel,
        queuedAt: task.readyAt,
        startedAt: task.startedAt,
        finishedAt: new Date(),
        retryAt: outcome === "failed" && retry ? new Date() : null,
        error: outcome === "failed" ? { class: errorClass ?? "ServerError", message: "planned" } : undefined,
        task,
      };
    });
  await completeTasks(deps.db, "w1", reports, 60, claimId === null ? [] : [claimId]);
  return { ran: reports.length, handedBack: waiting.length };
}

const llm = (count: number, extra: Partial<TaskInput> = {}): TaskInput[] =>
  Array.from({ length: count }, () => ({
    kind: "llm",
    maxAttempts: 1,
    payload: { prompt: "Write it" },
    ...extra,
  }));

const tasksOf = (kind: string, count: number, extra: Partial<TaskInput> = {}): TaskInput[] =>
  Array.from({ length: count }, () => ({
    kind,
    maxAttempts: 1,
    ...(kind === "sleep" ? { payload: { ms: 1 } } : {}),
    ...extra,
  }));

/** Fails the first `failures[key]` tasks of each key (a model, a kind), succeeds the rest. */
function failingFirst(failures: Record<string, number>, keyOf: (task: ClaimedTask) => string) {
  const seen: Record<string, number> = {};
  return (task: ClaimedTask): Plan => {
    const key = keyOf(task);
    seen[key] = (seen[key] ?? 0) + 1;
    return { outcome: seen[key]! <= (failures[key] ?? 0) ? "failed" : "succeeded" };
  };
}

const ofCode = (findings: Finding[], code: string) =>
  findings.filter((f) => f.code === code).sort((a, b) => a.key.localeCompare(b.key));

describe(`the scheduling assessor on ${backend}`, () => {
  it("finds nothing on a clean system: tasks succeeding on healthy models", async (t) => {
    const deps = await stewardWith(t, [sim("sim-a"), sim("sim-b")]);
    await enqueueTasks(deps, [...llm(40), ...tasksOf("noop", 30), ...tasksOf("sleep", 10)]);
    assert.deepEqual(await runRound(deps), { ran: 80, handedBack: 0 });
    const findings = await assess(deps);
    assert.deepEqual(
      findings.map((f) => [f.key, f.severity]),
      [],
    );
    assert.ok(findings.every((f) => f.severity <= 2));
  });

  it("finds models failing many of their calls while they still receive work, graded by the share", async (t) => {
    // Calls and failures per model: 40 %, 20 %, 50 %, 7 %, too few calls, and 80 % (see below).
    const plan: Record<string, [number, number]> = {
      "sim-flaky": [30, 12],
      "sim-weak": [25, 5],
      "sim-broken": [20, 10],
      "sim-steady": [30, 2],
      "sim-few": [15, 10],
      "sim-gone": [25, 20],
    };
    const deps = await stewardWith(
      t,
      Object.keys(plan).map((id) => sim(id)),
    );
    await enqueueTasks(
      deps,
      Object.entries(plan).flatMap(([model, [n]]) => llm(n, { model })),
    );
    const failures = Object.fromEntries(Object.entries(plan).map(([model, [, failed]]) => [model, failed]));
    await runRound(
      deps,
      failingFirst(failures, (task) => task.aiModel!),
    );
    // sim-broken and sim-gone cool down now; sim-gone has had no call for 20 minutes.
    for (const id of ["sim-broken", "sim-gone"])
      await startCooldown(deps.db, id, new Date(Date.now() + 5 * 60_000), "server error (500)");
    await deps.db.query(
      "UPDATE model_calls SET started_at = started_at - interval '20 minutes', finished_at = finished_at - interval '20 minutes' WHERE model_id = 'sim-gone'",
    );

    const found = ofCode(await assess(deps), "scheduling.failing_model");
    assert.deepEqual(
      found.map((f) => [f.key, f.severity, f.blocking, f.kinds]),
      [
        ["scheduling.failing_model:model:sim-broken", 8, false, ["llm"]],
        ["scheduling.failing_model:model:sim-flaky", 7, false, ["llm"]],
        ["scheduling.failing_model:model:sim-weak", 5, false, ["llm"]],
      ],
    );
    const [broken, flaky, weak] = found;
    assert.equal(
      flaky!.summary,
      "Model sim-flaky failed 12 of 30 calls (40 %) in the last hour and is still receiving work (30 calls in the last 10 minutes).",
    );
    assert.equal(
      weak!.summary,
      "Model sim-weak failed 5 of 25 calls (20 %) in the last hour and is still receiving work (25 calls in the last 10 minutes).",
    );
    assert.match(
      broken!.summary,
      /^Model sim-broken failed 10 of 20 calls \(50 %\) .* \(20 calls in the last 10 minutes\)\.$/,
    );
    assert.deepEqual(flaky!.evidence.numbers, {
      calls: 30,
      failed: 12,
      succeeded: 18,
      failureShare: 0.4,
      callsLast10Minutes: 30,
      inFlight: 0,
      state: "available",
    });
    assert.equal(
      broken!.evidence.numbers.state,
      "cooling down",
      "cooling down, yet it took calls minutes ago",
    );
    assert.match(flaky!.evidence.source, /task_rollups/);
    assert.ok(flaky!.evidence.window !== undefined);
    assert.deepEqual(
      flaky!.remedy!.map((a) => a.command ?? a.config),
      [
        "steward models",
        "steward stats --by kind --model sim-flaky --since 1h",
        '{"models":[{"id":"sim-flaky","enabled":false}]}',
      ],
    );
    assert.match(flaky!.risk!, /sim-flaky fails 40 %/);
    assert.match(flaky!.mitigation!, /Disable sim-flaky/);
  });

  it("finds stages whose tasks finish after their deadlines, per stage", async (t) => {
    const deps = await stewardWith(t);
    const past = { deadline: new Date(Date.now() - 60_000).toISOString() };
    const later = { deadline: new Date(Date.now() + 86_400_000).toISOString() };
    await enqueueTasks(deps, [
      // 8 of 40 late: a fifth.
      ...tasksOf("noop", 8, { stage: "Implement Ideas", ...past }),
      ...tasksOf("noop", 22, { stage: "Implement Ideas", ...later }),
      ...tasksOf("sleep", 10, { stage: "Implement Ideas" }),
      // 6 of 100 late.
      ...tasksOf("noop", 6, { stage: "Self-Improvement", ...past }),
      ...tasksOf("sleep", 94, { stage: "Self-Improvement" }),
      // 4 of 20 late: too few misses to count.
      ...tasksOf("noop", 4, { stage: "Launch", ...past }),
      ...tasksOf("noop", 16, { stage: "Launch" }),
      // 6 of 200 late: too small a share.
      ...tasksOf("noop", 6, { stage: "Research", ...past }),
      ...tasksOf("noop", 194, { stage: "Research" }),
    ]);
    await runRound(deps);
    const found = ofCode(await assess(deps), "scheduling.deadline_misses");
    assert.deepEqual(
      found.map((f) => [f.key, f.severity, f.blocking, f.kinds]),
      [
        ["scheduling.deadline_misses:stage:Implement Ideas", 6, false, ["noop"]],
        ["scheduling.deadline_misses:stage:Self-Improvement", 4, false, ["noop"]],
      ],
    );
    const [implement, improve] = found;
    assert.equal(
      implement!.summary,
      '8 of the 40 tasks of stage "Implement Ideas" that finished in the last hour finished after their deadline (20 %).',
    );
    assert.equal(
      improve!.summary,
      '6 of the 100 tasks of stage "Self-Improvement" that finished in the last hour finished after their deadline (6 %).',
    );
    assert.deepEqual(
      [
        implement!.evidence.numbers.deadlineMisses,
        implement!.evidence.numbers.tasksFinished,
        implement!.evidence.numbers.missShare,
      ],
      [8, 40, 0.2],
    );
    assert.equal(
      implement!.remedy![0]!.command,
      "steward stats --by kind --stage 'Implement Ideas' --since 1h",
    );
  });

  it("finds a cooldown storm once half the enabled models or more cool down, and the tasks no model can take", async (t) => {
    const deps = await stewardWith(t, [
      sim("sim-a"),
      sim("sim-b"),
      sim("sim-c"),
      sim("sim-off", { enabled: false }),
    ]);
    const until = new Date(Date.now() + 10 * 60_000);
    await startCooldown(deps.db, "sim-a", until, "rate limited (429)");
    assert.deepEqual(ofCode(await assess(deps), "scheduling.cooldown_storm"), [], "one of three is no storm");

    await startCooldown(deps.db, "sim-b", until, "rate limited (429)");
    const [storm] = ofCode(await assess(deps), "scheduling.cooldown_storm");
    assert.deepEqual(
      [storm!.key, storm!.severity, storm!.blocking, storm!.kinds],
      ["scheduling.cooldown_storm", 5, false, []],
    );
    assert.equal(
      storm!.summary,
      `2 of the 3 enabled models are cooling down now (sim-a, sim-b), the last until ${until.toISOString()}.`,
    );
    assert.deepEqual(storm!.evidence.numbers, {
      enabledModels: 3,
      coolingDown: 2,
      models: "sim-a, sim-b",
      latestUntil: until.toISOString(),
      reasons: "rate limited (429)",
    });
    assert.equal(
      storm!.remedy![1]!.config,
      '{"models":[{"id":"sim-a","concurrency":100},{"id":"sim-b","concurrency":100}]}',
    );

    // With every model cooling down, the tasks that need one are handed back to the queue.
    await startCooldown(deps.db, "sim-c", until, "server error (500)");
    await enqueueTasks(deps, llm(9));
    assert.deepEqual(await runRound(deps), { ran: 0, handedBack: 9 });
    assert.deepEqual(ofCode(await assess(deps), "scheduling.no_model"), [], "nine tasks queued just now");
    await enqueueTasks(deps, llm(3));
    assert.deepEqual(
      await runRound(deps),
      { ran: 0, handedBack: 3 },
      "the nine wait for the cooldowns to end",
    );
    const [waiting] = ofCode(await assess(deps), "scheduling.no_model");
    assert.deepEqual(
      [waiting!.key, waiting!.severity, waiting!.blocking, waiting!.kinds],
      ["scheduling.no_model:kind:llm", 5, false, ["llm"]],
    );
    assert.match(
      waiting!.summary,
      /^12 queued tasks of kind llm wait because the models that could are cooling down \(cause cooldown: 12\), the oldest queued (less than a second|\d+ s) ago\.$/,
    );
    assert.equal(waiting!.evidence.numbers.waiting, 12);
    assert.equal(waiting!.evidence.numbers.cause, "cooldown");
    assert.equal(waiting!.evidence.numbers["cause:cooldown"], 12);
    assert.match(String(waiting!.evidence.numbers.explanation), /cooling down/);
    assert.match(waiting!.remedy![0]!.command!, /^steward task explain \d+$/);
  });

  it("finds tasks waiting for a model for more than a minute, however few", async (t) => {
    const { db } = await createTestDatabase(t);
    const config = (coderEnabled: boolean) => ({
      providers: [{ id: "sim", type: "sim" as const }],
      models: [sim("sim-writer"), sim("sim-coder", { capabilities: { code: 5 }, enabled: coderEnabled })],
    });
    const before = await testDeps(db, { config: config(true) });
    // Tasks for the one model that writes code, enqueued five minutes ago (a clock in the past:
    // the database's now is later) and just now; then that model is disabled.
    before.clock = new TestClock(Date.now() - 5 * 60_000);
    const old = await enqueueTasks(before, llm(2, { capabilities: ["code"] }));
    before.clock = new TestClock();
    await enqueueTasks(before, llm(3, { capabilities: ["code"] }));
    const deps = await testDeps(db, { config: config(false) });
    assert.deepEqual(await runRound(deps), { ran: 0, handedBack: 5 });
    const [waiting] = ofCode(await assess(deps), "scheduling.no_model");
    assert.deepEqual(
      [waiting!.key, waiting!.severity, waiting!.kinds],
      ["scheduling.no_model:kind:llm", 5, ["llm"]],
    );
    assert.match(
      waiting!.summary,
      /^5 queued tasks of kind llm wait because no configured model can take them \(cause unavailable: 5\), the oldest queued 5 min ago\.$/,
    );
    assert.equal(waiting!.evidence.numbers.waitingOverAMinute, 2);
    assert.match(String(waiting!.evidence.numbers.explanation), /code|disabled/);

    // The two old ones cancelled: three tasks queued just now are no finding yet.
    await cancelTasks(
      db,
      old.map((task) => task.id),
    );
    assert.deepEqual(ofCode(await assess(deps), "scheduling.no_model"), []);
  });

  it("leaves tasks that wait for busy models to the performance assessor", async (t) => {
    const deps = await stewardWith(t, [sim("sim-a", { concurrency: 2 })]);
    await enqueueTasks(deps, llm(14));
    assert.deepEqual(await runRound(deps), { ran: 2, handedBack: 12 });
    const waiting = await getWaitingTasks(deps.db);
    assert.deepEqual(
      waiting.groups.map((g) => [g.reason, g.cause, g.count]),
      [["no_model", "capacity", 12]],
    );
    assert.deepEqual(await assess(deps), []);
  });

  it("finds kinds whose tasks fail for good, graded by their share of the tasks that ended", async (t) => {
    const deps = await stewardWith(t);
    const byKind = (task: ClaimedTask) => task.kind;
    await enqueueTasks(deps, [...tasksOf("noop", 60), ...tasksOf("sleep", 190)]);
    await runRound(deps, failingFirst({ noop: 9, sleep: 10 }, byKind));
    const first = ofCode(await assess(deps), "scheduling.dead_tasks");
    assert.deepEqual(
      first.map((f) => [f.key, f.severity, f.blocking, f.kinds]),
      [["scheduling.dead_tasks:kind:sleep", 4, false, ["sleep"]]],
      "nine dead tasks of noop are too few",
    );
    assert.equal(
      first[0]!.summary,
      "10 tasks of kind sleep failed for good in the last hour, 5.3 % of the 190 that ended.",
    );

    await enqueueTasks(deps, tasksOf("noop", 40));
    await runRound(deps, failingFirst({ noop: 3 }, byKind));
    const [noop] = ofCode(await assess(deps), "scheduling.dead_tasks");
    assert.deepEqual(
      [noop!.key, noop!.severity, noop!.kinds],
      ["scheduling.dead_tasks:kind:noop", 5, ["noop"]],
    );
    assert.equal(
      noop!.summary,
      "12 tasks of kind noop failed for good in the last hour, 12 % of the 100 that ended.",
    );
    assert.deepEqual(noop!.evidence.numbers, {
      tasksFailed: 12,
      tasksEnded: 100,
      deadShare: 0.12,
      failedAttempts: 12,
      attempts: 100,
    });
    assert.deepEqual(
      noop!.remedy!.map((a) => a.command),
      [
        "steward task dead --kind noop",
        "steward stats --by model --kind noop --since 1h",
        "steward task retry --all-dead --kind noop",
      ],
    );
  });
});
