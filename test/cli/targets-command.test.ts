import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { enqueueTasks } from "../../src/tasks/enqueue-tasks.ts";
import { queueDepth } from "../../src/tasks/query-tasks.ts";
import { evaluateTargets } from "../../src/telemetry/targets.ts";
import { WorkerPool } from "../../src/workers/worker-pool.ts";
import { runCli } from "../support/run-cli.ts";
import { testDeps } from "../support/steward-deps.ts";
import { tempFolder } from "../support/temp-folder.ts";
import { backend, createTestDatabase } from "../support/test-database.ts";
import { waitFor } from "../support/wait-for.ts";

describe(`steward stats beside the targets, and steward targets, on ${backend}`, () => {
  it("shows each measure beside its target, in the table and in JSON, and lists the recorded breaches", async (t) => {
    const config = {
      telemetry: {
        targets: [
          { stage: "Implement Ideas", avgDurationMs: 0.001, successRate: 0.5 },
          { kind: "sleep", p95DurationMs: 60_000 },
        ],
      },
    };
    const testDb = await createTestDatabase(t, { onDisk: true });
    const deps = await testDeps(testDb.db, { config });
    await enqueueTasks(
      deps,
      Array.from({ length: 3 }, () => ({ kind: "noop", stage: "Implement Ideas" })),
    );
    const pool = new WorkerPool(deps, { pollMs: 20 });
    await pool.start();
    await waitFor(async () => (await queueDepth(deps.db, { live: true })).length === 0, {
      what: "every task to finish",
    });
    await pool.stop();
    await evaluateTargets(deps.db, deps.config.telemetry.targets, deps.clock);
    if (backend === "pglite") await testDb.db.close();

    const cwd = tempFolder("targets");
    writeFileSync(path.join(cwd, "steward.config.json"), JSON.stringify(config));
    const env = { STEWARD_DATABASE_URL: testDb.url };

    const table = await runCli(["stats", "--by", "stage"], { cwd, env });
    assert.equal(table.code, 0, table.stderr);
    assert.match(
      table.stdout,
      /\nTargets over this window:\nstage\s+kind\s+measure\s+observed\s+target\s+attempts\n/,
    );
    assert.match(table.stdout, /\nImplement Ideas\s+any\s+avgDurationMs\s+\S+ m?s\s+≤ 0\.001 ms\s+✗\s+3\n/);
    assert.match(table.stdout, /\nImplement Ideas\s+any\s+successRate\s+100 %\s+≥ 50 %\s+✓\s+3\n/);
    assert.match(table.stdout, /\nany\s+sleep\s+p95DurationMs\s+≤ 60 s\s+no data\s+0\n/);

    const json = await runCli(["stats", "--json"], { cwd, env });
    assert.equal(json.code, 0, json.stderr);
    const answer = JSON.parse(json.stdout) as {
      targets: { measure: string; status: string; target: number }[];
    };
    assert.deepEqual(
      answer.targets.map((c) => [c.measure, c.status, c.target]),
      [
        ["avgDurationMs", "breached", 0.001],
        ["successRate", "met", 0.5],
        ["p95DurationMs", "no_data", 60_000],
      ],
    );

    const breaches = await runCli(["targets"], { cwd, env });
    assert.equal(breaches.code, 0, breaches.stderr);
    assert.match(
      breaches.stdout,
      /^id\s+state\s+opened\s+lasted\s+stage\s+kind\s+window\s+measure\s+observed\s+target\s+worst\s+attempts\n/,
    );
    assert.match(
      breaches.stdout,
      /\n\s*1\s+open\s+\S+ \S+\s+0 ms\s+Implement Ideas\s+any\s+1h\s+avgDurationMs\s+.+\s+0\.001 ms\s+.+\s+3\n$/,
    );
    const open = await runCli(["targets", "--open", "--since", "1d", "--json"], { cwd, env });
    assert.equal(open.code, 0, open.stderr);
    const [breach] = (JSON.parse(open.stdout) as { breaches: { sentence: string }[] }).breaches;
    assert.match(
      breach!.sentence,
      /^Implement Ideas: average .+ against a target of 0\.001 ms over the last hour, 3 attempts$/,
    );
    const resolved = await runCli(["targets", "--since", "2000-01-01"], { cwd, env });
    assert.equal(resolved.code, 0, resolved.stderr);
    assert.match(resolved.stdout, /\n\s*1\s+open\s/, "an open breach lasts into any window");
    const bad = await runCli(["targets", "--since", "soon"], { cwd, env });
    assert.equal(bad.code, 3, bad.stderr);
    assert.match(bad.stderr, /since "soon" is not a window/);
  });
});
