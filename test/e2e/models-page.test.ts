import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import type { Page } from "playwright-core";
import type { ConfigInput } from "../../src/config/config-schema.ts";
import type { Database } from "../../src/db/database.ts";
import { startCooldown } from "../../src/models/model-assignment.ts";
import type { EnqueuedTask } from "../../src/tasks/enqueue-tasks.ts";
import type { AssignmentView } from "../../src/tasks/task.ts";
import { openDashboard } from "./dashboard-fixture.ts";
import { checkLearnedSuccess, smartCounts } from "./learned-success-check.ts";

/**
 * The Models page and a task's model assignment in a real browser, against the real server:
 * two simulated models show with their state, limits and what was learned (per kind, and the
 * success curves); a cooldown started behind the page's back appears with its reason within a few
 * refreshes; a task's page explains the scheduler's choice. No worker runs: the state the pages
 * show is written directly.
 */

// The Models page refreshes every 2 s: a few refreshes is ample.
const visibleWithinMs = 15_000;

const price = { inputPerMTok: 1, outputPerMTok: 2 };

/** A fast model without rate limits or budgets, and a strong one with all of them. */
const twoSimModels: ConfigInput = {
  providers: [{ id: "sim", type: "sim" }],
  models: [
    { id: "sim-fast", provider: "sim", model: "fast", price, concurrency: 2, capabilities: { writing: 5 } },
    {
      id: "sim-smart",
      provider: "sim",
      model: "smart",
      price,
      concurrency: 4,
      requestsPerMinute: 60,
      tokensPerMinute: 200_000,
      dailyBudgetUsd: 5,
      monthlyBudgetUsd: 50,
      capabilities: { code: 8, reasoning: 7 },
    },
  ],
};

/** What the scheduler expected of a model on a task, as it stores it beside the score. */
function estimates(successProbability: number, capability: string, costUsd: number, latenessUsd: number) {
  return {
    successProbability,
    priorSuccess: 0.79,
    durationMs: 1_500,
    priorDurationMs: 1_200,
    costUsd,
    tardinessS: latenessUsd * 1_000,
    latenessUsd,
    curve: { capability, offset: 1.6, slope: 1.1, kindLogOdds: -0.4 },
  };
}

/** What the scheduler would have stored after moving a task from sim-smart (failed, then cooling down) to sim-fast. */
function scenarioAssignments(at: Date): { firstAttempt: AssignmentView; latest: AssignmentView } {
  return {
    firstAttempt: {
      at: new Date(at.getTime() - 60_000).toISOString(),
      model: "sim-smart",
      reason: "sim-smart: expected cost $0.0040 vs $0.0090 for sim-fast",
      scores: [
        {
          modelId: "sim-smart",
          score: -0.004,
          factors: { price: -0.0035, lateness: -0.0005 },
          excluded: null,
          estimates: estimates(0.85, "code", 0.0035, 0.0005),
        },
        {
          modelId: "sim-fast",
          score: -0.009,
          factors: { price: -0.006, lateness: -0.003 },
          excluded: null,
          estimates: estimates(0.6, "writing", 0.006, 0.003),
        },
      ],
    },
    latest: {
      at: at.toISOString(),
      model: "sim-fast",
      reason: "sim-fast: expected cost $0.0031 — sim-smart is cooling down",
      scores: [
        {
          modelId: "sim-fast",
          score: -0.0031,
          factors: { price: -0.0025, lateness: -0.0006 },
          excluded: null,
          estimates: estimates(0.82, "writing", 0.0025, 0.0006),
        },
        {
          modelId: "sim-other",
          score: -0.012,
          factors: { price: -0.012, lateness: 0 },
          excluded: null,
          estimates: estimates(0.4, "*", 0.012, 0),
        },
        { modelId: "sim-smart", score: null, factors: {}, excluded: "cooling down: 429 from sim" },
      ],
    },
  };
}

