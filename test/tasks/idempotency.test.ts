import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { describe, it, type TestContext } from "node:test";
import type { Clock, Deps } from "../../src/app/deps.ts";
import { isStewardError } from "../../src/errors.ts";
import { claimTasks } from "../../src/tasks/claim-tasks.ts";
import { enqueueTasks } from "../../src/tasks/enqueue-tasks.ts";
import type { Difference } from "../../src/tasks/idempotency.ts";
import { runCli } from "../support/run-cli.ts";
import { testDeps } from "../support/steward-deps.ts";
import { tempFolder } from "../support/temp-folder.ts";
import { backend, createTestDatabase, openAnother } from "../support/test-database.ts";
import { waitFor } from "../support/wait-for.ts";

interface ConflictDetail {
  path: string;
  index: number;
  idempotencyKey: string;
  taskId: number;
  differences: Difference[];
}

/** Deps on a fresh database whose clock the test moves (`advance`). */
async function stewardWithClock(t: TestContext) {
  const testDb = await createTestDatabase(t);
  let now = Date.now();
  const clock: Clock = { now: () => new Date(now) };
  const deps: Deps = { ...(await testDeps(testDb.db)), clock };
  const { rows } = await deps.db.query<{ id: number }>(
    "INSERT INTO ideas (key, title) VALUES ('pricing', 'Pricing page'), ('course', 'A course') RETURNING id",
  );
  const taskCount = async () =>
    (await deps.db.query<{ n: number }>("SELECT count(*)::int AS n FROM execution_tasks")).rows[0]!.n;
  return {
    deps,
    url: testDb.url,
    ideas: rows.map((r) => r.id),
    taskCount,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

/** The conflicts of an idempotency_conflict refusal; fails on anything else. */
async function conflictsOf(
  promise: Promise<unknown>,
): Promise<{ message: string; conflicts: ConflictDetail[] }> {
  try {
    await promise;
  } catch (error) {
    assert.ok(
      isStewardError(error, "idempotency_conflict"),
      `expected idempotency_conflict, got ${String(error)}`,
    );
    return { message: error.message, conflicts: error.details.conflicts as ConflictDetail[] };
  }
  assert.fail("expected an idempotency conflict");
}

describe(`idempotency keys on ${backend}`, () => {
  it("the same request under a key returns the task it added, however its JSON is written", async (t) => {
    const { deps, ideas, taskCount, advance } = await stewardWithClock(t);
    const first = {
      kind: "noop",
      payload: { ms: 5, options: { b: [1, 2, { c: null }], a: "x" } },
      urgency: 8,
      capabilities: ["code", "writing"],
      deadline: "2030-01-01T12:00:00Z",
      maxAttempts: 4,
      timeoutMs: 1_000,
      idempotencyKey: "order-1",
    };
    const [added] = await enqueueTasks(deps, [first]);
    // Keys in another order, the set of capabilities in another order, the same instant elsewhere.
    const same = {
      idempotencyKey: "order-1",
      deadline: "2030-01-01T13:00:00+01:00",
      capabilities: ["writing", "code", "code"],
      payload: { options: { a: "x", b: [1, 2, { c: null }] }, ms: 5.0 },
      timeoutMs: 1_000,
      maxAttempts: 4,
      urgency: 8,
      kind: "noop",
    };
    advance(30_000);
    const [again] = await enqueueTasks(deps, [same]);
    assert.deepEqual(again, { ...added, created: false });
    // Through the path for requests with dependencies or ideas as well.
    const [planned] = await enqueueTasks(deps, [
      { kind: "noop", ideaId: ideas[0], idempotencyKey: "order-2" },
    ]);
    const [plannedAgain] = await enqueueTasks(deps, [
      { kind: "noop", ideaId: ideas[0], idempotencyKey: "order-2" },
    ]);
    assert.equal(plannedAgain!.id, planned!.id);
    assert.equal(plannedAgain!.created, false);
    assert.equal(await taskCount(), 2);
  });

  it("a different request under a taken key is refused, naming each field that differs", async (t) => {
    const { deps, ideas, taskCount } = await stewardWithClock(t);
    const [dependency] = await enqueueTasks(deps, [{ kind: "noop" }]);
    const original = {
      kind: "noop",
      payload: { ms: 5, tags: ["a", "b"] },
      stage: "Draft",
      urgency: 5,
      complexity: 3,
      capabilities: ["code"],
      deadline: "2030-01-01T12:00:00Z",
      runAt: "2029-06-01T00:00:00Z",
      maxAttempts: 2,
      timeoutMs: 1_000,
      ideaId: ideas[0],
      dependsOn: [dependency!.id],
      onDependencyFailure: "cancel",
      idempotencyKey: "order-7",
    } as const;
    const [added] = await enqueueTasks(deps, [original]);
    const changes: [Record<string, unknown>, string, Partial<Difference>][] = [
      [{ kind: "sleep", payload: { ms: 5 } }, "kind", { task: "noop", request: "sleep" }],
      [{ payload: { ms: 5, tags: ["a", "c"] } }, "payload", { at: "payload.tags[1]" }],
      [{ payload: { ms: 5 } }, "payload", { at: "payload" }],
      [{ stage: "Review" }, "stage", { task: "Draft", request: "Review" }],
      [{ urgency: 9 }, "urgency", { task: 5, request: 9 }],
      [{ complexity: 4 }, "complexity", { task: 3, request: 4 }],
      [{ capabilities: ["code", "gpu"] }, "capabilities", { task: ["code"], request: ["code", "gpu"] }],
      [{ deadline: "2030-01-02T12:00:00Z" }, "deadline", { request: "2030-01-02T12:00:00.000Z" }],
      [{ runAt: "2029-06-01T00:00:01Z" }, "runAt", { task: "2029-06-01T00:00:00.000Z" }],
      [{ maxAttempts: 3 }, "maxAttempts", { task: 2, request: 3 }],
      [{ timeoutMs: 2_000 }, "timeoutMs", { task: 1_000, request: 2_000 }],
      [{ ideaId: ideas[1] }, "ideaId", { task: ideas[0], request: ideas[1] }],
      [{ dependsOn: [] }, "dependsOn", { task: [dependency!.id], request: [] }],
      [{ onDependencyFailure: "fail" }, "onDependencyFailure", { task: "cancel", request: "fail" }],
    ];
    for (const [change, field, expected] of changes) {
      const { message, conflicts } = await conflictsOf(enqueueTasks(deps, [{ ...original, ...change }]));
      assert.equal(conflicts.length, 1, field);
      assert.equal(conflicts[0]!.taskId, added!.id);
      assert.equal(conflicts[0]!.path, "task");
      assert.deepEqual(
        conflicts[0]!.differences.map((d) => d.field),
        change.kind === undefined ? [field] : [field, "payload"],
        `${JSON.stringify(change)} differs in ${field}`,
      );
      for (const [key, value] of Object.entries(expected))
        assert.deepEqual(conflicts[0]!.differences[0]![key as keyof Difference], value, `${field}.${key}`);
      assert.match(message, new RegExp(`idempotencyKey: "order-7" already belongs to task ${added!.id}`));
      assert.match(message, /Send the same request to get task \d+, or use another key/);
    }
    const several = await conflictsOf(enqueueTasks(deps, [{ ...original, urgency: 1, payload: {} }]));
    assert.deepEqual(
      several.conflicts[0]!.differences.map((d) => d.field),
      ["payload", "urgency"],
    );
    assert.equal(await taskCount(), 2, "nothing was added");
  });

  it("delayMs is compared as a delay, not an instant; runAt and maxAttempts only until the task has run", async (t) => {
    const { deps, advance } = await stewardWithClock(t);
    const [delayed] = await enqueueTasks(deps, [{ kind: "noop", delayMs: 60_000, idempotencyKey: "later" }]);
    advance(45_000);
    const [retried] = await enqueueTasks(deps, [{ kind: "noop", delayMs: 60_000, idempotencyKey: "later" }]);
    assert.equal(retried!.id, delayed!.id, "the same delay, asked 45 s later, is the same request");
    const shorter = await conflictsOf(
      enqueueTasks(deps, [{ kind: "noop", delayMs: 1_000, idempotencyKey: "later" }]),
    );
    assert.deepEqual(shorter.conflicts[0]!.differences, [{ field: "delayMs", task: 60_000, request: 1_000 }]);
    const none = await conflictsOf(enqueueTasks(deps, [{ kind: "noop", idempotencyKey: "later" }]));
    assert.deepEqual(none.conflicts[0]!.differences, [{ field: "delayMs", task: 60_000, request: 0 }]);

    // Once claimed, run_at and max_attempts are the engine's: they are not compared any more.
    advance(-45_000);
    const [ran] = await enqueueTasks(deps, [{ kind: "noop", maxAttempts: 2, idempotencyKey: "ran" }]);
    const [claimed] = await claimTasks(deps.db, {
      workerId: "w",
      limit: 10,
      kinds: ["noop"],
      leaseMs: 60_000,
    });
    assert.equal(claimed?.id, ran!.id);
    const [afterRun] = await enqueueTasks(deps, [
      { kind: "noop", maxAttempts: 5, delayMs: 10, idempotencyKey: "ran" },
    ]);
    assert.deepEqual(afterRun, { ...ran, status: "running", created: false });
    const payload = await conflictsOf(
      enqueueTasks(deps, [{ kind: "noop", payload: { x: 1 }, idempotencyKey: "ran" }]),
    );
    assert.deepEqual(
      payload.conflicts[0]!.differences.map((d) => d.field),
      ["payload"],
    );
  });

  it("one conflict refuses a whole request, naming the task by its place", async (t) => {
    const { deps, taskCount } = await stewardWithClock(t);
    await enqueueTasks(deps, [
      { kind: "noop", idempotencyKey: "a" },
      { kind: "sleep", payload: { ms: 1 }, idempotencyKey: "b" },
    ]);
    const before = await taskCount();
    for (const withDependencies of [false, true]) {
      const request = [
        { kind: "noop", ref: "first" },
        { kind: "noop", idempotencyKey: "a" },
        { kind: "noop", idempotencyKey: "new-one", ...(withDependencies ? { dependsOn: ["first"] } : {}) },
        { kind: "sleep", payload: { ms: 2 }, idempotencyKey: "b" },
      ];
      const { message, conflicts } = await conflictsOf(enqueueTasks(deps, request));
      assert.deepEqual(
        conflicts.map((c) => [c.path, c.idempotencyKey]),
        [["tasks[3]", "b"]],
      );
      assert.match(
        message,
        /^The request of 4 tasks was refused whole; nothing was added:\n {2}- tasks\[3\]\.idempotencyKey: "b"/,
      );
      assert.match(message, /payload \(at payload\.ms\) differs/);
      assert.equal(
        await taskCount(),
        before,
        `nothing of the request was added (dependencies: ${withDependencies})`,
      );
    }
    // Without the conflicting task, the same request goes through, and finds "a".
    const added = await enqueueTasks(deps, [{ kind: "noop", idempotencyKey: "a" }, { kind: "noop" }]);
    assert.deepEqual(
      added.map((a) => a.created),
      [false, true],
    );
  });

  it("a request that names its own tasks by ref is the same request when sent again", async (t) => {
    const { deps, taskCount } = await stewardWithClock(t);
    const request = [
      { kind: "noop", ref: "plan", idempotencyKey: "plan-1" },
      { kind: "noop", ref: "build", dependsOn: ["plan"], idempotencyKey: "build-1" },
      // Without a key, this one is added again each time: its ref counts as the same dependency.
      { kind: "noop", ref: "notes" },
      { kind: "noop", dependsOn: ["build", "notes"], idempotencyKey: "ship-1" },
    ];
    const first = await enqueueTasks(deps, request);
    const again = await enqueueTasks(deps, request);
    assert.deepEqual(
      again.map((a) => a.created),
      [false, false, true, false],
    );
    assert.deepEqual([again[0]!.id, again[1]!.id, again[3]!.id], [first[0]!.id, first[1]!.id, first[3]!.id]);
    const changed = await conflictsOf(
      enqueueTasks(deps, [request[0]!, request[1]!, request[2]!, { ...request[3]!, dependsOn: ["build"] }]),
    );
    assert.deepEqual(
      changed.conflicts.map((c) => [c.path, c.differences.map((d) => d.field)]),
      [["tasks[3]", ["dependsOn"]]],
    );
    assert.equal(await taskCount(), 5);
  });

  it("refuses one key used twice in a request", async (t) => {
    const { deps, taskCount } = await stewardWithClock(t);
    await assert.rejects(
      enqueueTasks(deps, [
        { kind: "noop", idempotencyKey: "twice" },
        { kind: "noop" },
        { kind: "noop", idempotencyKey: "twice" },
      ]),
      (error) => {
        assert.ok(isStewardError(error, "validation_failed"));
        assert.match(
          error.message,
          /tasks\[2\]\.idempotencyKey: "twice" is also the key of tasks\[0\] of this request/,
        );
        return true;
      },
    );
    assert.equal(await taskCount(), 0);
  });

  it("a request that meets its key only at the insert, taken by a transaction not yet committed, is refused whole", {
    skip:
      backend === "pglite" ? "PGlite is one connection: no transaction can be open beside another" : false,
  }, async (t) => {
    const { deps, url, taskCount } = await stewardWithClock(t);
    const other = await openAnother(url);
    t.after(() => other.close());
    for (const withDependencies of [false, true]) {
      const key = `held-${withDependencies}`;
      let late: Promise<unknown> | undefined;
      await other.transaction(async (tx) => {
        const inTransaction = {
          ...other,
          query: tx.query,
          transaction: (fn: (q: typeof tx) => unknown) => fn(tx),
        };
        await enqueueTasks({ ...deps, db: inTransaction as typeof other }, [
          { kind: "noop", idempotencyKey: key, payload: { from: "first" } },
        ]);
        // Its lookup finds nothing yet; its insert waits on the uncommitted row.
        late = enqueueTasks(deps, [
          { kind: "noop", ref: "bystander", payload: { bystander: true } },
          {
            kind: "noop",
            idempotencyKey: key,
            payload: { from: "second" },
            ...(withDependencies ? { dependsOn: ["bystander"] } : {}),
          },
        ]).catch((error: unknown) => error);
        await waitFor(
          async () =>
            (
              await deps.db.query<{ n: number }>(
                "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
              )
            ).rows[0]!.n > 0,
          { what: "the second request to wait for the first one's row" },
        );
      });
      const error = await late;
      assert.ok(isStewardError(error, "idempotency_conflict"), String(error));
      assert.match(error.message, /tasks\[1\]\.idempotencyKey: "held-\w+" already belongs to task \d+/);
      const { rows } = await deps.db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM execution_tasks WHERE payload ? 'bystander'",
      );
      assert.equal(rows[0]!.n, 0, "the rest of the request was undone");
    }
    assert.equal(await taskCount(), 2);
  });

  it("of two different requests racing for one key, one is added and the other refused whole", async (t) => {
    const { deps, url, taskCount } = await stewardWithClock(t);
    // On PostgreSQL the second request runs on its own connections, as another process would.
    const other = backend === "postgres" ? await openAnother(url) : null;
    t.after(() => other?.close());
    const otherDeps = other ? { ...deps, db: other } : deps;
    for (let round = 0; round < 5; round++) {
      const key = `race-${round}`;
      const results = await Promise.allSettled([
        enqueueTasks(deps, [{ kind: "noop", idempotencyKey: key, payload: { from: "a" } }]),
        enqueueTasks(otherDeps, [
          { kind: "noop", payload: { bystander: round } },
          { kind: "noop", idempotencyKey: key, payload: { from: "b" } },
        ]),
      ]);
      const refused = results.filter((r) => r.status === "rejected");
      assert.equal(refused.length, 1, `round ${round}: exactly one request is refused`);
      const reason = (refused[0] as PromiseRejectedResult).reason;
      assert.ok(isStewardError(reason, "idempotency_conflict"), String(reason));
      const { rows } = await deps.db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM execution_tasks WHERE payload ? 'bystander' AND payload ->> 'bystander' = $1",
        [String(round)],
      );
      assert.equal(
        rows[0]!.n,
        results[1].status === "fulfilled" ? 1 : 0,
        "the second request is all or nothing",
      );
    }
    assert.ok((await taskCount()) >= 5);
  });
});

