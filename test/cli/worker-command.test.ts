import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { enqueueTasks } from "../../src/tasks/enqueue-tasks.ts";
import { runCli } from "../support/run-cli.ts";
import { testDeps } from "../support/steward-deps.ts";
import { tempFolder } from "../support/temp-folder.ts";
import { backend, createTestDatabase } from "../support/test-database.ts";
import { waitFor } from "../support/wait-for.ts";
import { exitWithin, spawnCli } from "./spawn-cli.ts";

/** A folder whose steward.config.json gives the worker a short grace period and quick polling. */
function configFolder(workers: Record<string, number>): string {
  const cwd = tempFolder("worker");
  writeFileSync(path.join(cwd, "steward.config.json"), JSON.stringify({ workers }));
  return cwd;
}

describe(`steward worker on ${backend}`, () => {
  it("refuses to start on a database whose migrations are pending, and names unknown kinds", async (t) => {
    const testDb = await createTestDatabase(t, { onDisk: true });
    await testDb.db.close();
    const env = { STEWARD_DATABASE_URL: testDb.url };

    const kinds = await runCli(["worker", "--kinds", "sleep,nope"], { env });
    assert.equal(kinds.code, 3);
    assert.match(
      kinds.stderr,
      /unknown kind "nope"; known kinds: idea_implementation, implement_idea, llm, noop/,
    );

    const pending = await runCli(["worker"], { env });
    assert.equal(pending.code, 6);
    assert.match(
      pending.stderr,
      /migrations are not current \(pending: 0001_core_schema, [^)]*\)\. A worker does not migrate: run `steward migrate up`/,
    );
  });

  it("on SIGTERM stops claiming, hands back what outlives the grace period, and exits 0", {
    skip:
      backend === "pglite" &&
      "the embedded database belongs to one process: the test cannot watch it while the worker runs",
  }, async (t) => {
    const testDb = await createTestDatabase(t);
    const deps = await testDeps(testDb.db);
    // Four long tasks first (most urgent), then short ones for the two slots left.
    const long = await enqueueTasks(
      deps,
      Array.from({ length: 4 }, () => ({ kind: "sleep", payload: { ms: 60_000 }, urgency: 10 })),
    );
    const short = await enqueueTasks(
      deps,
      Array.from({ length: 10 }, () => ({ kind: "sleep", payload: { ms: 20 }, urgency: 0 })),
    );
    const cwd = configFolder({ shutdownGraceMs: 500, pollMs: 50, heartbeatMs: 200 });
    const worker = spawnCli(t, ["worker", "--concurrency", "6", "--kinds", "sleep"], {
      cwd,
      env: { STEWARD_DATABASE_URL: testDb.url },
    });
    await worker.waitForOutput(/^Worker \S+ started: concurrency 6, kinds sleep\./);

    const count = async (status: string, ids: number[]) =>
      (
        await testDb.db.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM execution_tasks WHERE status = $1 AND id = ANY($2::bigint[])",
          [status, ids],
        )
      ).rows[0]!.n;
    const longIds = long.map((task) => task.id);
    const shortIds = short.map((task) => task.id);
    await waitFor(
      async () => (await count("running", longIds)) === 4 && (await count("succeeded", shortIds)) === 10,
      {
        timeoutMs: 20_000,
        what: "the long tasks running and the short ones done",
      },
    );

    worker.child.kill("SIGTERM");
    assert.equal(await exitWithin(worker, 15_000), 0, worker.stderr());
    assert.match(worker.stdout(), /\nSIGTERM: stopping/);
    assert.match(
      worker.stdout(),
      /stopped: 14 attempts run: 10 succeeded, 0 failed, 4 handed back to the queue\.\n$/,
    );

    const { rows } = await testDb.db.query<{ id: number; status: string; outcomes: string[] }>(
      `SELECT t.id, t.status, array_agg(a.outcome ORDER BY a.attempt) AS outcomes
           FROM execution_tasks t JOIN task_attempts a ON a.task_id = t.id GROUP BY t.id, t.status ORDER BY t.id`,
    );
    assert.deepEqual(
      rows.map((r) => [r.id, r.status, r.outcomes]),
      [
        ...longIds.map((id) => [id, "queued", ["released"]]),
        ...shortIds.map((id) => [id, "succeeded", ["succeeded"]]),
      ],
      "no task is left running: the long ones are queued again, their attempt recorded as released",
    );
  });
});
