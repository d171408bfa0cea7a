import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isStewardError } from "../../src/errors.ts";
import { enqueueTasks } from "../../src/tasks/enqueue-tasks.ts";
import { getTask } from "../../src/tasks/query-tasks.ts";
import { testDeps } from "../support/steward-deps.ts";
import { backend, createTestDatabase } from "../support/test-database.ts";

const taskCount = async (deps: Awaited<ReturnType<typeof testDeps>>) =>
  (await deps.db.query<{ n: number }>("SELECT count(*)::int AS n FROM execution_tasks")).rows[0]!.n;

/** Expects a validation error listing exactly these `path: message` fragments. */
const refusedWith =
  (...fragments: RegExp[]) =>
  (error: unknown) => {
    assert.ok(isStewardError(error, "validation_failed"), String(error));
    for (const fragment of fragments) assert.match(error.message, fragment);
    return true;
  };

describe(`enqueue on ${backend}`, () => {
  it("adds one task with defaults, and many in one request", async (t) => {
    const { db } = await createTestDatabase(t);
    const deps = await testDeps(db);
    const [one] = await enqueueTasks(deps, [{ kind: "noop" }]);
    assert.deepEqual(
      { ...one, id: undefined },
      { index: 0, id: undefined, ref: undefined, status: "queued", created: true },
    );
    const task = await getTask(db, one!.id);
    assert.equal(task?.stage, "noop", "the stage defaults to the kind");
    assert.equal(task?.maxAttempts, deps.config.tasks.defaultMaxAttempts);
    assert.equal(task?.timeoutMs, deps.config.tasks.defaultTimeoutMs);
    const many = await enqueueTasks(
      deps,
      Array.from({ length: 250 }, (_, i) => ({ kind: "sleep", payload: { ms: i }, urgency: i % 11 })),
    );
    assert.equal(many.length, 250);
    assert.equal(new Set(many.map((m) => m.id)).size, 250);
    assert.deepEqual(
      many.map((m) => m.index),
      [...Array(250).keys()],
      "results are in request order",
    );
    assert.equal(await taskCount(deps), 251);
  });

  it("refuses a bad request whole, naming every problem and where it is", async (t) => {
    const { db } = await createTestDatabase(t);
    const deps = await testDeps(db);
    await assert.rejects(
      enqueueTasks(deps, [
        { kind: "noop" },
        { kind: "sleep", payload: { ms: "soon" } },
        { kind: "teleport" },
        { kind: "noop", urgency: 11, idempotencyKey: "has spaces" },
        { kind: "noop", colour: "red" },
        { kind: "noop", payload: { blob: "x".repeat(deps.config.tasks.maxPayloadBytes) } },
      ]),
      refusedWith(
        /refused whole; nothing was added/,
        /tasks\[1\]\.payload\.ms: Invalid input: expected number, received string/,
        /tasks\[2\]\.kind: unknown kind "teleport"; known kinds: llm, noop, self_improvement, sleep/,
        /tasks\[3\]\.urgency: Too big: expected number to be <=10/,
        /tasks\[3\]\.idempotencyKey: must be printable ASCII without spaces/,
        /tasks\[4\]: unknown field "colour"; allowed: kind, ref, stage/,
        /tasks\[5\]\.payload: is \d+ bytes of JSON; at most 262144 are allowed/,
      ),
    );
    assert.equal(await taskCount(deps), 0, "nothing was inserted, not even the valid task");
  });

  it("returns the existing task for a known idempotency key, sent by the same request", async (t) => {
    const { db } = await createTestDatabase(t);
    const deps = await testDeps(db);
    const [first] = await enqueueTasks(deps, [{ kind: "noop", idempotencyKey: "invoice-42" }]);
    const again = await enqueueTasks(deps, [
      { kind: "noop", idempotencyKey: "invoice-42" },
      { kind: "noop", idempotencyKey: "invoice-43" },
    ]);
    assert.deepEqual(
      again.map((r) => [r.id === first!.id, r.created]),
      [
        [true, false],
        [false, true],
      ],
    );
    assert.equal(await taskCount(deps), 2);
  });

  it("links dependencies by id and by ref, and starts dependents blocked", async (t) => {
    const { db } = await createTestDatabase(t);
    const deps = await testDeps(db);
    const [existing] = await enqueueTasks(deps, [{ kind: "noop" }]);
    const result = await enqueueTasks(deps, [
      { kind: "noop", ref: "plan" },
      { kind: "noop", ref: "build", dependsOn: ["plan", existing!.id] },
      { kind: "noop", ref: "ship", dependsOn: ["build"] },
    ]);
    assert.deepEqual(
      result.map((r) => [r.ref, r.status]),
      [
        ["plan", "queued"],
        ["build", "blocked"],
        ["ship", "blocked"],
      ],
    );
    const build = await getTask(db, result[1]!.id);
    assert.equal(build?.pendingDependencies, 2);
    assert.deepEqual(build?.dependsOn.map((d) => d.id).sort(), [existing!.id, result[0]!.id].sort());
    assert.deepEqual(
      build?.dependents.map((d) => d.id),
      [result[2]!.id],
    );
  });

  it("refuses cycles, self-dependencies, unknown refs and missing tasks", async (t) => {
    const { db } = await createTestDatabase(t);
    const deps = await testDeps(db);
    await assert.rejects(
      enqueueTasks(deps, [
        { kind: "noop", ref: "a", dependsOn: ["c"] },
        { kind: "noop", ref: "b", dependsOn: ["a"] },
        { kind: "noop", ref: "c", dependsOn: ["b"] },
      ]),
      refusedWith(/dependencies form a cycle: a → c → b → a/),
    );
    await assert.rejects(
      enqueueTasks(deps, [{ kind: "noop", ref: "me", dependsOn: ["me"] }]),
      refusedWith(/dependsOn: a task cannot depend on itself/),
    );
    await assert.rejects(
      enqueueTasks(deps, [{ kind: "noop", dependsOn: ["ghost"] }]),
      refusedWith(/"ghost" is no task's ref in this request/),
    );
    await assert.rejects(
      enqueueTasks(deps, [{ kind: "noop", dependsOn: [999999] }]),
      refusedWith(/dependsOn: no task with id 999999/),
    );
    await assert.rejects(
      enqueueTasks(deps, [{ kind: "noop", ideaId: 424242 }]),
      refusedWith(/ideaId: no idea with id 424242/),
    );
    assert.equal(await taskCount(deps), 0);
  });

  it("fails or cancels, by policy, a task whose dependency already failed", async (t) => {
    const { db } = await createTestDatabase(t);
    const deps = await testDeps(db);
    const [dead] = await enqueueTasks(deps, [{ kind: "noop" }]);
    await db.query("UPDATE execution_tasks SET status = 'failed' WHERE id = $1", [dead!.id]);
    const result = await enqueueTasks(deps, [
      { kind: "noop", dependsOn: [dead!.id] },
      { kind: "noop", dependsOn: [dead!.id], onDependencyFailure: "cancel" },
    ]);
    assert.deepEqual(
      result.map((r) => r.status),
      ["failed", "cancelled"],
    );
    const failed = await getTask(db, result[0]!.id);
    assert.deepEqual(failed?.error, {
      class: "DependencyFailed",
      message: `dependency ${dead!.id} is failed`,
    });
  });

  it("a delayed task waits: run_at is in the future and urgency sets its place in the queue", async (t) => {
    const { db } = await createTestDatabase(t);
    const deps = await testDeps(db);
    const [late] = await enqueueTasks(deps, [{ kind: "noop", delayMs: 3_600_000, urgency: 0 }]);
    const { rows } = await db.query<{ delay_s: number; head_start_s: number }>(
      "SELECT extract(epoch FROM run_at - now())::int AS delay_s, extract(epoch FROM run_at - priority_at)::int AS head_start_s FROM execution_tasks WHERE id = $1",
      [late!.id],
    );
    assert.ok(rows[0]!.delay_s > 3_500 && rows[0]!.delay_s <= 3_600);
    assert.equal(rows[0]!.head_start_s, 0);
    const [urgent] = await enqueueTasks(deps, [{ kind: "noop", urgency: 10 }]);
    const head = await db.query<{ s: number }>(
      "SELECT extract(epoch FROM run_at - priority_at)::int AS s FROM execution_tasks WHERE id = $1",
      [urgent!.id],
    );
    assert.equal(head.rows[0]!.s, 10 * deps.config.tasks.urgencyStepSeconds);
  });
});