describe(`idempotency keys through the CLI, on ${backend}`, () => {
  it("steward task add and task add --file refuse a different request under a taken key", async (t) => {
    const testDb = await createTestDatabase(t, { onDisk: true });
    await enqueueTasks(await testDeps(testDb.db), [
      { kind: "sleep", payload: { ms: 10 }, idempotencyKey: "nightly" },
    ]);
    await testDb.db.close();
    const env = { STEWARD_DATABASE_URL: testDb.url };

    const same = await runCli(
      ["task", "add", "sleep", "--payload", '{"ms": 10}', "--idempotency-key", "nightly"],
      {
        env,
      },
    );
    assert.equal(same.code, 0, same.stderr);
    assert.match(same.stdout, /already exists under idempotency key "nightly"/);

    const different = await runCli(
      ["task", "add", "sleep", "--payload", '{"ms": 20}', "--urgency", "9", "--idempotency-key", "nightly"],
      { env },
    );
    assert.equal(different.code, 3);
    assert.match(
      different.stderr,
      /idempotencyKey: "nightly" already belongs to task \d+, added by a different request: payload \(at payload\.ms\), urgency \(task: 5, this request: 9\) differ/,
    );

    const file = path.join(tempFolder("idempotency"), "tasks.jsonl");
    writeFileSync(
      file,
      [{ kind: "noop" }, { kind: "sleep", payload: { ms: 11 }, idempotencyKey: "nightly" }]
        .map((line) => JSON.stringify(line))
        .join("\n"),
    );
    const fromFile = await runCli(["task", "add", "--file", file], { env });
    assert.equal(fromFile.code, 3);
    assert.match(
      fromFile.stderr,
      /tasks\.jsonl \(2 tasks\) was refused whole; nothing was added:\n {2}- line 2: idempotencyKey: "nightly"/,
    );
  });
});
