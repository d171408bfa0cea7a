import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import type { Page } from "playwright-core";
import { systemClock } from "../../src/clock.ts";
import type { Queryable } from "../../src/db/database.ts";
import { enqueueTasks } from "../../src/tasks/enqueue-tasks.ts";
import type { TaskKind } from "../../src/tasks/task-kinds.ts";
import type { AlertDigest } from "../../src/telemetry/alert-digest.ts";
import { alertSettingsSchema, evaluateAlerts } from "../../src/telemetry/alerts.ts";
import { oneSimWriter } from "../support/sim-models.ts";
import { waitFor } from "../support/wait-for.ts";
import { openDashboard } from "./dashboard-fixture.ts";
import { assertNoCardOverflows } from "./layout.ts";

/**
 * The Operations page in a real browser, against the real server: after a worker pool has
 * finished some attempts, its uPlot charts draw (throughput, queue depth, stage durations with
 * their target, model utilisation); an alert on trend change raised behind its back appears
 * without a reload, with its own chart.
 */

// The page polls the telemetry every 5 s: a few refreshes is ample.
const visibleWithinMs = 20_000;
const minute = 60_000;
const stage = "Implement Ideas";

/** A stage whose attempts take a few milliseconds. */
const implement: TaskKind = {
  name: "implement",
  description: "implements an idea, quickly",
  defaults: { stage },
  async run() {
    await new Promise((resolve) => setTimeout(resolve, 5));
    return { done: true };
  },
};

/**
 * Minute rollups of another stage whose duration quadrupled 15 minutes ago: what CUSUM flags
 * (as in test/telemetry/alerts.test.ts).
 */
async function slowedStageRollups(db: Queryable, end: Date): Promise<void> {
  const durations = Array.from({ length: 75 }, (_, i) => (i < 60 ? 100 : 400) + (i % 3) * 2);
  const last = Math.floor(end.getTime() / minute) * minute - minute;
  const rows = durations.map((ms, i) => [
    new Date(last - (durations.length - 1 - i) * minute).toISOString(),
    ms,
  ]);
  await db.query(
    `INSERT INTO task_rollups (grain, bucket_start, stage, kind, model, shard, attempts, succeeded, failed, timed_out,
                               cancelled, lease_lost, released, retries, tasks_failed, deadline_misses, unverified,
                               duration_ms, queue_wait_ms, input_tokens, output_tokens, cost_usd, duration_hist, queue_wait_hist)
     SELECT 'minute', (r ->> 0)::timestamptz, 'Self-Improvement', 'noop', '', 0, 10, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            10 * (r ->> 1)::float8, 10, 0, 0, 0, '{10}', '{10}'
       FROM jsonb_array_elements($1::jsonb) r`,
    [JSON.stringify(rows)],
  );
}

/** Reads GET /api/events until an `alerts` event that `accept` takes, and returns its data. */
async function nextAlertsEvent(url: string, accept: (digest: AlertDigest) => boolean): Promise<AlertDigest> {
  const controller = new AbortController();
  const response = await fetch(`${url}/api/events`, { signal: controller.signal });
  const decoder = new TextDecoder();
  let buffer = "";
  try {
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = /^data: (.*)$/m.exec(frame)?.[1];
        if (/^event: alerts$/m.test(frame) && data !== undefined) {
          const digest = JSON.parse(data) as AlertDigest;
          if (accept(digest)) return digest;
        }
      }
    }
    throw new Error("the event stream ended without the alerts event awaited");
  } finally {
    controller.abort();
  }
}

/** The size of each uPlot canvas inside a chart card. */
async function canvasSizes(page: Page, testId: string): Promise<{ width: number; height: number }[]> {
  return page
    .getByTestId(testId)
    .locator("canvas")
    .evaluateAll((canvases) =>
      canvases.map((c) => ({
        width: c.getBoundingClientRect().width,
        height: c.getBoundingClientRect().height,
      })),
    );
}

