import assert from "node:assert/strict";
import { test } from "node:test";
import type { EnqueuedTask } from "../../src/tasks/enqueue-tasks.ts";
import { backend } from "../support/test-database.ts";
import { errorOf, serverUnderTest, snapshot } from "./route-probes.ts";

test(`POST /api/tasks: a taken idempotency key returns its task to the same request, and is a 409 to a different one, on ${backend}`, async (t) => {
  const { app, deps } = await serverUnderTest(t);
  const post = (payload: object) => app.inject({ method: "POST", url: "/api/tasks", payload });
  const order = { kind: "sleep", payload: { ms: 100 }, urgency: 7, idempotencyKey: "order-17" };

  const first = await post(order);
  assert.equal(first.statusCode, 201, first.body);
  const [task] = first.json<{ tasks: EnqueuedTask[] }>().tasks;
  const again = await post({ ...order });
  assert.equal(again.statusCode, 200, again.body);
  assert.deepEqual(again.json<{ tasks: EnqueuedTask[] }>().tasks, [{ ...task, created: false }]);

  const before = await snapshot(deps);
  const different = await post({ ...order, payload: { ms: 200 }, urgency: 2 });
  assert.equal(different.statusCode, 409, different.body);
  const error = errorOf(different, "a different request");
  assert.equal(error.code, "idempotency_conflict");
  assert.match(error.message, /"order-17" already belongs to task \d+, added by a different request/);
  assert.deepEqual(error.details?.conflicts, [
    {
      path: "task",
      index: 0,
      idempotencyKey: "order-17",
      taskId: task!.id,
      differences: [
        { field: "payload", at: "payload.ms" },
        { field: "urgency", task: 7, request: 2 },
      ],
    },
  ]);

  // In a request of several, one conflict refuses them all, naming the task by its place.
  const batch = await post({
    tasks: [{ kind: "noop" }, { kind: "noop", idempotencyKey: "order-18" }, order, { ...order, urgency: 8 }],
  });
  assert.equal(batch.statusCode, 400, "a key twice in one request is refused first");
  const mixed = await post({
    tasks: [
      { kind: "noop" },
      { kind: "noop", idempotencyKey: "order-18" },
      { kind: "noop" },
      { ...order, urgency: 8 },
    ],
  });
  assert.equal(mixed.statusCode, 409, mixed.body);
  const refused = errorOf(mixed, "a request of four");
  assert.deepEqual(
    (refused.details?.problems ?? []).map((p) => p.path),
    ["tasks[3].idempotencyKey"],
  );
  assert.equal(await snapshot(deps), before, "nothing was written");
});
