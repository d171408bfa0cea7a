import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { enqueueTasks } from "../../src/tasks/enqueue-tasks.ts";
import { queueDepth } from "../../src/tasks/query-tasks.ts";
import { WorkerPool } from "../../src/workers/worker-pool.ts";
import { runCli } from "../support/run-cli.ts";
import { oneSimWriter } from "../support/sim-models.ts";
import { testDeps } from "../support/steward-deps.ts";
import { tempFolder } from "../support/temp-folder.ts";
import { backend, createTestDatabase } from "../support/test-database.ts";
import { waitFor } from "../support/wait-for.ts";

describe(`steward stats on ${backend}`, () => {
  it("prints the window's measures as a table by stage or model, and as JSON; refuses unknown names", async (t) => {
    const config = oneSimWriter();
    const testDb = await createTestDatabase(t, { onDisk: true });
    const deps = await testDeps(testDb.db, { config });
    await enqueueTasks(deps, [
      ...Array.from({ length: 4 }, () => ({ kind: "noop", stage: "Implement Ideas" })),
      { kind: "llm", stage: "Self-Improvement", payload: { prompt: "Improve it" } },
    ]);
    const pool = new WorkerPool(deps, { pollMs: 20 });
    await pool.start();
    await waitFor(async () => (await queueDepth(deps.db, { live: true })).length === 0, {
      what: "every task to finish",
    });
    await pool.stop();
    // Two alerts as the workers' alert step records them: one open, one that flapped and resolved.
    await deps.db.query(
      `INSERT INTO telemetry_alerts (indicator, scope, scope_key, detector, status, changed_at, before_value,
                                     after_value, latest_value, message, resolved_at, reopened)
       VALUES ('duration', '{"stage":"Implement Ideas"}', 'stage=Implement Ideas', 'cusum', 'open',
               now() - interval '10 minutes', 100, 400, 410, 'duration of stage Implement Ideas rose from 100 to 400', NULL, 0),
              ('error_rate', '{"kind":"llm"}', 'kind=llm', 'cusum', 'resolved',
               now() - interval '20 minutes', 0.01, 0.2, 0.01, 'error rate of kind llm rose from 0.01 to 0.2',
               now() - interval '1 minute', 2)`,
    );
    if (backend === "pglite") await testDb.db.close();

    const cwd = tempFolder("stats");
    writeFileSync(path.join(cwd, "steward.config.json"), JSON.stringify(config));
    const env = { STEWARD_DATABASE_URL: testDb.url };

    const table = await runCli(["stats", "--by", "stage"], { cwd, env });
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^From \S+ to \S+ \(minute rollups\)\n/);
    assert.match(
      table.stdout,
      /\nstage\s+attempts\s+succeeded\s+success\s+retries\s+per min\s+avg\s+p50\s+p95\s+p99/,
    );
    assert.match(table.stdout, /\nImplement Ideas\s+4\s+4\s+100\.0%\s+0\.0%/);
    assert.match(table.stdout, /\nSelf-Improvement\s+1\s+1\s+100\.0%/);

    const json = await runCli(["stats", "--by", "model", "--since", "30d", "--json"], { cwd, env });
    assert.equal(json.code, 0, json.stderr);
    const answer = JSON.parse(json.stdout) as {
      window: { grain: string };
      rows: { group: string | null; attempts: number; outputTokens: number; costUsd: number }[];
    };
    assert.equal(answer.window.grain, "day");
    const byModel = Object.fromEntries(answer.rows.map((r) => [r.group ?? "none", r]));
    assert.equal(byModel.none?.attempts, 4);
    const [model] = Object.keys(byModel).filter((m) => m !== "none");
    assert.ok(model, "the llm task's model has a row");
    assert.ok(byModel[model]!.outputTokens > 0, "with its tokens");

    const alerts = await runCli(["alerts"], { cwd, env });
    assert.equal(alerts.code, 0, alerts.stderr);
    assert.match(alerts.stdout, /\n\s*\d+\s+open\s+duration\s+stage Implement Ideas\s/);
    assert.match(
      alerts.stdout,
      /\n\s*\d+\s+resolved \d\d-\d\d \d\d:\d\d \(reopened 2×\)\s+error_rate\s+kind llm\s/,
    );
    const open = await runCli(["alerts", "--open", "--json"], { cwd, env });
    assert.equal(open.code, 0, open.stderr);
    const listed = JSON.parse(open.stdout) as { indicator: string; reopened: number }[];
    assert.deepEqual(
      listed.map((a) => [a.indicator, a.reopened]),
      [["duration", 0]],
    );

    const unknown = await runCli(["stats", "--kind", "nope"], { cwd, env });
    assert.equal(unknown.code, 3, unknown.stderr);
    assert.match(unknown.stderr, /kind "nope" was ever counted; counted: (llm, noop|noop, llm)/);
    const badWindow = await runCli(["stats", "--since", "soon"], { cwd, env });
    assert.equal(badWindow.code, 3, badWindow.stderr);
    assert.match(badWindow.stderr, /since "soon" is not a window/);
  });
});