async function assertChartDrawn(page: Page, testId: string): Promise<void> {
  await page.getByTestId(testId).locator(".uplot canvas").first().waitFor({ timeout: visibleWithinMs });
  const sizes = await canvasSizes(page, testId);
  assert.ok(sizes.length > 0, `${testId}: a canvas`);
  for (const size of sizes)
    assert.ok(size.width > 100 && size.height > 50, `${testId}: ${JSON.stringify(size)}`);
}

test("the Operations page draws its charts, then shows an alert raised behind its back", {
  timeout: 180_000,
}, async (t) => {
  const { db, deps, url, page, pageErrors, shots, startPool } = await openDashboard(t, {
    config: {
      ...oneSimWriter({ concurrency: 4 }),
      telemetry: { targets: [{ stage, avgDurationMs: 200 }] },
    },
    prepare: (deps) => deps.kinds.register(implement),
    viewport: { width: 1400, height: 900 },
  });
  await startPool({ kinds: ["implement"], concurrency: 2, pollMs: 20 });
  await enqueueTasks(
    deps,
    Array.from({ length: 12 }, () => ({ kind: "implement" })),
  );
  await waitFor(
    async () => {
      const answer = (await (await fetch(`${url}/api/stats?since=5m`)).json()) as {
        rows: { succeeded: number }[];
      };
      return (answer.rows[0]?.succeeded ?? 0) >= 12;
    },
    { what: "twelve attempts succeeded", timeoutMs: 30_000 },
  );

  await page.goto(`${url}/#/operations`);
  await page.getByTestId("nav-operations").and(page.locator('[aria-current="page"]')).waitFor();
  for (const chart of [
    "chart-throughput",
    "chart-queue-depth",
    "chart-duration",
    "chart-queue-wait",
    "chart-utilisation",
  ])
    await assertChartDrawn(page, chart);
  // The stage's line is there, and its target is named in the legend's unit line.
  assert.match((await page.getByTestId("chart-duration").textContent()) ?? "", /Implement Ideas/);
  // No cost (the model is free) and no answers checked: said so, not an empty chart.
  assert.match(
    (await page.getByTestId("chart-cost").getByTestId("chart-empty").textContent()) ?? "",
    /will appear/,
  );
  await page.getByTestId("alerts-empty").waitFor();
  assert.equal(await page.getByTestId("alerts-open-count").textContent(), "0 open");

  // A stage slows down elsewhere; the workers' alert step would find it: the page shows it by itself.
  await slowedStageRollups(db, new Date());
  assert.deepEqual(await evaluateAlerts(db, alertSettingsSchema.parse({}), systemClock), {
    opened: 1,
    updated: 0,
    resolved: 0,
    reopened: 0,
  });
  // The event stream says so, which is what makes the page fetch the alerts at once.
  assert.deepEqual(await nextAlertsEvent(url, (digest) => digest.open === 1), {
    open: 1,
    newestId: 1,
    changedAt: (
      await db.query<{ at: Date }>("SELECT last_seen_at AS at FROM telemetry_alerts")
    ).rows[0]!.at.toISOString(),
  });
  const card = page.locator('[data-testid="alert-card"][data-status="open"]');
  await card.waitFor({ timeout: visibleWithinMs });
  assert.match(
    (await card.getByTestId("alert-message").textContent()) ?? "",
    /duration of stage Self-Improvement rose/,
  );
  await card.getByTestId("alert-chart").locator("canvas").first().waitFor({ timeout: visibleWithinMs });
  const alertCanvas = await card.getByTestId("alert-chart").locator("canvas").first().boundingBox();
  assert.ok(
    alertCanvas !== null && alertCanvas.width > 100 && alertCanvas.height > 50,
    "the alert's chart draws",
  );
  assert.equal(await page.getByTestId("alerts-open-count").textContent(), "1 open");

  await assertNoCardOverflows(page, "operations");
  await page.screenshot({ path: path.join(shots, "operations.png"), fullPage: true });
  assert.deepEqual(pageErrors, []);
});
