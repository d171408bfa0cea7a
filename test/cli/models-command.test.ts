import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import type { ConfigInput } from "../../src/config/config-schema.ts";
import { enqueueTasks } from "../../src/tasks/enqueue-tasks.ts";
import { getTask } from "../../src/tasks/query-tasks.ts";
import { WorkerPool } from "../../src/workers/worker-pool.ts";
import { runCli } from "../support/run-cli.ts";
import { testDeps } from "../support/steward-deps.ts";
import { tempFolder } from "../support/temp-folder.ts";
import { backend, createTestDatabase } from "../support/test-database.ts";
import { waitFor } from "../support/wait-for.ts";

const sim = { baseLatencyMs: 5, perOutputTokenMs: 0, jitter: 0, outputTokens: 40, seed: 3 };
const modelsConfig: ConfigInput = {
  providers: [{ id: "sim", type: "sim" }],
  models: [
    {
      id: "quick",
      provider: "sim",
      model: "quick",
      capabilities: { writing: 4 },
      price: { inputPerMTok: 1, outputPerMTok: 2 },
      concurrency: 3,
      requestsPerMinute: 100,
      sim,
    },
    {
      id: "careful",
      provider: "sim",
      model: "careful",
      capabilities: { writing: 9, code: 8 },
      price: { inputPerMTok: 10, outputPerMTok: 30 },
      dailyBudgetUsd: 5,
      sim,
    },
  ],
};

describe(`steward models and task explain on ${backend}`, () => {
  it("list the models with their live state, and explain why a task's model was chosen", async (t) => {
    const testDb = await createTestDatabase(t, { onDisk: true });
    const deps = await testDeps(testDb.db, { config: modelsConfig });
    const [task] = await enqueueTasks(deps, [
      { kind: "llm", capabilities: ["code"], payload: { prompt: "Fix it" } },
    ]);
    const pool = new WorkerPool(deps, { pollMs: 20 });
    await pool.start();
    await waitFor(async () => (await getTask(deps.db, task!.id))?.status === "succeeded", {
      what: "the llm task to succeed",
    });
    await pool.stop();
    // The embedded database belongs to one process: let the CLI have it.
    if (backend === "pglite") await testDb.db.close();

    const cwd = tempFolder("models");
    writeFileSync(path.join(cwd, "steward.config.json"), JSON.stringify(modelsConfig));
    const env = { STEWARD_DATABASE_URL: testDb.url };

    const table = await runCli(["models"], { cwd, env });
    assert.equal(table.code, 0, table.stderr);
    const lines = table.stdout.split("\n");
    assert.match(lines[0]!, /^model\s+provider\s+state\s+running\s+req\/min\s+tok\/min\s+today\s+month/);
    assert.match(
      table.stdout,
      /\ncareful\s+sim \(sim\)\s+available\s+0\/4\s+1\/∞\s+\d+\/∞\s+\$0\.\d{4} of \$5\.0000/,
    );
    assert.match(table.stdout, /\nquick\s+sim \(sim\)\s+available\s+0\/3\s+0\/100/);
    assert.match(table.stdout, /quick, careful: simulated \(provider type sim\)/);
    assert.match(table.stdout, /`steward models curves` shows the success/);

    // What the scheduler learned: careful succeeded once on code at gap 8 − 5 = 3; quick has
    // done nothing, and shows the prior at its declared level.
    const curves = await runCli(["models", "curves"], { cwd, env });
    assert.equal(curves.code, 0, curves.stderr);
    assert.match(
      curves.stdout,
      /^model\s+capability\s+level\s+at level\s+prior\s+slope\s+prior slope\s+attempts\s+succeeded$/m,
    );
    assert.match(curves.stdout, /\nquick\s+writing\s+4\s+—\s+79%\s+—\s+0\.90\s+0\s+0\n/);
    assert.match(curves.stdout, /\ncareful\s+code\s+8\s+\d+%\s+79%\s+\d\.\d\d\s+0\.90\s+1\s+1\n/);
    assert.match(curves.stdout, /quick: nothing learned yet; the prior from the declared levels/);
    // One kind on one capability: nothing to correct it against.
    assert.match(curves.stdout, /Kind corrections .*\n {2}none yet/);
    const curvesJson = await runCli(["models", "curves", "--json"], { cwd, env });
    const learned = JSON.parse(curvesJson.stdout) as {
      models: { id: string; successCurves: { capability: string; points: unknown[] }[] }[];
    };
    assert.deepEqual(
      learned.models.map((m) => [m.id, m.successCurves.map((c) => [c.capability, c.points])]),
      [
        ["quick", []],
        ["careful", [["code", [{ gap: 3, attempts: 1, successes: 1 }]]]],
      ],
    );

    const json = await runCli(["models", "--json"], { cwd, env });
    const status = JSON.parse(json.stdout) as { models: { id: string; lastHour: { calls: number } }[] };
    assert.deepEqual(
      status.models.map((m) => [m.id, m.lastHour.calls]),
      [
        ["quick", 0],
        ["careful", 1],
      ],
    );

    const explain = await runCli(["task", "explain", String(task!.id)], { cwd, env });
    assert.equal(explain.code, 0, explain.stderr);
    assert.match(explain.stdout, /Latest assignment, [\d.hms]+ ago \(.*\): careful\n/);
    // The reasons are the scheduler's at that moment, and the output says so.
    assert.match(explain.stdout, /excluded then \([\d.]+(ms|s) ago\) because/);
    assert.match(explain.stdout, /as they were then; `steward models` shows each model's state now/);
    assert.match(
      explain.stdout,
      /^model\s+expected cost\s+price\s+lateness\s+success\s+curve\s+excluded then/m,
    );
    // The chosen model is marked, with its expected cost, its parts, its success and the curve
    // it came from: nothing learned before this task, so the prior's (σ(1.35 + 0.9·gap)).
    assert.match(
      explain.stdout,
      /\ncareful ←\s+\$0\.\d+\s+\$0\.\d+\s+(\$0\.\d+|≈?\$0)\s+9\d%\s+code σ\(1\.4 \+ 0\.9·gap\)\n/,
    );
    assert.match(explain.stdout, /\nquick\s+—.*capabilit/, "quick has no code: excluded, and why");
    assert.match(explain.stdout, /Expected cost = price .* \+ lateness/);
    assert.match(explain.stdout, /Attempts\n {2}#1 {2}careful {2}succeeded: /);
  });
});
