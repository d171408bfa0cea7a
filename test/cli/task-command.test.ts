import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { describe, it, type TestContext } from "node:test";
import type { Deps } from "../../src/app/deps.ts";
import type { Database } from "../../src/db/database.ts";
import { PgliteDatabase } from "../../src/db/pglite-database.ts";
import { claimTasks } from "../../src/tasks/claim-tasks.ts";
import { completeTasks } from "../../src/tasks/complete-tasks.ts";
import { enqueueTasks } from "../../src/tasks/enqueue-tasks.ts";
import { getTask } from "../../src/tasks/query-tasks.ts";
import { runCli } from "../support/run-cli.ts";
import { testDeps } from "../support/steward-deps.ts";
import { tempFolder } from "../support/temp-folder.ts";
import { backend, createTestDatabase, openAnother } from "../support/test-database.ts";

/**
 * The `steward task` commands, run as a person runs them. On PGlite each run costs a few
 * seconds (the embedded database starts in every process), so each test makes only the runs
 * it needs and checks the rest of the state in process.
 */

/**
 * A failed ("dead") task whose attempt a model refused, a queued sleep and a task blocked on it.
 * The dead task is failed through the engine: claimed, then reported failed with no retry left.
 */
async function seedScenario(deps: Deps) {
  const [dead] = await enqueueTasks(deps, [{ kind: "noop", maxAttempts: 1, idempotencyKey: "dead-one" }]);
  const [claimed] = await claimTasks(deps.db, {
    workerId: "test-worker",
    limit: 1,
    kinds: ["noop"],
    leaseMs: 60_000,
  });
  assert.equal(claimed?.id, dead!.id);
  const now = new Date();
  await completeTasks(
    deps.db,
    "test-worker",
    [
      {
        taskId: claimed!.id,
        attempt: claimed!.attempt,
        outcome: "failed",
        error: { class: "ModelRefused", message: "the model declined the request" },
        queuedAt: claimed!.readyAt,
        startedAt: claimed!.startedAt,
        finishedAt: now,
        retryAt: null,
      },
    ],
    deps.config.tasks.urgencyStepSeconds,
  );
  const [queued, blocked] = await enqueueTasks(deps, [
    { kind: "sleep", payload: { ms: 10 }, ref: "q", idempotencyKey: "existing-sleep" },
    { kind: "noop", dependsOn: ["q"] },
  ]);
  return { deadTask: dead!.id, queuedTask: queued!.id, blockedTask: blocked!.id };
}

/** A migrated on-disk test database with the scenario in it, handed over to CLI processes. */
async function scenarioDatabase(t: TestContext) {
  const testDb = await createTestDatabase(t, { onDisk: true });
  const scenario = await seedScenario(await testDeps(testDb.db));
  await testDb.db.close();
  return { ...scenario, url: testDb.url, env: { STEWARD_DATABASE_URL: testDb.url } };
}

/** Reopens the database after the CLI runs, to check what they left (PGlite: one process at a time). */
async function inspect<T>(url: string, fn: (db: Database) => Promise<T>): Promise<T> {
  const again = url.startsWith("pglite:")
    ? await PgliteDatabase.open(url.slice("pglite:".length))
    : await openAnother(url);
  try {
    return await fn(again);
  } finally {
    await again.close();
  }
}

const jsonl = (lines: unknown[]) =>
  lines.map((l) => (typeof l === "string" ? l : JSON.stringify(l))).join("\n");

