import assert from "node:assert/strict";
import { it } from "node:test";
import { enqueueTasks } from "../../src/tasks/enqueue-tasks.ts";
import { holdGate, releaseGate } from "../../src/tasks/execution-gate.ts";
import { stewardActor } from "../../src/tasks/operator-actions.ts";
import { testDeps } from "../support/steward-deps.ts";
import { backend, createTestDatabase } from "../support/test-database.ts";
import { waitFor } from "../support/wait-for.ts";
import { createRunLog, spawnWorker, type WorkerChild } from "./reliability-support.ts";

const skip = backend === "pglite" ? "needs PostgreSQL: the embedded database belongs to one process" : false;

it("the gate holds across three worker processes: from the next claim on, none takes a gated task", {
  skip,
  timeout: 120_000,
}, async (t) => {
  const testDb = await createTestDatabase(t);
  const { db } = testDb;
  const deps = await testDeps(db);
  await createRunLog(db);
  deps.kinds.register({ name: "logged", description: "run by the child workers", run: async () => null });
  await enqueueTasks(
    deps,
    Array.from({ length: 2_000 }, () => ({ kind: "logged" })),
  );
  const workers: WorkerChild[] = [0, 1, 2].map(() => spawnWorker(testDb.url));
  t.after(() => {
    for (const w of workers) w.process.kill("SIGKILL");
  });
  await Promise.all(workers.map((w) => w.ready));
  const count = async (sql: string, params: unknown[] = []) =>
    (await db.query<{ n: number }>(sql, params)).rows[0]!.n;
  await waitFor(async () => (await count("SELECT count(*)::int AS n FROM handler_runs")) >= 100, {
    timeoutMs: 30_000,
    what: "the workers to be running logged tasks",
  });

  // Closed for `logged` by a report; every claim that starts after this commit must skip it.
  await db.transaction((tx) =>
    holdGate(tx, {
      cause: "fsar:steward",
      kinds: ["logged"],
      reason: "test: a blocking finding",
      actor: stewardActor,
    }),
  );
  const closedAt = (await db.query<{ at: Date }>("SELECT clock_timestamp() AS at")).rows[0]!.at;
  // Work of another kind keeps every worker claiming, so that each shows it claimed after the close.
  await waitFor(
    async () => {
      await enqueueTasks(
        deps,
        Array.from({ length: 60 }, () => ({ kind: "noop" })),
      );
      // An attempt's start is its claim's time (claims themselves are removed once done).
      return (
        (await count("SELECT count(DISTINCT worker_id)::int AS n FROM task_attempts WHERE started_at > $1", [
          closedAt,
        ])) === 3
      );
    },
    { timeoutMs: 30_000, intervalMs: 200, what: "each of the three workers to claim after the gate closed" },
  );
  const claimedAfter = await count(
    `SELECT count(*)::int AS n FROM task_attempts a JOIN execution_tasks t ON t.id = a.task_id
      WHERE t.kind = 'logged' AND a.started_at > $1`,
    [closedAt],
  );
  assert.equal(claimedAfter, 0, "no logged task was claimed after the gate closed");
  await waitFor(
    async () =>
      (await count(
        "SELECT count(*)::int AS n FROM execution_tasks WHERE status = 'running' AND kind = 'logged'",
      )) === 0,
    { timeoutMs: 30_000, what: "the logged tasks running at the close to finish" },
  );
  const queued = await count(
    "SELECT count(*)::int AS n FROM execution_tasks WHERE status = 'queued' AND kind = 'logged'",
  );
  assert.ok(queued > 0, "logged tasks wait behind the gate");

  await db.transaction((tx) =>
    releaseGate(tx, { cause: "fsar:steward", reason: "test: fixed", actor: stewardActor }),
  );
  await waitFor(
    async () =>
      (await count("SELECT count(*)::int AS n FROM execution_tasks WHERE status <> 'succeeded'")) === 0,
    { timeoutMs: 60_000, intervalMs: 250, what: "every task to succeed once the gate opened" },
  );
});
