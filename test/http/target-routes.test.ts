import assert from "node:assert/strict";
import { test } from "node:test";
import { buildServer } from "../../src/http/build-server.ts";
import { enqueueTasks } from "../../src/tasks/enqueue-tasks.ts";
import { queueDepth } from "../../src/tasks/query-tasks.ts";
import { evaluateTargets } from "../../src/telemetry/targets.ts";
import { WorkerPool } from "../../src/workers/worker-pool.ts";
import { testDeps } from "../support/steward-deps.ts";
import { backend, createTestDatabase } from "../support/test-database.ts";
import { waitFor } from "../support/wait-for.ts";

interface Check {
  stage: string | null;
  measure: string;
  status: string;
  observed: number | null;
  target: number;
}

test(`GET /api/stats holds the measures against the targets; GET /api/targets/breaches lists what was recorded (${backend})`, async (t) => {
  const { db } = await createTestDatabase(t);
  const deps = await testDeps(db, {
    config: {
      telemetry: {
        targets: [
          { stage: "Implement Ideas", avgDurationMs: 0.001, successRate: 0.5 },
          { stage: "Never Ran", p95DurationMs: 1_000 },
        ],
      },
    },
  });
  await enqueueTasks(deps, [
    { kind: "noop", stage: "Implement Ideas" },
    { kind: "noop", stage: "Implement Ideas" },
  ]);
  const pool = new WorkerPool(deps, { pollMs: 20 });
  await pool.start();
  await waitFor(async () => (await queueDepth(db, { live: true })).length === 0, {
    what: "both tasks to finish",
  });
  await pool.stop();
  const app = await buildServer(deps);
  t.after(() => app.close());

  const stats = await app.inject({ method: "GET", url: "/api/stats?since=5m" });
  assert.equal(stats.statusCode, 200, stats.body);
  const { targets } = stats.json() as { targets: Check[] };
  assert.deepEqual(
    targets.map((c) => [c.stage, c.measure, c.status]),
    [
      ["Implement Ideas", "avgDurationMs", "breached"],
      ["Implement Ideas", "successRate", "met"],
      ["Never Ran", "p95DurationMs", "no_data"],
    ],
  );
  const byStage = await app.inject({ method: "GET", url: "/api/stats?stage=Implement%20Ideas&by=stage" });
  assert.deepEqual(
    (byStage.json() as { targets: Check[] }).targets.map((c) => c.stage),
    ["Implement Ideas", "Implement Ideas"],
    "only the targets of the stages asked about",
  );

  const none = await app.inject({ method: "GET", url: "/api/targets/breaches" });
  assert.deepEqual(none.json(), { breaches: [] });
  await evaluateTargets(db, deps.config.telemetry.targets, deps.clock);
  const open = await app.inject({ method: "GET", url: "/api/targets/breaches?open=true&since=1h" });
  assert.equal(open.statusCode, 200, open.body);
  const { breaches } = open.json() as { breaches: { measure: string; sentence: string; resolvedAt: null }[] };
  assert.equal(breaches.length, 1);
  assert.equal(breaches[0]!.measure, "avgDurationMs");
  assert.match(
    breaches[0]!.sentence,
    /^Implement Ideas: average .+ against a target of 0\.001 ms over the last hour, 2 attempts$/,
  );
  const resolved = await app.inject({ method: "GET", url: "/api/targets/breaches?open=false" });
  assert.deepEqual(resolved.json(), { breaches: [] });

  const cases: [string, RegExp][] = [
    ["/api/targets/breaches?open=maybe", /open: must be true or false/],
    ["/api/targets/breaches?since=soon", /since "soon" is not a window/],
    ["/api/targets/breaches?limit=0", /limit/],
    ["/api/targets/breaches?colour=red", /colour|Unrecognized/i],
  ];
  for (const [url, message] of cases) {
    const response = await app.inject({ method: "GET", url });
    assert.equal(response.statusCode, 400, `${url}: ${response.body}`);
    const { error } = response.json() as { error: { code: string; message: string } };
    assert.equal(error.code, "validation_failed", url);
    assert.match(error.message, message, url);
  }
});
