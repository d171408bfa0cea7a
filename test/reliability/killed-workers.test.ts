import assert from "node:assert/strict";
import { it } from "node:test";
import { enqueueTasks } from "../../src/tasks/enqueue-tasks.ts";
import { testDeps } from "../support/steward-deps.ts";
import { backend, createTestDatabase } from "../support/test-database.ts";
import { waitFor } from "../support/wait-for.ts";
import { auditRuns, createRunLog, spawnWorker, type WorkerChild } from "./reliability-support.ts";

const skip = backend === "pglite" ? "needs PostgreSQL: the embedded database belongs to one process" : false;

it("10,000 tasks, worker processes killed with SIGKILL and restarted: each task succeeds exactly once", {
  skip,
  timeout: 240_000,
}, async (t) => {
  const testDb = await createTestDatabase(t);
  const deps = await testDeps(testDb.db);
  await createRunLog(testDb.db);
  deps.kinds.register({ name: "logged", description: "run by the child workers", run: async () => null });
  for (let i = 0; i < 10; i++)
    await enqueueTasks(
      deps,
      Array.from({ length: 1_000 }, () => ({ kind: "logged", maxAttempts: 25 })),
    );

  const workers: WorkerChild[] = [0, 1, 2].map(() => spawnWorker(testDb.url));
  t.after(() => {
    for (const w of workers) w.process.kill("SIGKILL");
  });
  await Promise.all(workers.map((w) => w.ready));
  const done = async () =>
    (
      await testDb.db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM execution_tasks WHERE status = 'succeeded'",
      )
    ).rows[0]!.n;

  // Kill a random worker every 150–450 ms and start a new one in its place, 12 times.
  let kills = 0;
  while (kills < 12 && (await done()) < 10_000) {
    await new Promise((resolve) => setTimeout(resolve, 150 + Math.random() * 300));
    const victim = Math.floor(Math.random() * workers.length);
    workers[victim]!.process.kill("SIGKILL");
    await workers[victim]!.exited;
    workers[victim] = spawnWorker(testDb.url);
    await workers[victim]!.ready;
    kills += 1;
  }
  await waitFor(async () => (await done()) === 10_000, {
    timeoutMs: 180_000,
    intervalMs: 250,
    what: "all 10,000 tasks to succeed",
  });

  const audit = await auditRuns(testDb.db);
  t.diagnostic(
    `kills: ${kills}; handler runs: ${audit.runs}; other attempt outcomes: ${JSON.stringify(audit.otherOutcomes)}`,
  );
  assert.deepEqual(audit.statuses, { succeeded: 10_000 });
  assert.equal(audit.tasksNotSucceededExactlyOnce, 0, "every task has exactly one succeeded attempt");
  assert.equal(audit.doubleRuns, 0, "no two runs within one attempt");
  assert.equal(audit.rerunsWithoutLostLease, 0, "a task ran again only after its lease was lost");
  assert.ok(kills >= 2, "the run was interrupted more than once");
  for (const outcome of Object.keys(audit.otherOutcomes)) assert.equal(outcome, "lease_lost");
});