describe(`steward task on ${backend}`, () => {
  it("adds one task from flags, refuses bad ones naming each problem, and adds a file whole or not at all", async (t) => {
    const { env, queuedTask, url } = await scenarioDatabase(t);
    const folder = tempFolder("task-add");

    const one = await runCli(
      [
        "task",
        "add",
        "sleep",
        "--payload",
        '{"ms": 5}',
        "--urgency",
        "9",
        "--capability",
        "gpu",
        "--capability",
        "fast",
        "--depends-on",
        String(queuedTask),
        "--idempotency-key",
        "cli-one",
        "--json",
      ],
      { env },
    );
    assert.equal(one.code, 0, one.stderr);
    const added = JSON.parse(one.stdout);
    assert.equal(added.created, true);
    assert.equal(added.status, "blocked", "it waits for the queued task it depends on");

    const refused = await runCli(["task", "add", "sleep", "--urgency", "11", "--complexity", "-1"], { env });
    assert.equal(refused.code, 3);
    assert.match(refused.stderr, /The task was refused:\n {2}- urgency: .*<=10\n {2}- complexity: .*>=0/);

    // Line 2 is blank; line 4 has a payload the sleep kind refuses: the whole file is refused.
    const file = path.join(folder, "tasks.jsonl");
    const good = [
      { kind: "sleep", payload: { ms: 1 }, ref: "plan", urgency: 3 },
      "",
      { kind: "noop", dependsOn: ["plan"] },
    ];
    writeFileSync(file, jsonl([...good, { kind: "sleep", payload: { ms: "soon" } }]));
    const badFile = await runCli(["task", "add", "--file", file], { env });
    assert.equal(badFile.code, 3);
    assert.match(
      badFile.stderr,
      /tasks\.jsonl \(3 tasks\) was refused whole; nothing was added:\n {2}- line 4: payload\.ms: /,
    );

    // The last line repeats the request of an existing task, under its idempotency key: it is
    // reported, not added twice.
    writeFileSync(
      file,
      jsonl([...good, { kind: "sleep", payload: { ms: 10 }, idempotencyKey: "existing-sleep" }]),
    );
    const goodFile = await runCli(["task", "add", "--file", file], { env });
    assert.equal(goodFile.code, 0, goodFile.stderr);
    assert.match(goodFile.stdout, /^Added 2 tasks from .*tasks\.jsonl \(ids \d+–\d+\); 1 already existed/);

    await inspect(url, async (db) => {
      const task = await getTask(db, added.id);
      assert.deepEqual(task?.capabilities, ["gpu", "fast"]);
      assert.equal(task?.urgency, 9);
      assert.deepEqual(task?.dependsOn, [{ id: queuedTask, status: "queued" }]);
      const { rows } = await db.query<{ kind: string; status: string }>(
        "SELECT kind, status FROM execution_tasks WHERE id > $1 ORDER BY id",
        [added.id],
      );
      assert.deepEqual(rows, [
        { kind: "sleep", status: "queued" },
        { kind: "noop", status: "blocked" },
      ]);
    });
  });

  it("lists, shows, retries dead tasks, cancels, and pauses kinds", async (t) => {
    const { env, deadTask, queuedTask, blockedTask, url } = await scenarioDatabase(t);

    const ls = await runCli(["task", "ls", "--status", "failed,blocked"], { env });
    assert.equal(ls.code, 0, ls.stderr);
    assert.match(ls.stdout, /^ID\s+KIND\s+STAGE\s+STATUS\s+ATTEMPTS\s+MODEL\s+AGE\s+DURATION\s+ERROR\n/);
    assert.match(ls.stdout, new RegExp(`\\n\\s*${blockedTask}\\s+noop\\s+noop\\s+blocked\\s+0/3`));
    assert.match(
      ls.stdout,
      new RegExp(`\\n\\s*${deadTask}\\s+noop\\s+noop\\s+failed\\s+1/1 .*ModelRefused: the model declined`),
    );
    assert.doesNotMatch(ls.stdout, new RegExp(`\\n\\s*${queuedTask}\\s`));

    const show = await runCli(["task", "show", String(deadTask)], { env });
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /Status\s+failed \(dead/);
    assert.match(show.stdout, /Idempotency\s+dead-one/);
    assert.match(show.stdout, /Error\n {2}ModelRefused: the model declined the request/);
    assert.match(show.stdout, /Attempts\n\s+#\s+OUTCOME\s+WORKER[^\n]*\n[^\n]*\n\s+1\s+failed\s+test-worker/);

    const dead = await runCli(["task", "dead", "--json"], { env });
    assert.equal(dead.code, 0, dead.stderr);
    const listed = JSON.parse(dead.stdout);
    assert.equal(listed.total, 1);
    assert.deepEqual(
      listed.tasks.map((task: { id: number }) => task.id),
      [deadTask],
    );

    const retried = await runCli(["task", "retry", "--all-dead", "--attempts", "2"], { env });
    assert.equal(retried.code, 0, retried.stderr);
    assert.match(retried.stdout, /Queued 1 dead task again with 2 more attempts each/);

    // The queued task is cancelled, and the task blocked on it fails with it; 999999 is no task.
    const cancel = await runCli(["task", "cancel", String(queuedTask), "999999", "--reason", "not needed"], {
      env,
    });
    assert.equal(cancel.code, 1, "an id that names no task is an error");
    assert.match(cancel.stdout, new RegExp(`Cancelled task ${queuedTask}\\.`));
    assert.match(cancel.stderr, /no task with id 999999/);

    const unknown = await runCli(["task", "pause", "nope"], { env });
    assert.equal(unknown.code, 3);
    assert.match(
      unknown.stderr,
      /unknown kind "nope"; known kinds: idea_implementation, implement_idea, llm, noop, self_improvement, sleep/,
    );
    const pause = await runCli(["task", "pause", "sleep", "--reason", "model outage"], { env });
    assert.equal(pause.code, 0, pause.stderr);
    const kinds = await runCli(["task", "kinds"], { env });
    assert.match(kinds.stdout, /^KIND\s+STAGE\s+PAUSED\s+DESCRIPTION\n/);
    assert.match(kinds.stdout, /\nsleep\s+sleep\s+since [\d-]+ [\d:]+ \(model outage\)/);
    assert.match(kinds.stdout, /\nimplement_idea\s+Implement Ideas\s+no\s+Simulated: /);

    await inspect(url, async (db) => {
      const statuses = await db.query<{ id: number; status: string; max_attempts: number; error: unknown }>(
        "SELECT id, status, max_attempts, error FROM execution_tasks ORDER BY id",
      );
      assert.deepEqual(
        statuses.rows.map((r) => [r.id, r.status]),
        [
          [deadTask, "queued"],
          [queuedTask, "cancelled"],
          [blockedTask, "failed"],
        ],
      );
      assert.equal(statuses.rows[0]?.max_attempts, 3, "1 attempt used + 2 more");
      assert.deepEqual(statuses.rows[1]?.error, { class: "Cancelled", message: "not needed" });
      const paused = await db.query("SELECT kind, reason FROM task_kind_pauses");
      assert.deepEqual(paused.rows, [{ kind: "sleep", reason: "model outage" }]);
    });
  });
});