test("the Models page shows simulated models, then a cooldown started behind its back", {
  timeout: 120_000,
}, async (t) => {
  const { db, url, page, pageErrors, shots } = await openDashboard(t, {
    config: twoSimModels,
    async prepare({ db }) {
      // What finished attempts taught the scheduler about sim-smart: its success curves, and on one kind.
      for (const [capability, kind, gap, attempts, successes] of smartCounts)
        await db.query(
          `INSERT INTO model_success_counts (model_id, capability, kind, gap, attempts, successes)
           VALUES ('sim-smart', $1, $2, $3, $4, $5)`,
          [capability, kind, gap, attempts, successes],
        );
      await db.query(
        `INSERT INTO model_kind_stats (model_id, kind, attempts, successes, mean_duration_ms)
         VALUES ('sim-smart', 'summarize', 4, 3, 1500)`,
      );
      // And a call it finished a moment ago, which spent most of its daily budget: the call
      // counts toward the last hour, its attempt (through the rollups) toward the budgets.
      const task = await db.query<{ id: number }>(
        `INSERT INTO execution_tasks (kind, stage, status, payload, ai_model, attempts)
         VALUES ('summarize', 'default', 'succeeded', '{}', 'sim-smart', 1) RETURNING id`,
      );
      const taskId = task.rows[0]!.id;
      await db.query(
        `INSERT INTO task_attempts (task_id, attempt, worker_id, ai_model, outcome, queued_at, started_at, finished_at,
                                    input_tokens, output_tokens, cost_usd)
         VALUES ($1, 1, 'worker-test', 'sim-smart', 'succeeded', now() - interval '3 seconds', now() - interval '2 seconds',
                 now() - interval '1 second', 1000, 500, 4.2)`,
        [taskId],
      );
      await db.query(
        `INSERT INTO model_calls (task_id, attempt, model_id, provider, kind, started_at, finished_at,
                                  input_tokens, output_tokens, cost_usd, outcome)
         VALUES ($1, 1, 'sim-smart', 'sim', 'summarize', now() - interval '2 seconds', now() - interval '1 second',
                 1000, 500, 4.2, 'succeeded')`,
        [taskId],
      );
    },
  });

  await page.goto(`${url}/#/models`);
  const card = (id: string) => page.locator(`[data-testid="model-card"][data-model-id="${id}"]`);
  await card("sim-fast").waitFor({ timeout: visibleWithinMs });
  await card("sim-smart").waitFor({ timeout: visibleWithinMs });
  assert.equal(await page.getByTestId("nav-models").getAttribute("aria-current"), "page");
  assert.equal(await page.getByTestId("model-card").count(), 2);
  for (const id of ["sim-fast", "sim-smart"]) {
    assert.equal(await card(id).getByTestId("model-state").textContent(), "available", id);
    assert.equal(await card(id).getByTestId("model-simulated").textContent(), "simulated", id);
    assert.equal(await card(id).getByTestId("model-cooldown").count(), 0, id);
  }

  // Limits show as bars; a missing one says so.
  const meter = (id: string, name: string) => card(id).getByTestId(`meter-${name}`);
  assert.equal(await meter("sim-fast", "running").getAttribute("data-limited"), "true");
  assert.match((await meter("sim-fast", "running").textContent()) ?? "", /0\s*\/\s*2/);
  for (const name of ["requests", "tokens"]) {
    assert.equal(await meter("sim-fast", name).getAttribute("data-limited"), "false");
    assert.match((await meter("sim-fast", name).textContent()) ?? "", /no limit/);
    assert.equal(await meter("sim-smart", name).getAttribute("data-limited"), "true");
  }
  assert.match((await meter("sim-fast", "spend-today").textContent()) ?? "", /no budget/);
  assert.match((await meter("sim-smart", "spend-month").textContent()) ?? "", /\$4\.20\s*\/\s*\$50\.00/);
  // 84% of the daily budget: a bar that far along, amber.
  const today = meter("sim-smart", "spend-today");
  assert.match((await today.textContent()) ?? "", /\$4\.20\s*\/\s*\$5\.00/);
  assert.equal(await today.locator(".meter-fill").getAttribute("style"), "width: 84%;");
  assert.match((await today.locator(".meter-fill").getAttribute("class")) ?? "", /meter-high/);
  assert.match(
    (await card("sim-smart").getByTestId("model-last-hour").textContent()) ?? "",
    /^1 call, 100% succeeded · p50 1\.0 s ·\s*p95 1\.0 s$/,
  );
  assert.match(
    (await card("sim-smart").getByTestId("model-price").textContent()) ?? "",
    /\$1\.00 in · \$2\.00 out/,
  );

  // What was learned, per kind.
  const learned = card("sim-smart").locator('[data-testid="learned-row"][data-kind="summarize"]');
  assert.deepEqual(await learned.locator("td").allTextContents(), ["summarize", "4", "75%", "1.5 s"]);
  await card("sim-fast").getByTestId("learned-empty").waitFor();

  await checkLearnedSuccess(page);

  // A 429 elsewhere puts sim-smart in cooldown: the page notices by itself.
  await startCooldown(db, "sim-smart", new Date(Date.now() + 120_000), "429 from sim: rate limited");
  await card("sim-smart")
    .and(page.locator('[data-state="cooling down"]'))
    .waitFor({ timeout: visibleWithinMs });
  assert.equal(await card("sim-smart").getByTestId("model-state").textContent(), "cooling down");
  assert.equal(
    await card("sim-smart").getByTestId("model-cooldown-reason").textContent(),
    "429 from sim: rate limited",
  );
  assert.match(
    (await card("sim-smart").getByTestId("model-cooldown-left").textContent()) ?? "",
    /^for (1 min \d+ s|2 min 0 s|\d+ s)$/,
  );
  assert.equal(await card("sim-fast").getByTestId("model-state").textContent(), "available");
  await page.screenshot({ path: path.join(shots, "models.png"), fullPage: true });

  await checkTaskAssignment(page, url, db, path.join(shots, "task-assignment.png"));

  assert.deepEqual(pageErrors, [], "the page logged errors");
});

