import assert from "node:assert/strict";
import { it } from "node:test";
import { PostgresDatabase } from "../../src/db/postgres-database.ts";
import { enqueueTasks } from "../../src/tasks/enqueue-tasks.ts";
import { WorkerPool } from "../../src/workers/worker-pool.ts";
import { privatePostgresAvailable, startPrivatePostgres } from "../support/private-postgres.ts";
import { testDeps } from "../support/steward-deps.ts";
import { backend } from "../support/test-database.ts";
import { waitFor } from "../support/wait-for.ts";

// Restarting the shared server would break the other tests running beside this one, so this
// test starts a server of its own. It belongs to the PostgreSQL run.
const skip = backend === "pglite" ? "needs PostgreSQL: it restarts a server" : privatePostgresAvailable();

it("PostgreSQL restarted during a run: the workers reconnect and finish", {
  skip,
  timeout: 120_000,
}, async (t) => {
  const server = startPrivatePostgres();
  t.after(() => {
    server.stop();
    server.remove();
  });
  const db = new PostgresDatabase({
    url: server.url,
    description: "private",
    poolSize: 6,
    applicationName: "steward-test",
  });
  t.after(() => db.close());
  const deps = await testDeps(db);
  await enqueueTasks(
    deps,
    Array.from({ length: 3_000 }, () => ({ kind: "sleep", payload: { ms: 5 }, maxAttempts: 10 })),
  );
  const pools = [0, 1].map(
    () =>
      new WorkerPool(deps, {
        concurrency: 20,
        pollMs: 100,
        heartbeatMs: 300,
        maintenanceMs: 300,
        leaseMs: 2_000,
      }),
  );
  for (const pool of pools) {
    await pool.start();
    t.after(() => pool.stop());
  }
  const succeeded = async () =>
    (
      await db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM execution_tasks WHERE status = 'succeeded'",
      )
    ).rows[0]!.n;
  await waitFor(async () => (await succeeded()) >= 300, {
    timeoutMs: 30_000,
    what: "the run to be under way",
  });
  const before = await succeeded();
  server.restart();
  // The first statement on a connection the restart cut fails (57P01); the next gets a new one.
  const atRestart = await waitFor(() => succeeded(), { what: "the server to answer again" });
  t.diagnostic(`succeeded before the restart: ${before}; right after it: ${atRestart}`);
  assert.ok(atRestart < 3_000, "the restart came mid-run");
  await waitFor(async () => (await succeeded().catch(() => 0)) === 3_000, {
    timeoutMs: 90_000,
    intervalMs: 200,
    what: "all tasks after the restart",
  });
  const { rows } = await db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM (SELECT task_id FROM task_attempts WHERE outcome = 'succeeded' GROUP BY 1 HAVING count(*) > 1) x",
  );
  assert.equal(rows[0]!.n, 0, "no task succeeded twice");
});
