import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { SystemStatus } from "../../src/app/system-status.ts";
import { enqueueTasks } from "../../src/tasks/enqueue-tasks.ts";
import { WorkerPool } from "../../src/workers/worker-pool.ts";
import { runCli } from "../support/run-cli.ts";
import { oneSimWriter } from "../support/sim-models.ts";
import { testDeps } from "../support/steward-deps.ts";
import { backend, createTestDatabase } from "../support/test-database.ts";
import { waitFor } from "../support/wait-for.ts";

/**
 * `steward status` says how many tasks wait and why. The scenario: two ready noops, a delayed one
 * and one blocked on it, and two llm tasks that a worker with no models claimed and handed back.
 * Then the database is handed to the CLI (PGlite: one process at a time).
 */
describe(`steward status on ${backend}`, () => {
  it("shows the waiting tasks by reason, kind and the scheduler's words, as text and as JSON", async (t) => {
    const testDb = await createTestDatabase(t, { onDisk: true });
    const withModel = await testDeps(testDb.db, {
      config: {
        ...oneSimWriter(),
      },
    });
    const [delayed] = await enqueueTasks(withModel, [{ kind: "noop", delayMs: 3_600_000 }]);
    await enqueueTasks(withModel, [
      { kind: "noop" },
      { kind: "noop" },
      { kind: "noop", dependsOn: [delayed!.id] },
      ...[1, 2].map((i) => ({ kind: "llm", capabilities: ["writing"], payload: { prompt: `say ${i}` } })),
    ]);
    const noModels = await testDeps(testDb.db, { migrate: false });
    const pool = new WorkerPool(noModels, { kinds: ["llm"], concurrency: 4, pollMs: 20 });
    await pool.start();
    await waitFor(
      async () => {
        const { rows } = await testDb.db.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM execution_tasks WHERE kind = 'llm' AND status = 'queued' AND assignment IS NOT NULL",
        );
        return rows[0]!.n === 2;
      },
      { what: "the llm tasks handed back" },
    );
    await pool.stop();
    await testDb.db.close();
    const env = { STEWARD_DATABASE_URL: testDb.url };

    const text = await runCli(["status"], { env });
    assert.equal(text.code, 0, text.stderr);
    const waiting = text.stdout.slice(text.stdout.indexOf("Waiting"));
    assert.match(waiting, /^Waiting {5}6 tasks\n/);
    assert.match(waiting, /\n {2}ready, waiting for a worker +2 {2}noop 2\n/);
    assert.match(waiting, /\n {2}delayed \(run later\) +1 {2}noop 1; first due \d{4}-\d\d-\d\dT/);
    assert.match(waiting, /\n {2}blocked on dependencies +1 {2}noop 1\n/);
    assert.match(
      waiting,
      /\n {2}no model can take them +2\n {6}llm 2: no configured model can take them \(no model is configured\)\n?$/,
    );

    const json = await runCli(["status", "--json"], { env });
    assert.equal(json.code, 0, json.stderr);
    const status = JSON.parse(json.stdout) as SystemStatus;
    assert.equal(status.waiting?.total, 6);
    assert.deepEqual(status.waiting?.byReason, {
      ready: 2,
      delayed: 1,
      retrying: 0,
      blocked: 1,
      gated: 0,
      paused: 0,
      no_model: 2,
    });
    const noModel = status.waiting?.groups.find((g) => g.reason === "no_model");
    assert.deepEqual(
      [noModel?.kind, noModel?.count, noModel?.cause, noModel?.explanation],
      ["llm", 2, "unavailable", "no model is configured"],
    );
  });
});