/**
 * A task's page explains its model assignment. The assignment is written in SQL, as the
 * scheduler would store it, so that no worker is needed; a task without one shows nothing.
 */
async function checkTaskAssignment(page: Page, url: string, db: Database, screenshot: string): Promise<void> {
  const response = await fetch(`${url}/api/tasks`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      tasks: [
        { kind: "noop", ref: "assigned" },
        { kind: "noop", ref: "plain" },
      ],
    }),
  });
  assert.equal(response.status, 201);
  const tasks = ((await response.json()) as { tasks: EnqueuedTask[] }).tasks;
  const byRef = Object.fromEntries(tasks.map((task) => [task.ref, task.id]));
  const assigned = byRef.assigned!;
  const { firstAttempt, latest } = scenarioAssignments(new Date());
  await db.query("UPDATE execution_tasks SET assignment = $1::jsonb, ai_model = 'sim-fast' WHERE id = $2", [
    JSON.stringify(latest),
    assigned,
  ]);
  await db.query(
    `INSERT INTO task_attempts (task_id, attempt, worker_id, ai_model, outcome, queued_at, started_at, finished_at,
                                error_class, error_message, assignment)
     VALUES ($1, 1, 'worker-test', 'sim-smart', 'failed', now() - interval '70 seconds', now() - interval '60 seconds',
             now() - interval '59 seconds', 'RateLimited', '429 from sim', $2::jsonb)`,
    [assigned, JSON.stringify(firstAttempt)],
  );

  await page.goto(`${url}/#/tasks/${assigned}`);
  const section = page.getByTestId("assignment");
  await section.waitFor({ timeout: visibleWithinMs });
  assert.equal(await section.getByTestId("assignment-model").textContent(), "sim-fast");
  assert.equal(await section.getByTestId("assignment-reason").textContent(), latest.reason);
  // Priced in dollars: the expected cost and its two parts, then the chance of success.
  assert.equal(await section.getByTestId("assignment-table").getAttribute("data-priced"), "true");
  assert.deepEqual(await section.getByTestId("factor-name").allTextContents(), ["Price", "Lateness"]);
  const rows = section.getByTestId("assignment-row");
  assert.deepEqual(
    await rows.evaluateAll((trs) => trs.map((tr) => [tr.dataset.modelId, tr.dataset.chosen])),
    [
      ["sim-fast", "true"],
      ["sim-other", "false"],
      ["sim-smart", "false"],
    ],
  );
  const chosen = rows.and(page.locator('[data-chosen="true"]'));
  assert.match((await chosen.getAttribute("class")) ?? "", /\bchosen\b/);
  assert.deepEqual(await chosen.locator("td").allTextContents(), [
    "sim-fastchosen",
    "$0.0031",
    "$0.0025",
    "$0.00060",
    "82% writing",
  ]);
  assert.equal(
    await chosen.getByTestId("assignment-success").getAttribute("title"),
    "writing: σ(1.60 + 1.10·gap), kind −0.4; prior 79%",
  );
  // A task that required no capability is judged on the mean level: no capability named.
  const other = rows.and(page.locator('[data-model-id="sim-other"]'));
  assert.deepEqual(await other.locator("td").allTextContents(), [
    "sim-other",
    "$0.012",
    "$0.012",
    "$0",
    "40%",
  ]);
  const excluded = rows.and(page.locator('[data-model-id="sim-smart"]'));
  assert.equal(await excluded.getByTestId("assignment-score").textContent(), "—");
  assert.equal(await excluded.getByTestId("assignment-excluded").textContent(), "cooling down: 429 from sim");

  // Each attempt: the model it ran on and why.
  const attempt = page.getByTestId("attempt-row");
  assert.equal(await attempt.count(), 1);
  assert.equal(await attempt.getByTestId("attempt-model").textContent(), "sim-smart");
  assert.equal(await attempt.getByTestId("attempt-assignment-reason").textContent(), firstAttempt.reason);
  await page.screenshot({ path: screenshot, fullPage: true });

  // A task the scheduler never saw: no assignment section.
  await page.goto(`${url}/#/tasks/${byRef.plain}`);
  await page
    .getByTestId("task-title")
    .filter({ hasText: `Task #${byRef.plain}` })
    .waitFor({
      timeout: visibleWithinMs,
    });
  assert.equal(await page.getByTestId("assignment").count(), 0);
}

test("the Models page says when no model is configured", { timeout: 60_000 }, async (t) => {
  const { url, page, pageErrors } = await openDashboard(t);

  await page.goto(`${url}/#/models`);
  const empty = page.getByTestId("no-models");
  await empty.waitFor({ timeout: visibleWithinMs });
  assert.match((await empty.textContent()) ?? "", /No models configured.*steward\.config\.json/);
  assert.equal(await page.getByTestId("model-card").count(), 0);

  assert.deepEqual(pageErrors, [], "the page logged errors");
});
