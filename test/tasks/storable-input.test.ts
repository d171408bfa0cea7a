import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isStewardError } from "../../src/errors.ts";
import { cancelTasks } from "../../src/tasks/cancel-tasks.ts";
import { enqueueTasks } from "../../src/tasks/enqueue-tasks.ts";
import { listPausedKinds, pauseKinds } from "../../src/tasks/pause-kinds.ts";
import { getTask, listTasks, type TaskFilter } from "../../src/tasks/query-tasks.ts";
import { maxJsonDepth } from "../../src/tasks/storable-text.ts";
import { testDeps } from "../support/steward-deps.ts";
import { backend, createTestDatabase } from "../support/test-database.ts";

const nul = "\u0000";
const loneSurrogate = "\ud800";

/** `{ a: { a: … leaf } }`, `levels` objects deep, built without recursion. */
function nested(levels: number, leaf: unknown = 1): unknown {
  let value = leaf;
  for (let i = 0; i < levels; i++) value = { a: value };
  return value;
}

/** The refusal's problems; fails unless it is a validation_failed StewardError. */
function problemsOf(error: unknown): { path: string; message: string }[] {
  assert.ok(isStewardError(error, "validation_failed"), `expected validation_failed, got ${String(error)}`);
  return error.details.problems as { path: string; message: string }[];
}

async function refusal(promise: Promise<unknown>): Promise<{ path: string; message: string }[]> {
  try {
    await promise;
  } catch (error) {
    return problemsOf(error);
  }
  assert.fail("expected the request to be refused");
}

describe(`text and nesting PostgreSQL cannot store, on ${backend}`, () => {
  it("refuses the NUL character and lone surrogates in every field of a task, naming the field", async (t) => {
    const { db } = await createTestDatabase(t);
    const deps = await testDeps(db);
    const cases: { task: Record<string, unknown>; path: string }[] = [];
    for (const [bad, name] of [
      [nul, /U\+0000/],
      [loneSurrogate, /lone surrogate/],
    ] as const) {
      cases.push(
        { task: { kind: "noop", payload: { note: `a${bad}b` } }, path: "payload.note" },
        {
          task: { kind: "noop", payload: { list: [1, { deep: [`x${bad}`] }] } },
          path: "payload.list[1].deep[0]",
        },
        { task: { kind: "noop", payload: { [`key${bad}`]: 1 } }, path: "payload" },
        { task: { kind: "noop", payload: `just text ${bad}` }, path: "payload" },
        { task: { kind: "noop", stage: `Draft${bad}` }, path: "stage" },
        { task: { kind: `noop${bad}` }, path: "kind" },
        { task: { kind: "noop", idempotencyKey: `order${bad}` }, path: "idempotencyKey" },
        { task: { kind: "noop", ref: `r${bad}` }, path: "ref" },
        { task: { kind: "noop", capabilities: ["code", `w${bad}`] }, path: "capabilities[1]" },
        { task: { kind: "noop", dependsOn: [`r${bad}`] }, path: "dependsOn[0]" },
        { task: { kind: "llm", model: `m${bad}`, payload: { prompt: "hi" } }, path: "model" },
        { task: { kind: "noop", [`colour${bad}`]: "red" }, path: "task" },
      );
      for (const { task, path } of cases.splice(0)) {
        const problems = await refusal(enqueueTasks(deps, [task]));
        const problem = problems.find((p) => p.path === path);
        assert.ok(
          problem,
          `${JSON.stringify(task)}: expected a problem at ${path}, got ${JSON.stringify(problems)}`,
        );
        assert.match(problem.message, name);
      }
    }
    // In a request of several, the place names the task; nothing of the request is added.
    const problems = await refusal(
      enqueueTasks(deps, [{ kind: "noop" }, { kind: "sleep", payload: { ms: 5, tag: nul } }]),
    );
    assert.deepEqual(
      problems.map((p) => p.path),
      ["tasks[1].payload.tag"],
    );
    assert.match(problems[0]!.message, /PostgreSQL text and jsonb cannot hold/);
    assert.deepEqual(await listTasks(db), []);
  });

  it(`accepts a payload ${maxJsonDepth} levels deep, and refuses deeper ones without overflowing`, async (t) => {
    const { db } = await createTestDatabase(t);
    const deps = await testDeps(db);
    const [deepest] = await enqueueTasks(deps, [{ kind: "noop", payload: nested(maxJsonDepth) }]);
    assert.deepEqual((await getTask(db, deepest!.id))?.payload, nested(maxJsonDepth));

    for (const levels of [maxJsonDepth + 1, 5_000, 200_000]) {
      const problems = await refusal(enqueueTasks(deps, [{ kind: "noop", payload: nested(levels) }]));
      assert.deepEqual(problems, [
        {
          path: "payload",
          message: `nests objects and arrays more than ${maxJsonDepth} levels deep; at most ${maxJsonDepth} levels are allowed`,
        },
      ]);
    }
    // Arrays count as levels too, and so do other fields.
    const arrays = await refusal(
      enqueueTasks(deps, [{ kind: "noop", payload: { list: nested(maxJsonDepth, []) } }]),
    );
    assert.equal(arrays[0]?.path, "payload");
    const elsewhere = await refusal(enqueueTasks(deps, [{ kind: "noop", stage: nested(5_000) }]));
    assert.ok(elsewhere.some((p) => p.path === "stage" && /levels deep/.test(p.message)));
    assert.equal((await listTasks(db)).length, 1);
  });

  it("lists many problems of one payload briefly", async (t) => {
    const { db } = await createTestDatabase(t);
    const deps = await testDeps(db);
    const payload = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`k${i}`, nul]));
    const problems = await refusal(enqueueTasks(deps, [{ kind: "noop", payload }]));
    assert.equal(problems.length, 11);
    assert.deepEqual(problems.at(-1), { path: "payload", message: "… and 490 more such problems" });
  });

  it("refuses such text in a task filter, a cancellation reason and a pause reason", async (t) => {
    const { db } = await createTestDatabase(t);
    const deps = await testDeps(db);
    const [task] = await enqueueTasks(deps, [{ kind: "noop" }]);
    const filters: [TaskFilter, string][] = [
      [{ search: `x${nul}` }, "search"],
      [{ kind: ["noop", `n${nul}`] }, "kind[1]"],
      [{ stage: `s${loneSurrogate}` }, "stage"],
    ];
    for (const [filter, path] of filters) {
      const problems = await refusal(listTasks(db, filter));
      assert.equal(problems[0]?.path, path);
    }
    const cancel = await refusal(cancelTasks(db, [task!.id], `because${nul}`));
    assert.equal(cancel[0]?.path, "reason");
    assert.equal((await getTask(db, task!.id))?.status, "queued");
    const pause = await refusal(pauseKinds(db, ["noop"], `later${loneSurrogate}`));
    assert.equal(pause[0]?.path, "reason");
    assert.deepEqual(await listPausedKinds(db), []);
  });

  it("still stores well-formed text of every plane, surrogate pairs included", async (t) => {
    const { db } = await createTestDatabase(t);
    const deps = await testDeps(db);
    const text = "naïve — 漢字 — 🦀 — \ud83d\ude00 — \t\n";
    const [task] = await enqueueTasks(deps, [{ kind: "noop", stage: text, payload: { [text]: text } }]);
    const stored = await getTask(db, task!.id);
    assert.equal(stored?.stage, text);
    assert.deepEqual(stored?.payload, { [text]: text });
    assert.equal((await listTasks(db, { search: "🦀" })).length, 1);
  });
});
