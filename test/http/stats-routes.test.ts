import assert from "node:assert/strict";
import { test } from "node:test";
import { buildServer } from "../../src/http/build-server.ts";
import { enqueueTasks } from "../../src/tasks/enqueue-tasks.ts";
import { queueDepth } from "../../src/tasks/query-tasks.ts";
import { WorkerPool } from "../../src/workers/worker-pool.ts";
import { testDeps } from "../support/steward-deps.ts";
import { createTestDatabase } from "../support/test-database.ts";
import { waitFor } from "../support/wait-for.ts";

test("GET /api/stats answers the measures, and a bad query is a 400 that names what is wrong", async (t) => {
  const { db } = await createTestDatabase(t);
  const deps = await testDeps(db);
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

  const ok = await app.inject({ method: "GET", url: "/api/stats?since=5m&by=stage" });
  assert.equal(ok.statusCode, 200, ok.body);
  const answer = ok.json() as { window: { grain: string }; rows: { group: string; succeeded: number }[] };
  assert.equal(answer.window.grain, "minute");
  assert.deepEqual(
    answer.rows.map((r) => [r.group, r.succeeded]),
    [["Implement Ideas", 2]],
  );

  const cases: [string, RegExp][] = [
    ["/api/stats?by=colour", /by/],
    ["/api/stats?since=yesterday", /since "yesterday" is not a window/],
    ["/api/stats?stage=Nope", /stage "Nope" was ever counted; counted: Implement Ideas/],
    ["/api/stats?limit=3", /limit|unrecognized|Unrecognized/],
    ["/api/stats?since=%00", /since|NUL|null/i],
  ];
  for (const [url, message] of cases) {
    const response = await app.inject({ method: "GET", url });
    assert.equal(response.statusCode, 400, `${url}: ${response.body}`);
    const { error } = response.json() as { error: { code: string; message: string } };
    assert.equal(error.code, "validation_failed", url);
    assert.match(error.message, message, url);
  }
  const indicators = await app.inject({
    method: "GET",
    url: "/api/indicators?since=1h&indicator=duration,error_rate",
  });
  assert.equal(indicators.statusCode, 200, indicators.body);
  const { series } = indicators.json() as {
    series: { indicator: string; scope: { stage?: string }; points: unknown[] }[];
  };
  assert.deepEqual(series.map((s) => [s.indicator, s.scope.stage]).sort(), [
    ["duration", "Implement Ideas"],
    ["error_rate", "Implement Ideas"],
  ]);
  assert.ok(
    series.every((s) => s.points.length === 1),
    "one minute of attempts, one point",
  );
  const alerts = await app.inject({ method: "GET", url: "/api/alerts?open=true" });
  assert.equal(alerts.statusCode, 200, alerts.body);
  assert.deepEqual(alerts.json(), { alerts: [] });
  for (const url of ["/api/alerts?open=maybe", "/api/indicators?indicator=mood", "/api/alerts?limit=0"]) {
    const response = await app.inject({ method: "GET", url });
    assert.equal(response.statusCode, 400, `${url}: ${response.body}`);
  }

  const post = await app.inject({ method: "POST", url: "/api/stats", payload: {} });
  assert.equal(post.statusCode, 405, post.body);
});
